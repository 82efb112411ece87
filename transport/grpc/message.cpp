// gRPC message framing and self-made response headers.
#include "transport/grpc/message.hpp"

#include <cstdint>

namespace meshlet::grpc {

std::string frame_message(std::string_view body) {
  std::string out;
  out.reserve(message_prefix_size + body.size());
  out.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((body.size() >> shift) & 0xff));
  out.append(body);
  return out;
}

unframed unframe_message(std::string_view framed, std::size_t max_size) {
  if (framed.size() < message_prefix_size)
    return {std::nullopt, "truncated gRPC message prefix"};
  auto flag = static_cast<std::uint8_t>(framed[0]);
  if (flag == 1)
    return {std::nullopt, "compressed message (no grpc-encoding was negotiated)"};
  if (flag != 0)
    return {std::nullopt, "bad gRPC compressed flag"};
  std::uint32_t length = 0;
  for (std::size_t i = 1; i < message_prefix_size; ++i)
    length = (length << 8) | static_cast<std::uint8_t>(framed[i]);
  if (length > max_size)
    return {std::nullopt, "message too large"};
  auto body = framed.substr(message_prefix_size);
  if (body.size() < length)
    return {std::nullopt, "truncated message"};
  if (body.size() > length)
    return {std::nullopt, "trailing bytes after the message"};
  return {body, {}};
}

h2::header_block_ptr response_headers() {
  auto h = h2::make_headers();
  h->add(":status", "200");
  h->add("content-type", "application/grpc");
  return h;
}

h2::header_block_ptr status_block(status_code code, const std::string& message,
                                  bool with_status_line) {
  auto h = with_status_line ? response_headers() : h2::make_headers();
  h->add("grpc-status", std::to_string(static_cast<int>(code)));
  if (!message.empty())
    h->add("grpc-message", percent_encode(message));
  return h;
}

} // namespace meshlet::grpc
