// router: picks the cluster for a call from one listener's routes.
#include "mesh/routing/router.hpp"

#include <algorithm>

namespace meshlet::routing {

namespace {

struct path_parts {
  std::string_view service;
  std::string_view method;
};

// "/pkg.Service/Method" → {"pkg.Service", "Method"}; anything else → both empty.
path_parts split_path(std::string_view path) {
  auto last = path.rfind('/');
  if (path.empty() || path.front() != '/' || last == 0 || last == std::string_view::npos)
    return {};
  return {path.substr(1, last - 1), path.substr(last + 1)};
}

} // namespace

router::router(const config::config& cfg, const std::string& listener_name) {
  auto l = std::find_if(cfg.listeners.begin(), cfg.listeners.end(),
                        [&](const config::listener& x) { return x.name == listener_name; });
  if (l == cfg.listeners.end())
    return;
  for (const auto& name : l->routes) {
    auto r = std::find_if(cfg.routes.begin(), cfg.routes.end(),
                          [&](const config::route& x) { return x.name == name; });
    if (r == cfg.routes.end() || r->clusters.empty())
      continue;
    compiled_route c{r->match, {}};
    uint64_t sum = 0;
    for (const auto& w : r->clusters) {
      // One cluster: its weight is ignored; a zero weight (not valid config) counts as none.
      sum += r->clusters.size() == 1 ? 1 : w.weight;
      c.targets.push_back(target{w.cluster, sum});
    }
    if (sum > 0)
      routes_.push_back(std::move(c));
  }
}

bool router::matches(const config::route_match& m, const request_view& r) {
  if (!m.path_prefix.empty() && r.path.substr(0, m.path_prefix.size()) != m.path_prefix)
    return false;
  if (!m.service.empty() || !m.method.empty()) {
    auto parts = split_path(r.path);
    if (!m.service.empty() && parts.service != m.service)
      return false;
    if (!m.method.empty() && parts.method != m.method)
      return false;
  }
  for (const auto& h : m.headers) {
    auto v = r.header ? r.header(h.name) : std::nullopt;
    if (!v || *v != h.exact)
      return false;
  }
  return true;
}

const std::string* router::route(const request_view& r, double u) const {
  for (const auto& c : routes_) {
    if (!matches(c.match, r))
      continue;
    if (c.targets.size() == 1)
      return &c.targets.front().cluster;
    auto total = c.targets.back().cumulative_weight;
    u = u >= 0.0 ? std::min(u, 1.0) : 0.0; // NaN reads as 0
    auto point = std::min(static_cast<uint64_t>(u * static_cast<double>(total)), total - 1);
    auto t = std::upper_bound(c.targets.begin(), c.targets.end(), point,
                              [](uint64_t p, const target& x) { return p < x.cumulative_weight; });
    return &t->cluster;
  }
  return nullptr;
}

} // namespace meshlet::routing
