// admin_views: the admin API's response messages built from what the admin actor knows
// (config, snapshots, merged I/O-thread reports). Pure functions.
#pragma once

#include "actors/admin/admin_protocol.hpp"
#include "actors/mesh/mesh_protocol.hpp"

#include "meshlet/admin/v1/admin.pb.h"

#include <string>

namespace meshlet::actors {

namespace adminpb = ::meshlet::admin::v1;

// One endpoint of a cluster; `r` may be null (no thread has seen a call on it).
adminpb::Endpoint endpoint_view(const config::cluster& c, const lb::endpoint& ep,
                                const endpoint_report* r);
// Every endpoint of a snapshot, reports merged in.
void add_endpoint_views(const config::cluster& c, const lb::endpoint_table& t,
                        const worker_report& report, adminpb::ListEndpointsResponse& out);
adminpb::ListMembersResponse members_response(const members_view& v);
adminpb::Cluster cluster_view(const config::cluster& c, const lb::endpoint_table& t,
                              const worker_report& report);

// Validation of request fields: "" when fine, else "field: why" (INVALID_ARGUMENT's message).
std::string check_cluster_field(const std::string& cluster);
// An endpoint address: IP:PORT with a literal IP; `canonical` gets the form snapshots use.
std::string check_address_field(const std::string& address, std::string& canonical);
std::string check_weight_field(uint32_t weight);
// cluster and address of Set/Add/RemoveEndpoint; `canonical` as for check_address_field.
std::string check_endpoint_target(const std::string& cluster, const std::string& address,
                                  std::string& canonical);
// A whole SetEndpointRequest: the target, a weight in range or 0, a known drain value, and at
// least one change.
std::string check_set_endpoint(const adminpb::SetEndpointRequest& req, std::string& canonical);

} // namespace meshlet::actors
