// health_wire: grpc.health.v1 on the wire: the Check request as a gRPC length-prefixed message,
// and a framed Check response decoded to a serving status (protobuf code generated from
// proto/grpc/health/v1/health.proto). Bytes in, bytes out; no I/O.
#pragma once

#include "mesh/health/health_state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::health {

inline constexpr std::string_view check_path = "/grpc.health.v1.Health/Check";
inline constexpr std::string_view watch_path = "/grpc.health.v1.Health/Watch";

// HealthCheckResponse.ServingStatus. A value the enum does not know decodes as unknown.
enum class serving_status : std::uint8_t {
  unknown = 0,
  serving = 1,
  not_serving = 2,
  service_unknown = 3,
};

// The request body of a Check (or Watch) call: flag 0 (uncompressed), 4-byte big-endian length,
// then HealthCheckRequest{service}. The empty service name asks about the whole server.
// The service name must be UTF-8 (proto3 string; config validates it).
std::string encode_check_request(std::string_view service);

struct check_response {
  std::optional<serving_status> status; // set on success
  std::string_view error;               // set on failure: what was wrong, for logs and metrics
};

// The response body of a Check call: exactly one uncompressed length-prefixed message holding a
// HealthCheckResponse of at most max_health_response bytes. Anything else (short prefix,
// compressed flag, length past the data, trailing bytes, bad protobuf) is an error; never throws.
inline constexpr std::size_t max_health_response = 4096;
check_response decode_check_response(std::string_view framed);

// What a decoded status means to health_state: UNKNOWN counts as NOT_SERVING.
probe_result to_probe_result(serving_status s);

} // namespace meshlet::health
