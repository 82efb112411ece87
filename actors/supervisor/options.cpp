// options: flag definitions and their validation.
#include "actors/supervisor/options.hpp"

#include <CLI/CLI.hpp>
#include <asio/ip/address.hpp>

#include <thread>

namespace meshlet::actors {

parse_result parse_options(int argc, char** argv) {
  CLI::App app{"meshlet: a gRPC service-mesh sidecar that balances each call across endpoints",
               "meshlet"};
  std::string listen;
  std::string upstream;
  options o;
  o.threads = std::max(1u, std::thread::hardware_concurrency());
  long grace_ms = 10000;
  app.add_option("--listen", listen, "HOST:PORT to accept h2c gRPC clients on")->required();
  app.add_option("--upstream", upstream, "HOST:PORT[,HOST:PORT...] endpoints of the cluster")
    ->required();
  app.add_option("--lb", o.lb, "load-balancing policy")->check(CLI::IsMember({"round_robin"}));
  app.add_option("--threads", o.threads, "I/O threads (default: cores)")
    ->check(CLI::Range(1u, 256u));
  app.add_option("--drain-grace-ms", grace_ms, "on SIGTERM, how long in-flight calls may run")
    ->check(CLI::Range(0L, 3600000L));
  app.add_option("--log-level", o.log_level, "trace|debug|info|warn|error|off")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.set_version_flag("--version", "meshlet 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::CallForVersion&) {
    return {std::nullopt, 0, "meshlet 0.1.0"};
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, 2, std::string{"meshlet: "} + e.what()};
  }
  auto l = net::parse_address(listen, true);
  if (!l.value)
    return {std::nullopt, 2, "meshlet: --listen " + l.error};
  o.listen = *l.value;
  asio::error_code ec;
  asio::ip::make_address(o.listen.host, ec);
  if (ec)
    return {std::nullopt, 2, "meshlet: --listen '" + listen + "': host must be an IP address"};
  auto u = net::parse_address_list(upstream);
  if (!u.error.empty())
    return {std::nullopt, 2, "meshlet: --upstream " + u.error};
  o.upstreams = std::move(u.values);
  o.drain_grace = std::chrono::milliseconds{grace_ms};
  return {std::move(o), 0, {}};
}

} // namespace meshlet::actors
