// sample_headers: the request header block the micro-benchmarks use: what grpc++ 1.51 sends for
// a unary call with a deadline and a little metadata.
#pragma once

#include "transport/h2/headers.hpp"

namespace meshlet::bench {

inline h2::header_block grpc_unary_request(bool with_authorization = false) {
  h2::header_block h;
  h.add(":method", "POST");
  h.add(":scheme", "http");
  h.add(":path", "/meshtest.Echo/Unary");
  h.add(":authority", "127.0.0.1:50051");
  h.add("content-type", "application/grpc");
  h.add("te", "trailers");
  h.add("grpc-accept-encoding", "identity, deflate, gzip");
  h.add("user-agent", "grpc-c++/1.51.1 grpc-c/29.0.0 (linux; chttp2)");
  h.add("grpc-timeout", "999828u");
  h.add("x-request-id", "6c1f3a0e-4b7d-4d6a-9a8e-2f9b1c5d7e31");
  if (with_authorization)
    h.add("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZXNobGV0In0.c2lnbmF0dXJl");
  return h;
}

} // namespace meshlet::bench
