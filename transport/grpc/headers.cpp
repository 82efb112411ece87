// Hop-by-hop header filtering and gRPC request validation.
#include "transport/grpc/headers.hpp"

#include <array>

namespace meshlet::grpc {

namespace {

constexpr std::array<std::string_view, 5> hop_by_hop_names = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
};

constexpr std::string_view grpc_content_type = "application/grpc";

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

bool is_grpc_content_type(std::string_view content_type) {
  if (content_type.substr(0, grpc_content_type.size()) != grpc_content_type) return false;
  if (content_type.size() == grpc_content_type.size()) return true;
  char next = content_type[grpc_content_type.size()];
  return next == '+' || next == ';';
}

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  // Runs for every header of every call: the lengths (7, 10, 16, 17) rule out almost all.
  switch (name.size()) {
    case 7: case 10: case 16: case 17: break;
    default: return false;
  }
  for (auto candidate : hop_by_hop_names) {
    if (equals_ignoring_case(name, candidate)) return true;
  }
  return false;
}

request_check check_grpc_request(std::string_view method, std::string_view content_type,
                                 std::string_view path) {
  if (method != "POST" || !is_grpc_content_type(content_type)) return request_check::not_grpc;
  if (path.empty() || path.front() != '/') return request_check::missing_path;
  return request_check::ok;
}

}  // namespace meshlet::grpc
