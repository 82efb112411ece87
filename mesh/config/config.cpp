// config: reading meshlet.yaml into the config model, checking every field and every
// cross-reference (routes name clusters, listeners name routes); load_file reads the file.
#include "mesh/config/config.hpp"

#include "mesh/config/health_block.hpp"
#include "mesh/config/lb_block.hpp"
#include "mesh/config/outlier_block.hpp"
#include "mesh/config/retry_block.hpp"
#include "mesh/config/yaml_reader.hpp"
#include "transport/net/address.hpp"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <system_error>

namespace meshlet::config {

namespace {

using detail::diagnostics;
using detail::kind_of;
using detail::line_of;
using detail::map_reader;
using detail::max_duration_ms;
using detail::quoted;

constexpr int64_t max_weight = 1000;
constexpr size_t max_file_bytes = 16 << 20;

bool is_ip(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Name → line of its first definition.
using name_lines = std::map<std::string, int, std::less<>>;

class loader {
public:
  explicit loader(diagnostics& d) : diags_(d) {}
  config read(const YAML::Node& root);

private:
  void read_cluster(const YAML::Node& n, config& out);
  std::optional<endpoint> read_endpoint(const YAML::Node& n, const std::string& cluster,
                                        name_lines& seen);
  void read_route(const YAML::Node& n, config& out);
  void read_split(const YAML::Node& n, const std::string& label, route& out);
  void read_match(const YAML::Node& n, route_match& out);
  void read_headers(const YAML::Node& n, std::vector<header_match>& out);
  void read_listener(const YAML::Node& n, config& out);

  bool is_map(const YAML::Node& n, std::string_view what);
  std::optional<std::string> read_name(map_reader& m, std::string_view kind, name_lines& seen);
  void cluster_ref(const std::string& name, const YAML::Mark& at, const std::string& route);

  diagnostics& diags_;
  name_lines clusters_, routes_, listeners_, listener_addresses_;
  // Whether the section was readable: references into an unreadable one are not checked.
  bool clusters_read_ = false;
  bool routes_read_ = false;
};

config loader::read(const YAML::Node& root) {
  config out;
  if (!root.IsDefined() || root.IsNull()) {
    diags_.error(YAML::Mark::null_mark(),
                 "empty config: expected a map with keys listeners, clusters, routes");
    return out;
  }
  if (!root.IsMap()) {
    diags_.error(root.Mark(), "the config must be a map with keys listeners, clusters, routes; got "
                                + kind_of(root));
    return out;
  }
  map_reader top(root, "config", {"listeners", "clusters", "routes"}, diags_);
  if (auto list = top.list("clusters", true)) {
    clusters_read_ = true;
    if (list->size() == 0)
      diags_.error(top.value_mark("clusters"), "'clusters' must list at least one cluster");
    for (const auto& n : *list)
      read_cluster(n, out);
  }
  if (auto list = top.list("routes", false)) {
    routes_read_ = true;
    for (const auto& n : *list)
      read_route(n, out);
  } else if (!top.has("routes")) {
    routes_read_ = true;
  }
  if (auto list = top.list("listeners", false))
    for (const auto& n : *list)
      read_listener(n, out);
  return out;
}

bool loader::is_map(const YAML::Node& n, std::string_view what) {
  if (n.IsMap())
    return true;
  diags_.error(n.Mark(), std::string{what} + " must be a map, got " + kind_of(n));
  return false;
}

std::optional<std::string> loader::read_name(map_reader& m, std::string_view kind,
                                             name_lines& seen) {
  auto name = m.string("name", true);
  if (!name)
    return std::nullopt;
  auto at = m.value_mark("name");
  if (!detail::valid_name(*name))
    diags_.error(at, std::string{kind} + " name " + quoted(*name)
                       + " is invalid: use letters, digits, '.', '_' and '-'");
  auto [it, fresh] = seen.emplace(*name, line_of(at));
  if (!fresh)
    diags_.error(at, "duplicate " + std::string{kind} + " name " + quoted(*name)
                       + " (first defined at line " + std::to_string(it->second) + ")");
  return name;
}

void loader::read_cluster(const YAML::Node& n, config& out) {
  if (!is_map(n, "a cluster"))
    return;
  map_reader m(n, "cluster",
               {"name", "endpoints", "lb", "dns_refresh_ms", "health", "outlier", "retry",
                "runtime_endpoints"},
               diags_);
  cluster c;
  c.name = read_name(m, "cluster", clusters_).value_or("");
  if (auto list = m.list("endpoints", true)) {
    if (list->size() == 0)
      diags_.error(m.value_mark("endpoints"),
                   "'endpoints' in " + m.label() + " must list at least one endpoint");
    name_lines seen;
    for (const auto& e : *list)
      if (auto ep = read_endpoint(e, m.label(), seen))
        c.endpoints.push_back(std::move(*ep));
  }
  if (auto lb = m.map("lb", false))
    detail::read_lb(*lb, c.lb, diags_);
  if (auto ms = m.integer("dns_refresh_ms", 1, max_duration_ms, false))
    c.dns_refresh = std::chrono::milliseconds{*ms};
  if (auto h = m.map("health", false))
    detail::read_health(*h, c.health, diags_);
  if (auto b = m.boolean("runtime_endpoints", false))
    c.runtime_endpoints = *b;
  if (auto o = m.map("outlier", false))
    detail::read_outlier(*o, c.outlier_enabled, c.outlier, diags_);
  if (auto r = m.map("retry", false))
    detail::read_retry(*r, c.retry, c.retry_budget, diags_);
  out.clusters.push_back(std::move(c));
}

std::optional<endpoint> loader::read_endpoint(const YAML::Node& n, const std::string& cluster,
                                              name_lines& seen) {
  endpoint ep;
  YAML::Mark at = n.Mark();
  if (n.IsScalar()) {
    ep.address = n.Scalar();
  } else if (n.IsMap()) {
    map_reader m(n, "endpoint", {"address", "weight"}, diags_);
    auto address = m.string("address", true);
    auto weight = m.integer("weight", 1, max_weight, false);
    if (!address)
      return std::nullopt;
    ep.address = *address;
    ep.weight = static_cast<uint32_t>(weight.value_or(1));
    at = m.value_mark("address");
  } else {
    diags_.error(at, "an endpoint must be an address or a map with address and weight, got "
                       + kind_of(n));
    return std::nullopt;
  }
  auto parsed = net::parse_address(ep.address);
  if (!parsed.value) {
    diags_.error(at, "invalid endpoint address " + parsed.error);
    return std::nullopt;
  }
  auto [it, fresh] = seen.emplace(parsed.value->to_string(), line_of(at));
  if (!fresh)
    diags_.error(at, "duplicate endpoint " + quoted(ep.address) + " in " + cluster
                       + " (first at line " + std::to_string(it->second) + ")");
  return ep;
}

void loader::cluster_ref(const std::string& name, const YAML::Mark& at, const std::string& route) {
  if (clusters_read_ && clusters_.find(name) == clusters_.end())
    diags_.error(at, route + " names unknown cluster " + quoted(name));
}

void loader::read_route(const YAML::Node& n, config& out) {
  if (!is_map(n, "a route"))
    return;
  map_reader m(n, "route", {"name", "match", "cluster", "split"}, diags_);
  route r;
  r.name = read_name(m, "route", routes_).value_or("");
  if (auto match = m.map("match", false))
    read_match(*match, r.match);
  bool has_cluster = m.has("cluster");
  bool has_split = m.has("split");
  if (!has_cluster && !has_split)
    diags_.error(m.mark(), m.label() + " needs a target: 'cluster' or 'split'");
  else if (has_cluster && has_split)
    diags_.error(m.key_mark("split"), m.label() + " has both 'cluster' and 'split' (use one)");
  if (auto c = m.string("cluster", false)) {
    cluster_ref(*c, m.value_mark("cluster"), m.label());
    r.clusters.push_back(weighted_cluster{*c, 1});
  }
  if (auto split = m.list("split", false)) {
    if (split->size() == 0)
      diags_.error(m.value_mark("split"), "'split' in " + m.label() + " needs at least one entry");
    read_split(*split, m.label(), r);
  }
  out.routes.push_back(std::move(r));
}

void loader::read_split(const YAML::Node& n, const std::string& label, route& out) {
  name_lines seen;
  for (const auto& e : n) {
    if (!is_map(e, "a split entry"))
      continue;
    map_reader m(e, "split entry", {"cluster", "weight"}, diags_);
    auto c = m.string("cluster", true);
    auto w = m.integer("weight", 1, max_weight, false);
    if (!c)
      continue;
    auto at = m.value_mark("cluster");
    cluster_ref(*c, at, label);
    auto [it, fresh] = seen.emplace(*c, line_of(at));
    if (!fresh)
      diags_.error(at, "cluster " + quoted(*c) + " appears twice in the split of " + label
                         + " (first at line " + std::to_string(it->second) + ")");
    out.clusters.push_back(weighted_cluster{*c, static_cast<uint32_t>(w.value_or(1))});
  }
}

void loader::read_match(const YAML::Node& n, route_match& out) {
  map_reader m(n, "match", {"service", "method", "path_prefix", "headers"}, diags_);
  for (auto [key, field] : {std::pair{"service", &out.service}, {"method", &out.method}}) {
    auto v = m.string(key, false);
    if (!v)
      continue;
    if (v->empty() || v->find('/') != std::string::npos)
      diags_.error(m.value_mark(key), quoted(key)
                                        + " in match must be a non-empty name without '/', got "
                                        + quoted(*v));
    else
      *field = *v;
  }
  if (auto p = m.string("path_prefix", false)) {
    if (p->empty() || p->front() != '/')
      diags_.error(m.value_mark("path_prefix"),
                   "'path_prefix' in match must start with '/', got " + quoted(*p));
    else
      out.path_prefix = *p;
  }
  if (auto h = m.map("headers", false))
    read_headers(*h, out.headers);
}

void loader::read_headers(const YAML::Node& n, std::vector<header_match>& out) {
  name_lines seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const YAML::Node k = it->first; // a copy: it-> returns a temporary
    const YAML::Node v = it->second;
    if (!k.IsScalar()) {
      diags_.error(k.Mark(), "header names in match must be strings, got " + kind_of(k));
      continue;
    }
    auto name = detail::to_lower(k.Scalar());
    if (!detail::valid_header_name(name)) {
      diags_.error(k.Mark(), "invalid header name " + quoted(k.Scalar()) + " in match");
      continue;
    }
    auto [first, fresh] = seen.emplace(name, line_of(k.Mark()));
    if (!fresh) {
      diags_.error(k.Mark(), "duplicate header " + quoted(name) + " in match (first at line "
                               + std::to_string(first->second) + ")");
      continue;
    }
    if (!v.IsScalar()) {
      diags_.error(v.IsNull() ? k.Mark() : v.Mark(), "value of header " + quoted(name)
                                                       + " in match must be a string, got "
                                                       + kind_of(v));
      continue;
    }
    out.push_back(header_match{name, v.Scalar()});
  }
}

void loader::read_listener(const YAML::Node& n, config& out) {
  if (!is_map(n, "a listener"))
    return;
  map_reader m(n, "listener", {"name", "address", "routes"}, diags_);
  listener l;
  l.name = read_name(m, "listener", listeners_).value_or("");
  if (auto a = m.string("address", true)) {
    auto at = m.value_mark("address");
    auto parsed = net::parse_address(*a, /*allow_zero_port=*/true);
    if (!parsed.value) {
      diags_.error(at, "invalid listener address " + parsed.error);
    } else if (!is_ip(parsed.value->host)) {
      diags_.error(at, "listener address " + quoted(*a)
                         + " must be an IP address and port, e.g. 127.0.0.1:15001");
    } else {
      l.address = *a;
      if (parsed.value->port != 0) {
        auto [it, fresh] = listener_addresses_.emplace(parsed.value->to_string(), line_of(at));
        if (!fresh)
          diags_.error(at, "duplicate listener address " + quoted(*a) + " (first at line "
                             + std::to_string(it->second) + ")");
      }
    }
  }
  if (auto list = m.list("routes", true)) {
    if (list->size() == 0)
      diags_.error(m.value_mark("routes"),
                   "'routes' in " + m.label() + " must name at least one route");
    name_lines seen;
    for (const auto& r : *list) {
      if (!r.IsScalar()) {
        diags_.error(r.Mark(),
                     "route names in " + m.label() + " must be strings, got " + kind_of(r));
        continue;
      }
      const auto& name = r.Scalar();
      if (routes_read_ && routes_.find(name) == routes_.end())
        diags_.error(r.Mark(), m.label() + " names unknown route " + quoted(name));
      else if (!seen.emplace(name, line_of(r.Mark())).second)
        diags_.error(r.Mark(), "route " + quoted(name) + " is listed twice in " + m.label());
      l.routes.push_back(name);
    }
  }
  out.listeners.push_back(std::move(l));
}

} // namespace

load_result parse(std::string_view yaml_text, std::string_view file_name) {
  diagnostics diags{file_name};
  config cfg;
  try {
    auto docs = YAML::LoadAll(std::string{yaml_text});
    if (docs.size() > 1)
      diags.error(docs[1].Mark(),
                  "expected one YAML document, found " + std::to_string(docs.size()));
    loader l{diags};
    cfg = l.read(docs.empty() ? YAML::Node{} : docs.front());
  } catch (const YAML::ParserException& e) {
    diags.error(e.mark, "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    diags.error(e.mark, "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    diags.error(YAML::Mark::null_mark(), std::string{"cannot read config: "} + e.what());
  }
  if (!diags.empty())
    return load_result{std::nullopt, diags.lines()};
  cfg.source = std::string{file_name};
  return load_result{std::move(cfg), {}};
}

load_result load_file(const std::string& path) {
  auto fail = [&](const std::string& why) {
    return load_result{std::nullopt, {"cannot read " + path + ": " + why}};
  };
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    return fail(std::generic_category().message(errno));
  std::string text;
  char buf[64 * 1024];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    text.append(buf, n);
    if (text.size() > max_file_bytes) {
      std::fclose(f);
      return fail("larger than " + std::to_string(max_file_bytes >> 20) + " MiB");
    }
  }
  int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err != 0)
    return fail(std::generic_category().message(err));
  return parse(text, path);
}

} // namespace meshlet::config
