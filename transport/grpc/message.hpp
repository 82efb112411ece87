// gRPC length-prefixed messages (gRPC over HTTP/2: 1-byte compressed flag, 4-byte big-endian
// length, then the message) and the header blocks of a response meshlet answers itself.
// Bytes in, bytes out; no I/O.
#pragma once

#include "transport/grpc/status.hpp"
#include "transport/h2/headers.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::grpc {

inline constexpr std::size_t message_prefix_size = 5;

// One uncompressed message: prefix + body.
std::string frame_message(std::string_view body);

struct unframed {
  std::optional<std::string_view> body; // set on success (points into the input)
  std::string_view error;               // set on failure
};

// Exactly one uncompressed message of at most `max_size` bytes; a short prefix, the compressed
// flag, a length past the data or trailing bytes are errors. Never throws.
unframed unframe_message(std::string_view framed, std::size_t max_size);

// Response headers of a normal response (:status 200, content-type application/grpc).
h2::header_block_ptr response_headers();
// grpc-status (and grpc-message, percent-encoded, when not empty); with_status_line adds
// :status and content-type, making a Trailers-Only response.
h2::header_block_ptr status_block(status_code code, const std::string& message,
                                  bool with_status_line);

} // namespace meshlet::grpc
