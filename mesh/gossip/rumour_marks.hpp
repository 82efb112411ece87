// rumour_marks: what one cluster's balancer makes of other sidecars' endpoint-health rumours.
// A fresh "unhealthy" from a live reporter marks the endpoint until its TTL runs out; the same
// reporter's "healthy" (or its death) takes its mark back; this sidecar's own evidence that
// the endpoint serves (a successful health probe, a successful call) clears every mark. A mark
// only ever takes eligibility away: a remote "healthy" never overrides a local ejection or
// health-check "down". Rumours never take a cluster's last eligible endpoints: when the marks
// would leave none, none are applied (rumour alone must not black-hole a cluster).
#pragma once

#include "mesh/lb/endpoint_table.hpp"
#include "transport/clock.hpp"

#include <map>
#include <optional>
#include <string>

namespace meshlet::gossip {

class rumour_marks {
public:
  // `reporter` says `address` is unhealthy (mark it until `expires`) or healthy (its mark goes).
  // True when the endpoint's marked-ness changed.
  bool on_rumour(const std::string &address, const std::string &reporter, bool unhealthy,
                 time_point expires);
  // The reporter died or left: its marks go. True when an endpoint's marked-ness changed.
  bool drop_reporter(const std::string &reporter);
  // Local evidence the endpoint serves: all its marks go. True when it was marked.
  bool on_local_evidence(const std::string &address);
  // Marks whose TTL ran out by `now` go. True when an endpoint's marked-ness changed.
  bool expire(time_point now);
  std::optional<time_point> next_expiry() const;

  bool marked(const std::string &address) const { return by_address_.count(address) != 0; }
  // One reporter of the endpoint's marks (the one whose mark lasts longest), or "".
  std::string reporter_of(const std::string &address) const;
  std::size_t size() const { return by_address_.size(); }

  // `t` (whose eligibility reflects local evidence only, gossip flags clear) with marked
  // endpoints flagged gossip_unhealthy and made ineligible, unless that would leave no
  // eligible endpoint: then they are only flagged. `t` itself when no endpoint is marked.
  lb::endpoint_table_ptr apply(lb::endpoint_table_ptr t) const;

private:
  // address -> reporter -> mark expiry
  std::map<std::string, std::map<std::string, time_point>> by_address_;
};

} // namespace meshlet::gossip
