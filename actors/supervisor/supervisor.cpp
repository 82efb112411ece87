// supervisor: start-up order, signal handling (drain, reload) and teardown.
#include "actors/supervisor/supervisor.hpp"

#include "actors/balancer/balancer_actor.hpp"
#include "actors/balancer/balancer_protocol.hpp"
#include "actors/io/io_worker.hpp"
#include "actors/supervisor/effective_config.hpp"
#include "transport/io/timer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <unistd.h>
#include <vector>

namespace meshlet::actors {

namespace {

route_state_ptr make_routes(const config::config& cfg) {
  auto rs = std::make_shared<route_state>();
  for (auto& l : cfg.listeners)
    rs->routers.emplace(l.name, routing::router{cfg, l.name});
  return rs;
}

// The running control plane: one balancer per cluster, the routes, the I/O threads.
class control_plane {
public:
  control_plane(caf::actor_system& sys, std::vector<std::unique_ptr<io_worker>>& workers)
    : sys_(sys), workers_(workers) {
    publish_ = [this](cluster_ptr c, lb::endpoint_table_ptr t) {
      for (auto& w : workers_)
        w->publish(c, t);
    };
    // Health probes run on the first I/O thread: a few sockets, never on a call's path.
    probes_ = [this](cluster_ptr c, lb::endpoint_table_ptr t, caf::actor balancer) {
      workers_.front()->sync_probes(std::move(c), std::move(t), std::move(balancer));
    };
  }

  // Applies a (new or reloaded) config: clusters first, so routes never name a missing one.
  void apply(const config::config& cfg) {
    std::map<std::string, bool> keep;
    for (auto& c : cfg.clusters) {
      keep[c.name] = true;
      auto i = balancers_.find(c.name);
      if (i == balancers_.end()) {
        std::map<std::string, uint32_t> ids;
        uint32_t next = 1;
        // The first snapshot is resolved and published before any call can arrive.
        auto t = make_table(c, ids, next, 1);
        publish_(std::make_shared<const config::cluster>(c), t);
        balancers_[c.name] = sys_.spawn(balancer_actor, c, publish_, probes_, t);
      } else {
        caf::anon_send(i->second, update_atom::value, c);
      }
    }
    for (auto i = balancers_.begin(); i != balancers_.end();) {
      if (keep.count(i->first)) {
        ++i;
        continue;
      }
      caf::anon_send_exit(i->second, caf::exit_reason::user_shutdown);
      for (auto& w : workers_)
        w->remove_cluster(i->first);
      i = balancers_.erase(i);
    }
    auto routes = make_routes(cfg);
    for (auto& w : workers_)
      w->publish_routes(routes);
  }

  void stop() {
    for (auto& [name, b] : balancers_)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    balancers_.clear();
  }

private:
  caf::actor_system& sys_;
  std::vector<std::unique_ptr<io_worker>>& workers_;
  publish_fn publish_;
  probe_fn probes_;
  std::map<std::string, caf::actor> balancers_;
};

} // namespace

int check_config(const std::string& file) {
  auto r = config::load_file(file);
  for (auto& e : r.errors)
    std::fprintf(stderr, "%s\n", e.c_str());
  if (!r.value)
    return 2;
  std::printf("%s: OK (%zu listener(s), %zu cluster(s), %zu route(s))\n", file.c_str(),
              r.value->listeners.size(), r.value->clusters.size(), r.value->routes.size());
  return 0;
}

int run(const options& o) {
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::from_str(o.log_level));

