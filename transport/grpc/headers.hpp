// Header classification for the gRPC proxy: which headers are hop-by-hop, and whether a request
// is a well-formed gRPC call. Pure functions over header values.
#pragma once

#include <string_view>

namespace meshlet::grpc {

// Connection-specific headers a proxy must not forward: connection, keep-alive, proxy-connection,
// transfer-encoding, upgrade. HTTP/2 names are lower case; the comparison is ASCII
// case-insensitive anyway so a stray upper-case name is never forwarded. `te` is not hop-by-hop
// here: gRPC needs `te: trailers` forwarded.
bool is_hop_by_hop(std::string_view name);

enum class request_check {
  ok,
  not_grpc,      // method is not POST or content-type is not application/grpc[+...|;...]: HTTP 415
  missing_path,  // :path is empty or does not start with '/'
};

// Checks a request's :method, content-type and :path, in that order. The method must be exactly
// "POST"; content-type must be exactly "application/grpc" or start with "application/grpc+" or
// "application/grpc;" (case-sensitive, as grpc-core and Envoy compare it).
request_check check_grpc_request(std::string_view method, std::string_view content_type,
                                 std::string_view path);

}  // namespace meshlet::grpc
