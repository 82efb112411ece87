// metrics_server: the Exposer, its bind check, and the collectable that merges the threads.
#include "actors/metrics/metrics_server.hpp"

#include "actors/metrics/exposition.hpp"

#include <asio/ip/tcp.hpp>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>

#include <exception>

namespace meshlet::metrics {

namespace {

class calls_collectable : public prometheus::Collectable {
public:
  calls_collectable(std::vector<snapshot_source> sources, std::chrono::milliseconds timeout)
    : sources_(std::move(sources)), timeout_(timeout) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    auto r = collect_all(sources_, timeout_);
    for (auto i : r.missing)
      spdlog::warn("metrics: I/O thread {} did not answer within {} ms; its counters are left "
                   "out of this scrape",
                   i, timeout_.count());
    return to_families(r.merged);
  }

private:
  std::vector<snapshot_source> sources_;
  std::chrono::milliseconds timeout_;
};

// civetweb only says "null context ... Possible problem binding to port": bind once ourselves
// (as civetweb will: SO_REUSEADDR) to report the real reason.
std::string check_bind(const asio::ip::tcp::endpoint& ep) {
  asio::io_context ctx;
  asio::ip::tcp::acceptor a{ctx};
  asio::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec)
    a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    a.bind(ep, ec);
  if (!ec)
    a.listen(asio::socket_base::max_listen_connections, ec);
  return ec ? ec.message() : std::string{};
}

} // namespace

std::unique_ptr<metrics_server> metrics_server::start(const net::address& address,
                                                      std::vector<snapshot_source> sources,
                                                      std::string& error,
                                                      std::chrono::milliseconds timeout) {
  asio::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) {
    error = "'" + address.host + "' is not an IP address";
    return nullptr;
  }
  if (auto why = check_bind({ip, address.port}); !why.empty()) {
    error = "cannot listen on " + address.to_string() + ": " + why;
    return nullptr;
  }
  std::string host = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  std::unique_ptr<metrics_server> s{new metrics_server};
  try {
    s->exposer_ = std::make_unique<prometheus::Exposer>(host + ":" + std::to_string(address.port));
  } catch (const std::exception& e) {
    error = "cannot listen on " + address.to_string() + ": " + e.what();
    return nullptr;
  }
  auto ports = s->exposer_->GetListeningPorts();
  s->port_ = ports.empty() ? address.port : static_cast<uint16_t>(ports.front());
  s->url_ = "http://" + host + ":" + std::to_string(s->port_) + "/metrics";
  s->calls_ = std::make_shared<calls_collectable>(std::move(sources), timeout);
  s->exposer_->RegisterCollectable(s->calls_);
  return s;
}

metrics_server::~metrics_server() {
  // The Exposer joins its threads: no Collect() runs after this line.
  exposer_.reset();
}

void metrics_server::add(std::shared_ptr<prometheus::Collectable> c) {
  std::lock_guard<std::mutex> lock{mu_};
  exposer_->RegisterCollectable(c);
  extra_.push_back(std::move(c));
}

} // namespace meshlet::metrics
