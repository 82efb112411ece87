// health_wire: grpc.health.v1 Check request encoding and response decoding.
#include "mesh/health/health_wire.hpp"

#include "grpc/health/v1/health.pb.h"
#include "transport/grpc/message.hpp"

namespace meshlet::health {

std::string encode_check_request(std::string_view service) {
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(std::string{service});
  return grpc::frame_message(request.SerializeAsString());
}

check_response decode_check_response(std::string_view framed) {
  auto m = grpc::unframe_message(framed, max_health_response);
  if (!m.body)
    return {std::nullopt, m.error};
  auto body = *m.body;
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
