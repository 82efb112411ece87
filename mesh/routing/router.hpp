// router: picks the cluster for a call from one listener's routes (first match wins), with
// weighted splits decided by a random number passed in.
#pragma once

#include "mesh/config/config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::routing {

struct request_view {
  std::string_view path; // ":path" = /package.Service/Method
  // The value of a request header (lower-case name), or nullopt when absent.
  std::function<std::optional<std::string_view>(std::string_view)> header;
};

class router {
public:
  // The routes of listener `listener_name`, in its order; no such listener: no routes.
  router(const config::config& cfg, const std::string& listener_name);

  // The cluster for this request, or nullptr when no route matches; `u` is a uniform random in
  // [0,1) that picks within a weighted split. The pointer lives as long as the router.
  const std::string* route(const request_view& r, double u) const;

  size_t size() const { return routes_.size(); }

private:
  struct target {
    std::string cluster;
    uint64_t cumulative_weight; // sum of the weights up to and including this one
  };
  struct compiled_route {
    config::route_match match;
    std::vector<target> targets;
  };
  static bool matches(const config::route_match& m, const request_view& r);

  std::vector<compiled_route> routes_;
};

} // namespace meshlet::routing
