// health_wire: grpc.health.v1 Check request encoding and response decoding.
#include "mesh/health/health_wire.hpp"

#include "grpc/health/v1/health.pb.h"

namespace meshlet::health {

namespace {

constexpr std::size_t prefix_size = 5;

void put_prefix(std::string &out, std::size_t length) {
  out.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((length >> shift) & 0xff));
}

} // namespace

std::string encode_check_request(std::string_view service) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(std::string{service});
  std::string body = request.SerializeAsString();
  std::string out;
  out.reserve(prefix_size + body.size());
  put_prefix(out, body.size());
  out += body;
  return out;
}

check_response decode_check_response(std::string_view framed) {
  if (framed.size() < prefix_size)
    return {std::nullopt, "truncated gRPC message prefix"};
  auto flag = static_cast<std::uint8_t>(framed[0]);
  if (flag == 1)
    return {std::nullopt, "compressed health response (not requested)"};
  if (flag != 0)
    return {std::nullopt, "bad gRPC compressed flag"};
  std::uint32_t length = 0;
  for (std::size_t i = 1; i < prefix_size; ++i)
    length = (length << 8) | static_cast<std::uint8_t>(framed[i]);
  if (length > max_health_response)
    return {std::nullopt, "health response too large"};
  auto body = framed.substr(prefix_size);
  if (body.size() < length)
    return {std::nullopt, "truncated health response"};
  if (body.size() > length)
    return {std::nullopt, "trailing bytes after the health response"};
  ::grpc::health::v1::HealthCheckResponse response;
  if (!response.ParseFromArray(body.data(), static_cast<int>(body.size())))
    return {std::nullopt, "malformed HealthCheckResponse"};
  switch (static_cast<int>(response.status())) {
  case 1:
    return {serving_status::serving, {}};
  case 2:
    return {serving_status::not_serving, {}};
  case 3:
    return {serving_status::service_unknown, {}};
  default:
    return {serving_status::unknown, {}};
  }
}

probe_result to_probe_result(serving_status s) {
  switch (s) {
  case serving_status::serving:
    return probe_result::serving;
  case serving_status::service_unknown:
    return probe_result::service_unknown;
  case serving_status::not_serving:
  case serving_status::unknown:
    break;
  }
  return probe_result::not_serving;
}

} // namespace meshlet::health
