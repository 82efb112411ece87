// supervisor: start-up order, signal handling (drain, reload) and teardown.
#include "actors/supervisor/supervisor.hpp"

#include "actors/admin/access.hpp"
#include "actors/admin/admin_actor.hpp"
#include "actors/admin/admin_call.hpp"
#include "actors/balancer/balancer_actor.hpp"
#include "actors/balancer/balancer_protocol.hpp"
#include "actors/io/io_worker.hpp"
#include "actors/mesh/mesh_actor.hpp"
#include "actors/metrics/metrics_server.hpp"
#include "actors/supervisor/effective_config.hpp"
#include "transport/io/timer.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
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
  // `admin` (may be null) hears of every snapshot and balancer.
  control_plane(caf::actor_system& sys, std::vector<std::unique_ptr<io_worker>>& workers,
                caf::actor admin)
    : sys_(sys), workers_(workers), admin_(std::move(admin)) {
    publish_ = [this](cluster_ptr c, lb::endpoint_table_ptr t) {
      for (auto& w : workers_)
        w->publish(c, t);
      if (admin_)
        caf::anon_send(admin_, table_atom::value, cluster_cptr{c}, t);
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
    if (admin_)
      caf::anon_send(admin_, balancers_atom::value, balancer_map{balancers_.begin(), balancers_.end()});
    if (mesh_) // the mesh routes other sidecars' rumours to the cluster's balancer
      caf::anon_send(mesh_, balancers_atom::value, balancer_map{balancers_.begin(), balancers_.end()});
  }

  // The gossip mesh actor (when --gossip-bind is set): hears of every apply()'s balancers.
  void set_mesh(caf::actor mesh) { mesh_ = std::move(mesh); }

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
  caf::actor admin_;
  caf::actor mesh_;
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

namespace {

std::string endpoint_string(const asio::ip::tcp::endpoint& ep) {
  return net::address{ep.address().to_string(), ep.port()}.to_string();
}

// A validated --admin / --metrics / listener address as a socket address.
asio::ip::tcp::endpoint socket_address(const net::address& a) {
  return asio::ip::tcp::endpoint{asio::ip::make_address(a.host), a.port};
}

} // namespace

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
  std::string token;
  if (!o.admin_token_file.empty()) {
    auto t = load_token_file(o.admin_token_file);
    if (!t.token) {
      std::fprintf(stderr, "meshlet: %s\n", t.error.c_str());
      return 2;
    }
    token = std::move(*t.token);
  }
  const std::string source = o.config_file.empty() ? "flags" : o.config_file;
  // Gossip's key ring is read before anything starts: a bad file is one line and exit 2.
  std::shared_ptr<const gossip::keyring> gossip_keys;
  if (o.gossip_bind && !o.gossip_key_file.empty()) {
    auto k = gossip::load_keyring(o.gossip_key_file);
    if (!k.value) {
      std::fprintf(stderr, "meshlet: --gossip-key %s\n", k.error.c_str());
      return 2;
    }
    gossip_keys = std::make_shared<const gossip::keyring>(std::move(*k.value));
  }

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
    wc.listeners.push_back(listener_spec{l.name, asio::ip::tcp::endpoint{ip, a.value->port}, {}});
  }

  asio::io_context control;
  std::vector<std::unique_ptr<io_worker>> workers;
  // Set below, once the control thread's state exists; the admin actor calls them via post.
  std::function<reload_result()> reload_now;
  std::function<void(const char*)> start_drain;

  caf::actor admin;
  if (o.admin) {
    admin_info info;
    info.version = "0.1.0";
    info.threads = o.threads;
    info.drain_grace = o.drain_grace;
    admin_hooks hooks;
    hooks.reload = [&control, &reload_now](std::function<void(reload_result)> done) {
      asio::post(control, [&reload_now, done = std::move(done)] { done(reload_now()); });
    };
    hooks.drain = [&control, &start_drain] {
      asio::post(control, [&start_drain] { start_drain("admin Drain"); });
    };
    for (unsigned i = 0; i < o.threads; ++i)
      hooks.reporters.push_back([&workers, i](std::function<void(worker_report)> done) {
        if (i < workers.size())
          workers[i]->report(std::move(done));
      });
    admin = sys.spawn(admin_actor, std::move(info), std::move(hooks));
    caf::anon_send(admin, config_atom::value, cfg, source);
  }
  // Stops the admin actor before what its hooks point at goes away.
  auto stop_admin = [&] {
    if (!admin)
      return;
    caf::scoped_actor self{sys};
    self->send_exit(admin, caf::exit_reason::user_shutdown);
    self->wait_for(admin);
    admin = nullptr;
  };

  // Call counters feed /metrics and the admin API's ListEndpoints: off only when both are.
  wc.count_calls = o.metrics.has_value() || o.admin.has_value();
  for (unsigned i = 0; i < o.threads; ++i) {
    worker_config mine = wc;
    // The admin API lives on the first I/O thread only.
    if (i == 0 && admin)
      mine.listeners.push_back(listener_spec{
        "admin", socket_address(*o.admin),
        std::make_shared<const admin_context>(admin_context{admin, token})});
    workers.push_back(std::make_unique<io_worker>(sys, i, std::move(mine)));
    if (auto err = workers.back()->bind(); !err.empty()) {
      std::fprintf(stderr, "meshlet: %s\n", err.c_str());
      workers.clear();
      stop_admin();
      return 1;
    }
    // With port 0 the first thread's bind picks the port; the others share it.
    if (i == 0)
      for (size_t l = 0; l < wc.listeners.size(); ++l)
        if (wc.listeners[l].address.port() == 0)
          wc.listeners[l].address.port(workers[0]->bound_port(l));
  }

  if (o.accept_balance == "exact" && workers.size() > 1) {
    auto group = std::make_shared<accept_group>();
    for (auto& w : workers)
      group->workers.push_back(w.get());
    for (auto& w : workers)
      w->join_accept_group(group);
  }

  // Prometheus /metrics, bound before anything runs (a taken port fails like a listener's).
  // Other components add their collectables with metrics_srv->add(...) when it is set.
  std::unique_ptr<metrics::metrics_server> metrics_srv;
  if (o.metrics) {
    std::vector<metrics::snapshot_source> sources;
    for (auto& w : workers)
      sources.push_back([w = w.get()](auto done) { w->collect(std::move(done)); });
    std::string err;
    metrics_srv = metrics::metrics_server::start(*o.metrics, std::move(sources), err);
    if (!metrics_srv) {
      std::fprintf(stderr, "meshlet: --metrics: %s (give another IP:PORT, or --metrics off)\n",
                   err.c_str());
      workers.clear();
      stop_admin();
      return 1;
    }
  }

  // Gossip: the mesh actor lives on I/O thread 0 (a few packets a second, never on a call's
  // path); its sockets are bound before anything runs.
  std::unique_ptr<mesh_actor> mesh;
  if (o.gossip_bind) {
    mesh_settings ms;
    ms.bind_ip = asio::ip::make_address(o.gossip_bind->host);
    ms.bind_port = o.gossip_bind->port;
    ms.name = o.node_name;
    ms.seeds = o.gossip_join;
    ms.keys = gossip_keys;
    std::string err;
    mesh = mesh_actor::make(workers[0]->host(), workers[0]->context(), std::move(ms), err);
    if (!mesh) {
      std::fprintf(stderr, "meshlet: --gossip-bind: %s\n", err.c_str());
      workers.clear();
      stop_admin();
      return 1;
    }
    for (auto& w : workers)
      w->set_endpoint_events([m = mesh->handle()](const std::string& cluster,
                                                  const std::string& address, bool ejected) {
        if (ejected)
          caf::anon_send(m, ejected_atom::value, cluster, address);
        else
          caf::anon_send(m, call_ok_atom::value, cluster, address);
      });
    if (metrics_srv)
      metrics_srv->add(mesh->metrics());
    if (admin)
      caf::anon_send(admin, mesh_atom::value, mesh->handle());
  }

  control_plane cp{sys, workers, admin};
  if (mesh)
    cp.set_mesh(mesh->handle());
  cp.apply(cfg);
  for (auto& w : workers)
    w->start();
  if (metrics_srv)
    spdlog::info("metrics on {}", metrics_srv->url());
  listener_list bound;
  for (auto& l : wc.listeners) {
    spdlog::info("meshlet listening on {}:{} (listener {}, {} thread{})",
                 l.address.address().to_string(), l.address.port(), l.name, o.threads,
                 o.threads == 1 ? "" : "s");
    bound.emplace_back(l.name, endpoint_string(l.address));
  }
  if (admin) {
    auto a = socket_address(*o.admin);
    a.port(workers[0]->bound_port(wc.listeners.size()));
    spdlog::info("admin API on {}", endpoint_string(a));
    caf::anon_send(admin, listeners_atom::value, std::move(bound), endpoint_string(a),
                   metrics_srv ? metrics_srv->url() : std::string{},
                   mesh ? mesh->name() : std::string{});
  }
  for (auto& c : cfg.clusters)
    spdlog::info("cluster {}: {} endpoint(s), lb {}", c.name, c.endpoints.size(), c.lb.name);
  if (mesh) {
    mesh->start();
    spdlog::info("gossip on {} as {} ({}{})", mesh->address(), mesh->name(),
                 gossip_keys ? "authenticated" : "insecure",
                 o.gossip_join.empty() ? "" : ", joining " + std::to_string(o.gossip_join.size())
                                                + " seed(s)");
  }

  asio::signal_set signals{control, SIGTERM, SIGINT};
  asio::signal_set hup{control, SIGHUP};
  io::timer grace{control};
  int signals_seen = 0;
  bool draining = false;
  size_t busy = workers.size();

  // Re-reads --config (SIGHUP, admin ReloadConfig); an invalid file changes nothing.
  reload_now = [&]() -> reload_result {
    reload_result res;
    if (o.config_file.empty()) {
      res.errors.push_back("no --config file to reload (meshlet was configured by flags)");
      return res;
    }
    auto r = effective_config(o);
    if (!r.value) {
      res.errors = std::move(r.errors);
      return res;
    }
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
    if (admin)
      caf::anon_send(admin, config_atom::value, cfg, source);
    spdlog::info("config reloaded from {} ({} cluster(s), {} route(s))", o.config_file,
                 cfg.clusters.size(), cfg.routes.size());
    res.clusters = cfg.clusters.size();
    res.routes = cfg.routes.size();
    return res;
  };

  // The first SIGTERM/SIGINT or an admin Drain: GOAWAY everywhere, exit once calls are done.
  start_drain = [&](const char* why) {
    if (draining)
      return;
    draining = true;
    if (mesh)
      mesh->begin_leave(); // peers hear we are going while our calls finish
    spdlog::info("{}: draining (GOAWAY), grace {} ms", why, o.drain_grace.count());
    if (admin)
      caf::anon_send(admin, draining_atom::value);
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
  };

  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const asio::error_code& err, int) {
      if (err)
        return;
      auto r = reload_now();
      for (auto& e : r.errors)
        spdlog::error("config reload rejected: {}", e);
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
      start_drain(signo == SIGINT ? "signal SIGINT" : "signal SIGTERM");
      wait_signal();
    });
  };
  wait_signal();
  control.run();

  if (mesh && !mesh->await_leave(std::chrono::seconds{2}))
    spdlog::warn("gossip: leave not announced within 2 s");
  metrics_srv.reset(); // no scrape may wait on a stopped thread
  stop_admin();
  for (auto& w : workers)
    w->stop();
  for (auto& w : workers)
    w->join();
  mesh.reset(); // on I/O thread 0's host, which is still there; the loop is stopped
  workers.clear();
  cp.stop();
  return 0;
}

} // namespace meshlet::actors
