// effective_config: merging flags over the config file.
#include "actors/supervisor/effective_config.hpp"

#include "mesh/config/status_names.hpp"

#include <algorithm>
#include <optional>

namespace meshlet::actors {

namespace {

template <class T>
T* find_named(std::vector<T>& xs, const std::string& name) {
  auto i = std::find_if(xs.begin(), xs.end(), [&](const T& x) { return x.name == name; });
  return i == xs.end() ? nullptr : &*i;
}

} // namespace

config::load_result effective_config(const options& o) {
  config::load_result r;
  config::config cfg;
  if (!o.config_file.empty()) {
    r = config::load_file(o.config_file);
    if (!r.value)
      return r;
    cfg = std::move(*r.value);
  }
  bool cluster_flags = o.lb || !o.hash_header.empty() || o.health_interval_ms
                       || o.health_timeout_ms || !o.health_service.empty() || o.health_watch
                       || o.outlier_consecutive || o.outlier_base_ms || o.no_outlier
                       || !o.retry_on.empty() || o.max_attempts;
  if (!o.upstreams.empty() || cluster_flags) {
    auto* c = find_named(cfg.clusters, "default");
    if (c == nullptr) {
      if (o.upstreams.empty()) {
        r.errors.push_back("meshlet: --lb, --hash-header, --health-* and --outlier-* apply to "
                           "cluster 'default', which needs --upstream or a cluster named "
                           "'default' in the config");
        r.value.reset();
        return r;
      }
      cfg.clusters.push_back(config::cluster{});
      c = &cfg.clusters.back();
      c->name = "default";
      c->runtime_endpoints = true; // made by flags: no file to disagree with the admin API
    }
    if (!o.upstreams.empty()) {
      c->endpoints.clear();
      for (auto& a : o.upstreams)
        c->endpoints.push_back(config::endpoint{a.to_string(), 1});
    }
    if (o.lb)
      c->lb.name = *o.lb;
    if (!o.hash_header.empty())
      c->lb.hash_header = o.hash_header;
    if (o.health_interval_ms) {
      c->health.enabled = true;
      c->health.interval = std::chrono::milliseconds{o.health_interval_ms};
    }
    if (o.health_timeout_ms)
      c->health.timeout = std::chrono::milliseconds{o.health_timeout_ms};
    if (!o.health_service.empty())
      c->health.service = o.health_service;
    if (o.health_watch) {
      c->health.enabled = true;
      c->health.watch = true;
    }
    // Like the YAML rule: a check must end before the next one starts.
    if (c->health.timeout >= c->health.interval)
      c->health.timeout = std::max(std::chrono::milliseconds{1}, c->health.interval * 3 / 4);
    if (o.outlier_consecutive)
      c->outlier.consecutive_failures = static_cast<uint32_t>(o.outlier_consecutive);
    if (o.outlier_base_ms) {
      c->outlier.base_ejection = std::chrono::milliseconds{o.outlier_base_ms};
      if (c->outlier.max_ejection < c->outlier.base_ejection)
        c->outlier.max_ejection = c->outlier.base_ejection;
    }
    if (o.no_outlier)
      c->outlier_enabled = false;
    if (!o.retry_on.empty()) {
      c->retry.retry_on.clear();
      size_t start = 0;
      while (start <= o.retry_on.size()) {
        auto comma = o.retry_on.find(',', start);
        auto name = o.retry_on.substr(start, comma == std::string::npos ? std::string::npos
                                                                        : comma - start);
        auto code = config::detail::status_from_name(name);
        if (!code || *code == grpc::status_code::ok) {
          r.errors.push_back("meshlet: --retry-on '" + name
                             + "': not a gRPC error status name (e.g. unavailable)");
          r.value.reset();
          return r;
        }
        c->retry.retry_on.insert(*code);
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    }
    if (o.max_attempts)
      c->retry.max_attempts = static_cast<uint32_t>(o.max_attempts);
  }
  if (o.listen) {
    const config::cluster* target = nullptr;
    for (auto& c : cfg.clusters)
      if (c.name == "default")
        target = &c;
    if (target == nullptr && cfg.clusters.size() == 1)
      target = &cfg.clusters.front();
    if (target == nullptr) {
      r.errors.push_back("meshlet: --listen routes to cluster 'default': give --upstream or "
                         "name one cluster 'default' in the config");
      r.value.reset();
      return r;
    }
    auto* route = find_named(cfg.routes, "default");
    if (route == nullptr) {
      cfg.routes.push_back(config::route{});
      route = &cfg.routes.back();
      route->name = "default";
      route->clusters.push_back(config::weighted_cluster{target->name, 1});
    }
    auto* l = find_named(cfg.listeners, "default");
    if (l == nullptr) {
      cfg.listeners.push_back(config::listener{});
      l = &cfg.listeners.back();
      l->name = "default";
      l->routes = {"default"};
    }
    l->address = o.listen->to_string();
  }
  if (cfg.listeners.empty())
    r.errors.push_back("meshlet: no listener: give --listen or 'listeners:' in --config");
  if (cfg.clusters.empty())
    r.errors.push_back("meshlet: no cluster: give --upstream or 'clusters:' in --config");
  if (!r.errors.empty()) {
    r.value.reset();
    return r;
  }
  r.value = std::move(cfg);
  return r;
}

} // namespace meshlet::actors
