// How one meshctl admin call ended: the response, a gRPC status, or why no status arrived.
#pragma once

#include "transport/grpc/status.hpp"

#include <string>

namespace meshlet::meshctl {

enum class call_outcome {
  pending,
  ok,          // grpc-status 0; `response` holds the serialized message
  rpc_error,   // a non-OK grpc-status; `code` and `message` (grpc-message, decoded)
  unreachable, // no connection; `message` says why (connection refused, ...)
  broken,      // connected, but no valid answer; `message` says what went wrong
  timed_out,   // connected, and no answer within the timeout
};

struct call_result {
  call_outcome outcome = call_outcome::pending;
  grpc::status_code code = grpc::status_code::ok;
  std::string message;
  std::string response;
};

} // namespace meshlet::meshctl
