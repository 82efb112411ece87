// options: meshctl's flags and subcommands (CLI11), and the admin token.
#include "cmd/meshctl/options.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace meshlet::meshctl {

namespace {

std::string trim(std::string s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.back()))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && space(s[i]))
    ++i;
  return s.substr(i);
}

// A token must fit in a header value: visible ASCII and spaces.
bool header_safe(const std::string& token) {
  for (char c : token)
    if (c < 0x20 || c > 0x7e)
      return false;
  return true;
}

// The token from --token-file (when given) or the environment; "" when neither. An error message
// when the file cannot be used.
std::pair<std::string, std::string> load_token(const std::string& file, const char* env) {
  std::string token;
  std::string from;
  if (!file.empty()) {
    std::ifstream in{file, std::ios::binary};
    if (!in)
      return {{}, "meshctl: cannot read --token-file " + file + ": " + std::strerror(errno)};
    std::ostringstream s;
    s << in.rdbuf();
    token = trim(s.str());
    from = "--token-file " + file;
    if (token.empty())
      return {{}, "meshctl: " + from + " is empty"};
  } else if (env != nullptr) {
    token = trim(env);
    from = "MESHLET_ADMIN_TOKEN";
  }
  if (!header_safe(token))
    return {{}, "meshctl: the token in " + from + " has characters a header cannot carry"};
  return {token, {}};
}

} // namespace

parse_result parse_options(int argc, char** argv, const char* env_token) {
  CLI::App app{"meshctl: inspect and steer a running meshlet through its admin API", "meshctl"};
  app.fallthrough(); // global flags may follow the command: `meshctl status -o json`
  app.require_subcommand(1);
  options o;
  std::string admin = "127.0.0.1:15000";
  long timeout_ms = 5000;
  std::string token_file;
  std::string format = "table";
  app.add_option("--admin", admin, "HOST:PORT of meshlet's admin API")->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "give up after this long, connecting included")
    ->capture_default_str()
    ->check(CLI::Range(1L, 3600000L));
  app.add_option("--token-file", token_file,
                 "file holding the bearer token for mutating calls (else $MESHLET_ADMIN_TOKEN)")
    ->check(CLI::ExistingFile);
  app.add_option("-o,--output", format, "table or json")
    ->capture_default_str()
    ->check(CLI::IsMember({"table", "json"}));

  std::vector<std::pair<CLI::App*, command>> subs;
  auto sub = [&](const char* name, const char* what, command c) {
    auto* s = app.add_subcommand(name, what);
    subs.emplace_back(s, c);
    return s;
  };
  auto endpoint_args = [&](CLI::App* s) {
    s->add_option("CLUSTER", o.cluster, "cluster name")->required();
    s->add_option("ADDR", o.address, "endpoint IP:PORT")->required();
  };
  sub("status", "version, uptime, listeners and load of this meshlet", command::status);
  sub("clusters", "clusters with their policy and endpoint counts", command::clusters);
  sub("endpoints", "endpoints of one cluster, or of all", command::endpoints)
    ->add_option("CLUSTER", o.cluster, "cluster name (default: every cluster)");
  auto* set_weight = sub("set-weight", "change an endpoint's weight", command::set_weight);
  endpoint_args(set_weight);
  set_weight->add_option("W", o.weight, "weight, 1..1000")
    ->required()
    ->check(CLI::Range(1u, 1000u));
  endpoint_args(sub("drain-endpoint", "send no new calls to an endpoint (open calls finish)",
                    command::drain_endpoint));
  endpoint_args(sub("undrain-endpoint", "send calls to a drained endpoint again",
                    command::undrain_endpoint));
  auto* add = sub("add-endpoint", "add a runtime endpoint to a cluster", command::add_endpoint);
  endpoint_args(add);
  add->add_option("--weight", o.weight, "weight, 1..1000 (default 1)")
    ->check(CLI::Range(1u, 1000u));
  endpoint_args(sub("remove-endpoint", "take an endpoint out of a cluster",
                    command::remove_endpoint));
  sub("members", "the gossip view: sidecars and their state", command::members);
  sub("config", "the effective config as YAML", command::config);
  sub("reload", "re-read meshlet's config file (like SIGHUP)", command::reload);
  sub("drain", "shut meshlet down gracefully", command::drain);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return {std::nullopt, 0, app.help()};
  } catch (const CLI::ParseError& e) {
    // CLI11 reports a mistyped command as a missing one; name the word it did not know.
    auto rest = app.remaining();
    if (app.get_subcommands().empty() && !rest.empty() && !rest.front().empty()
        && rest.front()[0] != '-')
      return {std::nullopt, 2, "meshctl: unknown command '" + rest.front() + "' (see --help)"};
    return {std::nullopt, 2, std::string{"meshctl: "} + e.what()};
  }
  for (auto& [s, c] : subs)
    if (s->parsed())
      o.cmd = c;
  auto a = net::parse_address(admin);
  if (!a.value)
    return {std::nullopt, 2, "meshctl: --admin " + a.error};
  o.admin = *a.value;
  o.admin_text = admin;
  o.timeout = std::chrono::milliseconds{timeout_ms};
  o.format = format == "json" ? output::json : output::table;
  auto [token, error] = load_token(token_file, env_token);
  if (!error.empty())
    return {std::nullopt, 1, error};
  o.token = std::move(token);
  return {std::move(o), 0, {}};
}

} // namespace meshlet::meshctl
