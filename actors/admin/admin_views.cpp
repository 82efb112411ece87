// admin_views: endpoint and cluster messages, request-field validation.
#include "actors/admin/admin_views.hpp"

#include "mesh/lb/usable.hpp"
#include "transport/net/address.hpp"

#include <asio/ip/address.hpp>

namespace meshlet::actors {

void merge_into(worker_report& into, const worker_report& part) {
  into.connections += part.connections;
  into.streams += part.streams;
  for (auto& [cluster, eps] : part.endpoints) {
    auto& mine = into.endpoints[cluster];
    for (auto& [address, r] : eps) {
      auto& m = mine[address];
      // Latency: the calls-weighted mean of the threads' EWMAs.
      if (r.calls + m.calls > 0)
        m.latency_ewma_ms = (m.latency_ewma_ms * static_cast<double>(m.calls)
                             + r.latency_ewma_ms * static_cast<double>(r.calls))
                            / static_cast<double>(m.calls + r.calls);
      m.ejected = m.ejected || r.ejected;
      m.ejections += r.ejections;
      m.in_flight += r.in_flight;
      m.calls += r.calls;
      m.errors += r.errors;
    }
  }
  for (auto& [cluster, n] : part.cluster_requests)
    into.cluster_requests[cluster] += n;
  for (auto& [cluster, n] : part.cluster_active)
    into.cluster_active[cluster] += n;
}

adminpb::Endpoint endpoint_view(const config::cluster& c, const lb::endpoint& ep,
                                const endpoint_report* r) {
  adminpb::Endpoint e;
  e.set_cluster(c.name);
  e.set_address(ep.address);
  switch (ep.source) {
    case lb::endpoint_source::config:
      e.set_source(adminpb::ENDPOINT_SOURCE_CONFIG);
      break;
    case lb::endpoint_source::dns:
      e.set_source(adminpb::ENDPOINT_SOURCE_DNS);
      break;
    case lb::endpoint_source::admin:
      e.set_source(adminpb::ENDPOINT_SOURCE_ADMIN);
      break;
  }
  e.set_weight(lb::effective_weight(ep));
  e.set_draining(ep.draining);
  e.set_health(!c.health.enabled ? adminpb::HEALTH_STATE_UNCHECKED
               : ep.health_down  ? adminpb::HEALTH_STATE_UNHEALTHY
                                 : adminpb::HEALTH_STATE_HEALTHY);
  bool ejected = r && r->ejected;
  e.set_outlier(!c.outlier_enabled ? adminpb::OUTLIER_STATE_DISABLED
                : ejected          ? adminpb::OUTLIER_STATE_EJECTED
                                   : adminpb::OUTLIER_STATE_OK);
  e.set_eligible(ep.eligible && !ejected);
  e.set_gossip_unhealthy(ep.gossip_unhealthy);
  e.set_gossip_reporter(ep.gossip_reporter);
  if (r) {
    e.set_ejections(r->ejections);
    e.set_in_flight(r->in_flight);
    e.set_latency_ewma_ms(r->latency_ewma_ms);
    e.set_calls(r->calls);
    e.set_errors(r->errors);
  }
  return e;
}

void add_endpoint_views(const config::cluster& c, const lb::endpoint_table& t,
                        const worker_report& report, adminpb::ListEndpointsResponse& out) {
  auto eps = report.endpoints.find(c.name);
  for (auto& ep : t.endpoints) {
    const endpoint_report* r = nullptr;
    if (eps != report.endpoints.end())
      if (auto i = eps->second.find(ep.address); i != eps->second.end())
        r = &i->second;
    *out.add_endpoints() = endpoint_view(c, ep, r);
  }
}

adminpb::Cluster cluster_view(const config::cluster& c, const lb::endpoint_table& t,
                              const worker_report& report) {
  adminpb::ListEndpointsResponse eps;
  add_endpoint_views(c, t, report, eps);
  uint32_t eligible = 0;
  for (auto& e : eps.endpoints())
    eligible += e.eligible() ? 1 : 0;
  adminpb::Cluster v;
  v.set_name(c.name);
  v.set_lb_policy(c.lb.name);
  v.set_endpoints(static_cast<uint32_t>(t.endpoints.size()));
  v.set_eligible_endpoints(eligible);
  v.set_health_checks(c.health.enabled);
  v.set_outlier_detection(c.outlier_enabled);
  v.set_runtime_endpoints(c.runtime_endpoints);
  if (auto i = report.cluster_requests.find(c.name); i != report.cluster_requests.end())
    v.set_requests(i->second);
  if (auto i = report.cluster_active.find(c.name); i != report.cluster_active.end())
    v.set_active_requests(i->second);
  return v;
}

adminpb::ListMembersResponse members_response(const members_view& v) {
  adminpb::ListMembersResponse r;
  r.set_enabled(true);
  for (auto& m : v.members) {
    auto* out = r.add_members();
    out->set_name(m.name);
    out->set_address(m.address);
    // membership::member_state is alive, suspect, dead, left (0..3) in this order.
    static constexpr adminpb::MemberState states[] = {
      adminpb::MEMBER_STATE_ALIVE, adminpb::MEMBER_STATE_SUSPECT, adminpb::MEMBER_STATE_DEAD,
      adminpb::MEMBER_STATE_LEFT};
    auto i = static_cast<size_t>(m.state);
    out->set_state(i < 4 ? states[i] : adminpb::MEMBER_STATE_UNSPECIFIED);
    out->set_incarnation(m.incarnation);
    out->set_self(m.is_self);
  }
  return r;
}

std::string check_cluster_field(const std::string& cluster) {
  if (cluster.empty())
    return "cluster: required";
  return {};
}

std::string check_address_field(const std::string& address, std::string& canonical) {
  if (address.empty())
    return "address: required (IP:PORT)";
  auto a = net::parse_address(address);
  if (!a.value)
    return "address: " + a.error;
  asio::error_code ec;
  auto ip = asio::ip::make_address(a.value->host, ec);
  if (ec)
    return "address: '" + address + "' must be IP:PORT (a literal IP address)";
  canonical = net::address{ip.to_string(), a.value->port}.to_string();
  return {};
}

std::string check_weight_field(uint32_t weight) {
  if (weight < lb::min_weight || weight > lb::max_weight)
    return "weight: must be 1..1000 (got " + std::to_string(weight) + ")";
  return {};
}

std::string check_endpoint_target(const std::string& cluster, const std::string& address,
                                  std::string& canonical) {
  auto bad = check_cluster_field(cluster);
  if (bad.empty())
    bad = check_address_field(address, canonical);
  return bad;
}

std::string check_set_endpoint(const adminpb::SetEndpointRequest& req, std::string& canonical) {
  auto bad = check_endpoint_target(req.cluster(), req.address(), canonical);
  if (bad.empty() && req.weight() != 0)
    bad = check_weight_field(req.weight());
  if (bad.empty() && !adminpb::DrainChange_IsValid(req.drain()))
    bad = "drain: unknown value " + std::to_string(req.drain());
  if (bad.empty() && req.weight() == 0 && req.drain() == adminpb::DRAIN_CHANGE_UNSPECIFIED)
    bad = "weight, drain: give at least one";
  return bad;
}

} // namespace meshlet::actors
