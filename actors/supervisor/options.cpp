// options: flag definitions and their validation.
#include "actors/supervisor/options.hpp"

#include "mesh/lb/policy.hpp"

#include <CLI/CLI.hpp>
#include <asio/ip/address.hpp>

#include <thread>

namespace meshlet::actors {

parse_result parse_options(int argc, char** argv) {
  CLI::App app{"meshlet: a gRPC service-mesh sidecar that balances each call across endpoints",
               "meshlet"};
  std::string listen;
  std::string upstream;
  std::string lb;
  options o;
  o.threads = std::max(1u, std::thread::hardware_concurrency());
  long grace_ms = 10000;
  app.add_option("--listen", listen, "HOST:PORT to accept h2c gRPC clients on (listener 'default')");
  app.add_option("--upstream", upstream,
                 "HOST:PORT[,HOST:PORT...] endpoints of cluster 'default'");
  app.add_option("--lb", lb,
                 "policy of cluster 'default': round_robin weighted_round_robin least_request "
                 "peak_ewma ring_hash random");
  app.add_option("--hash-header", o.hash_header, "ring_hash: the request header to hash");
  app.add_option("--health-interval-ms", o.health_interval_ms,
                 "cluster 'default': check endpoints with grpc.health.v1 this often")
    ->check(CLI::Range(1L, 86400000L));
  app.add_option("--health-timeout-ms", o.health_timeout_ms, "health check timeout (1000)")
    ->check(CLI::Range(1L, 86400000L));
  app.add_option("--health-service", o.health_service, "service name asked about ('')");
  app.add_flag("--health-watch", o.health_watch,
               "health checks as a grpc.health.v1 Watch stream (changes pushed at once)");
  app.add_option("--outlier-consecutive", o.outlier_consecutive,
                 "failures in a row that eject an endpoint (5)")
    ->check(CLI::Range(1L, 1000L));
  app.add_option("--outlier-base-ejection-ms", o.outlier_base_ms,
                 "first ejection time, times the ejection count (30000)")
    ->check(CLI::Range(1L, 86400000L));
  app.add_flag("--no-outlier", o.no_outlier, "no passive outlier ejection for cluster 'default'");
  app.add_option("--retry-on", o.retry_on,
                 "cluster 'default': statuses retried before any response header, e.g. "
                 "unavailable,resource_exhausted (connect failures and REFUSED_STREAM always are)");
  app.add_option("--max-attempts", o.max_attempts, "attempts per call, the first included (3)")
    ->check(CLI::Range(1L, 10L));
  app.add_option("--config", o.config_file, "YAML config file (flags override it)");
  app.add_option("--check-config", o.check_config, "validate a YAML config file and exit");
  app.add_option("--threads", o.threads, "I/O threads (default: cores)")
    ->check(CLI::Range(1u, 256u));
  app.add_option("--accept-balance", o.accept_balance,
                 "exact: each new client connection goes to the I/O thread with the fewest "
                 "open ones (default); kernel: each thread keeps what its SO_REUSEPORT "
                 "socket accepts")
    ->check(CLI::IsMember({"exact", "kernel"}));
  app.add_option("--drain-grace-ms", grace_ms, "on SIGTERM, how long in-flight calls may run")
    ->check(CLI::Range(0L, 3600000L));
  app.add_option("--log-level", o.log_level, "trace|debug|info|warn|error|off")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  std::string admin = "127.0.0.1:15000";
  std::string metrics = "127.0.0.1:15090";
  std::string gossip_bind;
  std::vector<std::string> gossip_join;
  app.add_option("--admin", admin, "IP:PORT of the admin gRPC API and grpc.health.v1, or 'off'")
    ->capture_default_str();
  app.add_option("--admin-token-file", o.admin_token_file,
                 "file holding a bearer token that allows mutating admin calls from non-loopback "
                 "peers");
  app.add_option("--metrics", metrics, "IP:PORT serving Prometheus metrics on /metrics, or 'off'")
    ->capture_default_str();
  app.add_option("--gossip-bind", gossip_bind,
                 "IP:PORT (UDP and TCP) to gossip endpoint health with other sidecars on");
  app.add_option("--gossip-join", gossip_join, "HOST:PORT of a sidecar to join (repeatable)")
    ->delimiter(',');
  app.add_option("--gossip-key", o.gossip_key_file,
                 "key ring file: one base64 key (16/24/32 bytes) a line, the first signs");
  app.add_flag("--gossip-insecure", o.gossip_insecure, "gossip without authentication");
  app.add_option("--node-name", o.node_name, "this sidecar's gossip name (hostname:port)");
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
  o.drain_grace = std::chrono::milliseconds{grace_ms};
  if (!o.check_config.empty())
    return {std::move(o), 0, {}};
  // "off" or IP:PORT (port 0: any free port).
  auto service_address = [](const std::string& flag, const std::string& v,
                            std::optional<net::address>& out) -> std::string {
    if (v == "off") {
      out.reset();
      return {};
    }
    auto a = net::parse_address(v, true);
    if (!a.value)
      return "meshlet: " + flag + " " + a.error;
    asio::error_code ec;
    asio::ip::make_address(a.value->host, ec);
    if (ec)
      return "meshlet: " + flag + " '" + v + "': host must be an IP address (or give 'off')";
    out = *a.value;
    return {};
  };
  if (auto e = service_address("--admin", admin, o.admin); !e.empty())
    return {std::nullopt, 2, e};
  if (auto e = service_address("--metrics", metrics, o.metrics); !e.empty())
    return {std::nullopt, 2, e};
  if (app.count("--gossip-bind")) {
    if (auto e = service_address("--gossip-bind", gossip_bind, o.gossip_bind); !e.empty())
      return {std::nullopt, 2, e};
    if (!o.gossip_bind)
      return {std::nullopt, 2, "meshlet: --gossip-bind needs IP:PORT"};
    if (o.gossip_key_file.empty() && !o.gossip_insecure)
      return {std::nullopt, 2,
              "meshlet: --gossip-bind needs --gossip-key FILE (or --gossip-insecure to gossip "
              "unauthenticated)"};
  } else if (!gossip_join.empty() || !o.gossip_key_file.empty() || o.gossip_insecure) {
    return {std::nullopt, 2, "meshlet: --gossip-join/--gossip-key/--gossip-insecure need --gossip-bind"};
  }
  for (auto& j : gossip_join) {
    auto a = net::parse_address(j);
    if (!a.value)
      return {std::nullopt, 2, "meshlet: --gossip-join " + a.error};
    o.gossip_join.push_back(j);
  }
  if (app.count("--listen")) {
    auto l = net::parse_address(listen, true);
    if (!l.value)
      return {std::nullopt, 2, "meshlet: --listen " + l.error};
    asio::error_code ec;
    asio::ip::make_address(l.value->host, ec);
    if (ec)
      return {std::nullopt, 2, "meshlet: --listen '" + listen + "': host must be an IP address"};
    o.listen = *l.value;
  }
  if (app.count("--upstream")) {
    auto u = net::parse_address_list(upstream);
    if (!u.error.empty())
      return {std::nullopt, 2, "meshlet: --upstream " + u.error};
    o.upstreams = std::move(u.values);
  }
  if (app.count("--lb")) {
    if (!lb::is_policy_name(lb))
      return {std::nullopt, 2,
              "meshlet: --lb '" + lb + "': unknown policy (round_robin, weighted_round_robin, "
                                       "least_request, peak_ewma, ring_hash, random)"};
    o.lb = lb;
  }
  if (o.config_file.empty() && (!o.listen || o.upstreams.empty()))
    return {std::nullopt, 2,
            "meshlet: give --listen and --upstream, or --config FILE (see --help)"};
  return {std::move(o), 0, {}};
}

} // namespace meshlet::actors
