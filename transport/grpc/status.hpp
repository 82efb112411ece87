// gRPC status codes and the pure mappings the proxy needs: names, HTTP status and HTTP/2 error
// codes to gRPC status, grpc-status parsing, and grpc-message percent-encoding. No I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::grpc {

enum class status_code : int {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalid_argument = 3,
  deadline_exceeded = 4,
  not_found = 5,
  already_exists = 6,
  permission_denied = 7,
  resource_exhausted = 8,
  failed_precondition = 9,
  aborted = 10,
  out_of_range = 11,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  data_loss = 15,
  unauthenticated = 16,
};

// The canonical upper-case name ("UNAVAILABLE"); a value outside 0..16 names itself "UNKNOWN",
// as gRPC clients treat unknown codes.
std::string_view status_name(status_code code);

// Upstream answered with an HTTP status but no grpc-status: 400→INTERNAL, 401→UNAUTHENTICATED,
// 403→PERMISSION_DENIED, 404→UNIMPLEMENTED, 429/502/503/504→UNAVAILABLE, anything else (200
// included: the caller decides what a 200 without grpc-status means) → UNKNOWN.
status_code status_from_http(int http_status);

// An RST_STREAM / GOAWAY error code (RFC 9113 §7) received from a peer. REFUSED_STREAM→UNAVAILABLE,
// CANCEL→CANCELLED, ENHANCE_YOUR_CALM→RESOURCE_EXHAUSTED, INADEQUATE_SECURITY→PERMISSION_DENIED,
// everything else (NO_ERROR and unknown codes included) → INTERNAL. For NO_ERROR the caller applies
// INTERNAL only when no grpc-status arrived (RFC 9113 §8.1: a server may end early then reset).
status_code status_from_h2_error(std::uint32_t h2_error_code);

// A grpc-status header value: one or two ASCII digits naming 0..16. Anything else (empty, sign,
// spaces, 17+, three digits) → nullopt; the caller maps that to UNKNOWN.
std::optional<status_code> parse_status(std::string_view value);

// grpc-message encoding (gRPC over HTTP/2 spec): bytes outside 0x20..0x7E, and '%' itself, become
// %XX with upper-case hex; every other byte is copied.
std::string percent_encode(std::string_view message);

// The inverse, lenient as the spec asks: %XX with two hex digits (either case) decodes to one
// byte; a '%' not followed by two hex digits is kept as is. Never fails.
std::string percent_decode(std::string_view encoded);

}  // namespace meshlet::grpc
