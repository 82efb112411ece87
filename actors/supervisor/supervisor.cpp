// supervisor: start-up order, signal handling and teardown.
#include "actors/supervisor/supervisor.hpp"

#include "actors/balancer/balancer_actor.hpp"
#include "actors/io/io_worker.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <unistd.h>
#include <vector>

namespace meshlet::actors {

int run(const options& o) {
  std::signal(SIGPIPE, SIG_IGN);
  spdlog::set_level(spdlog::level::from_str(o.log_level));

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};

  asio::error_code ec;
  auto listen_ip = asio::ip::make_address(o.listen.host, ec);
  worker_config wc;
  wc.listen = asio::ip::tcp::endpoint{listen_ip, o.listen.port};

  std::vector<std::unique_ptr<io_worker>> workers;
  for (unsigned i = 0; i < o.threads; ++i) {
    workers.push_back(std::make_unique<io_worker>(sys, i, wc));
    if (auto err = workers.back()->bind(); !err.empty()) {
      std::fprintf(stderr, "meshlet: %s\n", err.c_str());
      return 1;
    }
    // With port 0 the first bind picks the port; the others share it.
    if (i == 0 && wc.listen.port() == 0)
      wc.listen.port(workers[0]->bound_port());
  }

  auto publish = [&workers](lb::endpoint_table_ptr t) {
    for (auto& w : workers)
      w->publish(t);
  };
  balancer_config bc;
  bc.cluster = "default";
  bc.endpoints = o.upstreams;
  bc.initial = make_table(bc.cluster, bc.endpoints, 1);
  bc.publish = publish;
  publish(bc.initial);
  auto balancer = sys.spawn(balancer_actor, bc);

  for (auto& w : workers)
    w->start();
  spdlog::info("meshlet listening on {}:{} ({} thread{}), {} endpoint{}, lb {}",
               wc.listen.address().to_string(), wc.listen.port(), o.threads,
               o.threads == 1 ? "" : "s", o.upstreams.size(), o.upstreams.size() == 1 ? "" : "s",
               o.lb);

  asio::io_context control;
  asio::signal_set signals{control, SIGTERM, SIGINT};
  asio::steady_timer grace{control};
  int signals_seen = 0;
  size_t busy = workers.size();
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
      grace.expires_after(o.drain_grace);
      grace.async_wait([&](const asio::error_code& e) {
        if (!e) {
          spdlog::warn("grace period over: closing the remaining calls");
          control.stop();
        }
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
  caf::anon_send_exit(balancer, caf::exit_reason::user_shutdown);
  balancer = nullptr;
  return 0;
}

} // namespace meshlet::actors
