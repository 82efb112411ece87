// metrics_server: Prometheus' /metrics over HTTP (prometheus-cpp's Exposer, on its own threads).
// A scrape collects every I/O thread's counters on that thread (snapshot_collector: ≤ 2 s, a
// thread that does not answer is skipped and logged) and renders the merged snapshot; other
// components add their own prometheus::Collectable (gossip's, a prometheus::Registry, ...).
#pragma once

#include "actors/metrics/snapshot_collector.hpp"
#include "transport/net/address.hpp"

#include <prometheus/collectable.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Exposer;
}

namespace meshlet::metrics {

class metrics_server {
public:
  // Serves /metrics on `address` (port 0: the OS picks one), asking `sources` (one per I/O
  // thread) at every scrape. nullptr, with `error` saying why, when it cannot listen there.
  static std::unique_ptr<metrics_server>
  start(const net::address& address, std::vector<snapshot_source> sources, std::string& error,
        std::chrono::milliseconds timeout = std::chrono::seconds{2});
  // Stops serving; a scrape in progress finishes first (at most the timeout).
  ~metrics_server();

  // The port it listens on (the real one for port 0) and "http://IP:PORT/metrics".
  uint16_t port() const { return port_; }
  const std::string& url() const { return url_; }
  // Thread-safe: serves `c`'s metrics on /metrics too, for as long as the server runs.
  void add(std::shared_ptr<prometheus::Collectable> c);

private:
  metrics_server() = default;

  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> calls_;
  std::mutex mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
  uint16_t port_ = 0;
  std::string url_;
};

} // namespace meshlet::metrics
