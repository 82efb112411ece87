// render: the tables and lines behind each meshctl command.
#include "cmd/meshctl/render.hpp"

#include "cmd/meshctl/format.hpp"
#include "cmd/meshctl/table.hpp"

#include <google/protobuf/util/json_util.h>

namespace meshlet::meshctl {

namespace {

std::string num(uint64_t n) {
  return std::to_string(n);
}

std::string endpoint_name(const std::string& cluster, const std::string& address) {
  return "endpoint " + cell(address) + " of cluster " + cell(cluster);
}

std::string gossip(const admin::Endpoint& e) {
  if (!e.gossip_unhealthy())
    return "ok";
  return e.gossip_reporter().empty() ? "unhealthy" : "unhealthy(" + cell(e.gossip_reporter()) + ")";
}

} // namespace

std::string render_status(const admin::GetStatusResponse& r) {
  std::vector<row> facts{
    {"version:", cell(r.version())},
    {"node:", cell(r.node_name())},
    {"uptime:", format_duration(r.uptime_seconds())},
    {"config:", cell(r.config_source())},
    {"threads:", num(r.threads())},
    {"admin:", cell(r.admin_address())},
    {"metrics:", r.metrics_address().empty() ? "off" : cell(r.metrics_address())},
    {"draining:", yes_no(r.draining())},
    {"active connections:", num(r.active_connections())},
    {"active streams:", num(r.active_streams())},
  };
  std::vector<row> listeners{{"LISTENER", "ADDRESS"}};
  for (auto& l : r.listeners())
    listeners.push_back({cell(l.name()), cell(l.address())});
  return align(facts) + "\n" + align(listeners);
}

std::string render_clusters(const admin::ListClustersResponse& r) {
  std::vector<row> rows{{"CLUSTER", "LB-POLICY", "ENDPOINTS", "ELIGIBLE", "HEALTH-CHECKS",
                         "OUTLIER-DETECTION", "RUNTIME-ENDPOINTS", "REQUESTS", "ACTIVE"}};
  for (auto& c : r.clusters())
    rows.push_back({cell(c.name()), cell(c.lb_policy()), num(c.endpoints()),
                    num(c.eligible_endpoints()), yes_no(c.health_checks()),
                    yes_no(c.outlier_detection()), yes_no(c.runtime_endpoints()),
                    num(c.requests()), num(c.active_requests())});
  return align(rows);
}

std::string render_endpoints(const admin::ListEndpointsResponse& r) {
  std::vector<row> rows{{"CLUSTER", "ADDRESS", "SOURCE", "WEIGHT", "DRAINING", "ELIGIBLE", "HEALTH",
                         "OUTLIER", "EJECTIONS", "IN-FLIGHT", "EWMA-MS", "CALLS", "ERRORS",
                         "GOSSIP"}};
  for (auto& e : r.endpoints())
    rows.push_back({cell(e.cluster()), cell(e.address()),
                    enum_short(admin::EndpointSource_descriptor(), e.source()), num(e.weight()),
                    yes_no(e.draining()), yes_no(e.eligible()),
                    enum_short(admin::HealthState_descriptor(), e.health()),
                    enum_short(admin::OutlierState_descriptor(), e.outlier()), num(e.ejections()),
                    num(e.in_flight()), format_ms(e.latency_ewma_ms()), num(e.calls()),
                    num(e.errors()), gossip(e)});
  return align(rows);
}

std::string render_members(const admin::ListMembersResponse& r) {
  if (!r.enabled())
    return "gossip is off (meshlet runs without --gossip-bind)\n";
  std::vector<row> rows{{"NAME", "ADDRESS", "STATE", "INCARNATION", "SELF"}};
  for (auto& m : r.members())
    rows.push_back({cell(m.name()), cell(m.address()),
                    enum_short(admin::MemberState_descriptor(), m.state()), num(m.incarnation()),
                    yes_no(m.self())});
  return align(rows);
}

std::string render_config(const admin::GetConfigResponse& r) {
  std::string out = r.yaml();
  if (!out.empty() && out.back() != '\n')
    out += '\n';
  return out;
}

std::string render_reload(const admin::ReloadConfigResponse& r) {
  return "reloaded config from " + cell(r.source()) + ": " + num(r.clusters()) + " clusters, "
         + num(r.routes()) + " routes\n";
}

std::string render_drain(const admin::DrainResponse& r) {
  return "meshlet is draining: " + num(r.active_streams()) + " calls open, grace "
         + num(r.grace_ms()) + " ms\n";
}

std::string render_set_endpoint(const admin::SetEndpointResponse& r, const options& o) {
  const bool known = r.has_endpoint();
  const auto& e = r.endpoint();
  std::string name = known ? endpoint_name(e.cluster(), e.address())
                           : endpoint_name(o.cluster, o.address);
  switch (o.cmd) {
    case command::set_weight:
      return name + ": weight " + num(known ? e.weight() : o.weight) + "\n";
    case command::drain_endpoint:
      return name + ": draining"
             + (known ? ", " + num(e.in_flight()) + " calls in flight" : std::string{}) + "\n";
    default:
      return name + ": undrained"
             + (known ? std::string{", eligible: "} + yes_no(e.eligible()) : std::string{})
             + "\n";
  }
}

std::string render_add_endpoint(const admin::AddEndpointResponse& r, const options& o) {
  if (!r.has_endpoint())
    return endpoint_name(o.cluster, o.address) + ": added\n";
  const auto& e = r.endpoint();
  return endpoint_name(e.cluster(), e.address()) + ": added, weight " + num(e.weight()) + "\n";
}

std::string render_remove_endpoint(const options& o) {
  return endpoint_name(o.cluster, o.address) + ": removed\n";
}

bool render_json(const google::protobuf::Message& m, std::string& out) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  out.clear();
  auto status = google::protobuf::util::MessageToJsonString(m, &out, opts);
  if (!status.ok()) {
    out = std::string{status.message()};
    return false;
  }
  if (out.empty() || out.back() != '\n')
    out += '\n';
  return true;
}

} // namespace meshlet::meshctl
