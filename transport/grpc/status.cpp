// gRPC status names, HTTP / HTTP/2 error mappings, grpc-status parsing and grpc-message encoding.
#include "transport/grpc/status.hpp"

#include <array>

namespace meshlet::grpc {

namespace {

constexpr std::array<std::string_view, 17> status_names = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

// RFC 9113 §7 error codes the mapping singles out.
constexpr std::uint32_t h2_refused_stream = 0x7;
constexpr std::uint32_t h2_cancel = 0x8;
constexpr std::uint32_t h2_enhance_your_calm = 0xb;
constexpr std::uint32_t h2_inadequate_security = 0xc;

constexpr char hex_digits[] = "0123456789ABCDEF";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool needs_encoding(unsigned char byte) { return byte < 0x20 || byte > 0x7e || byte == '%'; }

}  // namespace

std::string_view status_name(status_code code) {
  auto index = static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(status_names.size())) return "UNKNOWN";
  return status_names[static_cast<std::size_t>(index)];
}

status_code status_from_http(int http_status) {
  switch (http_status) {
    case 400:
      return status_code::internal;
    case 401:
      return status_code::unauthenticated;
    case 403:
      return status_code::permission_denied;
    case 404:
      return status_code::unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return status_code::unavailable;
    default:
      return status_code::unknown;
  }
}

status_code status_from_h2_error(std::uint32_t h2_error_code) {
  switch (h2_error_code) {
    case h2_refused_stream:
      return status_code::unavailable;
    case h2_cancel:
      return status_code::cancelled;
    case h2_enhance_your_calm:
      return status_code::resource_exhausted;
    case h2_inadequate_security:
      return status_code::permission_denied;
    default:
      return status_code::internal;
  }
}

std::optional<status_code> parse_status(std::string_view value) {
  if (value.empty() || value.size() > 2) return std::nullopt;
  int number = 0;
  for (char c : value) {
    if (!is_digit(c)) return std::nullopt;
    number = number * 10 + (c - '0');
  }
  if (number > static_cast<int>(status_code::unauthenticated)) return std::nullopt;
  return static_cast<status_code>(number);
}

std::string percent_encode(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    auto byte = static_cast<unsigned char>(c);
    if (needs_encoding(byte)) {
      out.push_back('%');
      out.push_back(hex_digits[byte >> 4]);
      out.push_back(hex_digits[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      int high = hex_value(encoded[i + 1]);
      int low = hex_value(encoded[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>((high << 4) | low));
        i += 2;
        continue;
      }
    }
    out.push_back(encoded[i]);
  }
  return out;
}

}  // namespace meshlet::grpc