  auto loaded = effective_config(o);
  if (!loaded.value) {
    for (auto& e : loaded.errors)
      std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  config::config cfg = std::move(*loaded.value);

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", 2);
  caf_cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{caf_cfg};

  worker_config wc;
  for (auto& l : cfg.listeners) {
    auto a = net::parse_address(l.address, true);
    asio::error_code ec;
    auto ip = a.value ? asio::ip::make_address(a.value->host, ec) : asio::ip::address{};
    if (!a.value || ec) {
      std::fprintf(stderr, "meshlet: listener %s: address '%s' must be IP:PORT\n", l.name.c_str(),
                   l.address.c_str());
      return 2;
    }
    wc.listeners.push_back(listener_spec{l.name, asio::ip::tcp::endpoint{ip, a.value->port}});
  }

  std::vector<std::unique_ptr<io_worker>> workers;
  for (unsigned i = 0; i < o.threads; ++i) {
    workers.push_back(std::make_unique<io_worker>(sys, i, wc));
    if (auto err = workers.back()->bind(); !err.empty()) {
      std::fprintf(stderr, "meshlet: %s\n", err.c_str());
      return 1;
    }
    // With port 0 the first thread's bind picks the port; the others share it.
    if (i == 0)
      for (size_t l = 0; l < wc.listeners.size(); ++l)
        if (wc.listeners[l].address.port() == 0)
          wc.listeners[l].address.port(workers[0]->bound_port(l));
  }

  control_plane cp{sys, workers};
  cp.apply(cfg);
  for (auto& w : workers)
    w->start();
  for (auto& l : wc.listeners)
    spdlog::info("meshlet listening on {}:{} (listener {}, {} thread{})",
                 l.address.address().to_string(), l.address.port(), l.name, o.threads,
                 o.threads == 1 ? "" : "s");
  for (auto& c : cfg.clusters)
    spdlog::info("cluster {}: {} endpoint(s), lb {}", c.name, c.endpoints.size(), c.lb.name);

  asio::io_context control;
  asio::signal_set signals{control, SIGTERM, SIGINT};
  asio::signal_set hup{control, SIGHUP};
  io::timer grace{control};
  int signals_seen = 0;
  size_t busy = workers.size();

  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const asio::error_code& err, int) {
      if (err)
        return;
      if (o.config_file.empty()) {
        spdlog::warn("SIGHUP: no --config file to reload");
      } else {
        auto r = effective_config(o);
        if (!r.value) {
          for (auto& e : r.errors)
            spdlog::error("config reload rejected: {}", e);
        } else {
          bool listeners_changed = r.value->listeners.size() != cfg.listeners.size();
          for (size_t i = 0; !listeners_changed && i < cfg.listeners.size(); ++i)
            listeners_changed = r.value->listeners[i].name != cfg.listeners[i].name
                                || r.value->listeners[i].address != cfg.listeners[i].address;
          if (listeners_changed)
            spdlog::warn("config reload: listener changes take effect after a restart");
          cfg.clusters = r.value->clusters;
          cfg.routes = r.value->routes;
          for (size_t i = 0; i < cfg.listeners.size() && i < r.value->listeners.size(); ++i)
            if (cfg.listeners[i].name == r.value->listeners[i].name)
              cfg.listeners[i].routes = r.value->listeners[i].routes;
          cp.apply(cfg);
          spdlog::info("config reloaded from {} ({} cluster(s), {} route(s))", o.config_file,
                       cfg.clusters.size(), cfg.routes.size());
        }
      }
      wait_hup();
    });
  };
  wait_hup();

  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const asio::error_code& err, int signo) {
      if (err)
        return;
      if (++signals_seen > 1) {
        spdlog::warn("second signal ({}): exiting now", signo);
        spdlog::default_logger()->flush();
        ::_exit(1);
      }
      spdlog::info("signal {}: draining (GOAWAY), grace {} ms", signo, o.drain_grace.count());
      grace.arm(o.drain_grace, [&] {
        spdlog::warn("grace period over: closing the remaining calls");
        control.stop();
      });
      for (auto& w : workers)
        w->drain([&] {
          asio::post(control, [&] {
            if (--busy == 0) {
              spdlog::info("drained: exiting");
              control.stop();
            }
          });
        });
      wait_signal();
    });
  };
  wait_signal();
  control.run();

  for (auto& w : workers)
    w->stop();
  for (auto& w : workers)
    w->join();
  workers.clear();
  cp.stop();
  return 0;
}

} // namespace meshlet::actors
