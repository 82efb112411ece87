// render: each admin response as meshctl's human output (tables for the read commands, one
// confirming line for the mutating ones) and as JSON. No I/O: strings out.
#pragma once

#include "cmd/meshctl/options.hpp"
#include "meshlet/admin/v1/admin.pb.h"

#include <google/protobuf/message.h>

#include <string>

namespace meshlet::meshctl {

namespace admin = ::meshlet::admin::v1;

std::string render_status(const admin::GetStatusResponse& r);
std::string render_clusters(const admin::ListClustersResponse& r);
std::string render_endpoints(const admin::ListEndpointsResponse& r);
std::string render_members(const admin::ListMembersResponse& r);
std::string render_config(const admin::GetConfigResponse& r);
std::string render_reload(const admin::ReloadConfigResponse& r);
std::string render_drain(const admin::DrainResponse& r);
// set-weight, drain-endpoint, undrain-endpoint: what the endpoint is now (the request's values
// when the response carries no endpoint).
std::string render_set_endpoint(const admin::SetEndpointResponse& r, const options& o);
std::string render_add_endpoint(const admin::AddEndpointResponse& r, const options& o);
std::string render_remove_endpoint(const options& o);

// The message as JSON (proto field names, defaults printed, indented), ending in a newline;
// false (and `out` holding why) when protobuf cannot print it.
bool render_json(const google::protobuf::Message& m, std::string& out);

} // namespace meshlet::meshctl
