// commands: request building, the call, and the outcome as output or one error line.
#include "cmd/meshctl/commands.hpp"

#include "cmd/meshctl/render.hpp"

#include <string_view>

namespace meshlet::meshctl {

namespace {

// Server text on one line: control bytes (a newline in grpc-message) become spaces.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  return s;
}

run_result failure(std::string line) {
  return {1, {}, "meshctl: " + one_line(std::move(line)) + "\n"};
}

// Calls `method` with `req`; on success parses a Resp and shows it as JSON or with `human`.
template <class Resp, class Human>
run_result invoke(const options& o, const admin_caller& call, std::string_view method,
                  const google::protobuf::Message& req, Human human) {
  call_request cr;
  cr.authority = o.admin_text;
  cr.path = "/meshlet.admin.v1.Admin/" + std::string{method};
  cr.token = o.token;
  cr.message = req.SerializeAsString();
  cr.timeout = o.timeout;
  auto r = call(o.admin, cr);
  std::string m{method};
  std::string at = "meshlet admin at " + o.admin_text;
  switch (r.outcome) {
    case call_outcome::ok:
      break;
    case call_outcome::unreachable:
      return failure("cannot reach " + at + ": " + r.message);
    case call_outcome::rpc_error:
      return failure(m + ": " + std::string{grpc::status_name(r.code)}
                     + (r.message.empty() ? "" : ": " + r.message));
    case call_outcome::broken:
    case call_outcome::timed_out:
      return failure(m + ": " + at + ": " + r.message);
    case call_outcome::pending:
      return failure(m + ": " + at + ": the call ended without an outcome");
  }
  Resp resp;
  if (!resp.ParseFromString(r.response))
    return failure(m + ": " + at + ": malformed " + resp.GetDescriptor()->name());
  if (o.format == output::json) {
    std::string json;
    if (!render_json(resp, json))
      return failure(m + ": cannot print the response as JSON: " + json);
    return {0, std::move(json), {}};
  }
  return {0, human(resp), {}};
}

} // namespace

run_result run_command(const options& o, const admin_caller& call) {
  switch (o.cmd) {
    case command::status:
      return invoke<admin::GetStatusResponse>(o, call, "GetStatus", admin::GetStatusRequest{},
                                              render_status);
    case command::clusters:
      return invoke<admin::ListClustersResponse>(o, call, "ListClusters",
                                                 admin::ListClustersRequest{}, render_clusters);
    case command::endpoints: {
      admin::ListEndpointsRequest req;
      req.set_cluster(o.cluster);
      return invoke<admin::ListEndpointsResponse>(o, call, "ListEndpoints", req, render_endpoints);
    }
    case command::set_weight:
    case command::drain_endpoint:
    case command::undrain_endpoint: {
      admin::SetEndpointRequest req;
      req.set_cluster(o.cluster);
      req.set_address(o.address);
      if (o.cmd == command::set_weight)
        req.set_weight(o.weight); // drain stays UNSPECIFIED: left as it is
      else // weight stays 0: left as it is
        req.set_drain(o.cmd == command::drain_endpoint ? admin::DRAIN_CHANGE_DRAIN
                                                       : admin::DRAIN_CHANGE_UNDRAIN);
      return invoke<admin::SetEndpointResponse>(
        o, call, "SetEndpoint", req,
        [&o](const admin::SetEndpointResponse& r) { return render_set_endpoint(r, o); });
    }
    case command::add_endpoint: {
      admin::AddEndpointRequest req;
      req.set_cluster(o.cluster);
      req.set_address(o.address);
      req.set_weight(o.weight);
      return invoke<admin::AddEndpointResponse>(
        o, call, "AddEndpoint", req,
        [&o](const admin::AddEndpointResponse& r) { return render_add_endpoint(r, o); });
    }
    case command::remove_endpoint: {
      admin::RemoveEndpointRequest req;
      req.set_cluster(o.cluster);
      req.set_address(o.address);
      return invoke<admin::RemoveEndpointResponse>(
        o, call, "RemoveEndpoint", req,
        [&o](const admin::RemoveEndpointResponse&) { return render_remove_endpoint(o); });
    }
    case command::members:
      return invoke<admin::ListMembersResponse>(o, call, "ListMembers",
                                                admin::ListMembersRequest{}, render_members);
    case command::config:
      return invoke<admin::GetConfigResponse>(o, call, "GetConfig", admin::GetConfigRequest{},
                                              render_config);
    case command::reload:
      return invoke<admin::ReloadConfigResponse>(o, call, "ReloadConfig",
                                                 admin::ReloadConfigRequest{}, render_reload);
    case command::drain:
      return invoke<admin::DrainResponse>(o, call, "Drain", admin::DrainRequest{}, render_drain);
  }
  return failure("unknown command");
}

} // namespace meshlet::meshctl
