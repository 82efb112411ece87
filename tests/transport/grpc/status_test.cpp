// Tests for transport/grpc/status: every status name, HTTP and HTTP/2 mapping, grpc-status
// parsing, and grpc-message percent-encoding.
#include "transport/grpc/status.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using meshlet::grpc::parse_status;
using meshlet::grpc::percent_decode;
using meshlet::grpc::percent_encode;
using meshlet::grpc::status_code;
using meshlet::grpc::status_from_h2_error;
using meshlet::grpc::status_from_http;
using meshlet::grpc::status_name;

using namespace std::string_literals;

TEST_CASE("status_name gives the canonical name of every code") {
  struct row {
    status_code code;
    std::string_view name;
  };
  const std::vector<row> rows = {
      {status_code::ok, "OK"},
      {status_code::cancelled, "CANCELLED"},
      {status_code::unknown, "UNKNOWN"},
      {status_code::invalid_argument, "INVALID_ARGUMENT"},
      {status_code::deadline_exceeded, "DEADLINE_EXCEEDED"},
      {status_code::not_found, "NOT_FOUND"},
      {status_code::already_exists, "ALREADY_EXISTS"},
      {status_code::permission_denied, "PERMISSION_DENIED"},
      {status_code::resource_exhausted, "RESOURCE_EXHAUSTED"},
      {status_code::failed_precondition, "FAILED_PRECONDITION"},
      {status_code::aborted, "ABORTED"},
      {status_code::out_of_range, "OUT_OF_RANGE"},
      {status_code::unimplemented, "UNIMPLEMENTED"},
      {status_code::internal, "INTERNAL"},
      {status_code::unavailable, "UNAVAILABLE"},
      {status_code::data_loss, "DATA_LOSS"},
      {status_code::unauthenticated, "UNAUTHENTICATED"},
  };
  REQUIRE(rows.size() == 17);
  for (const auto& r : rows) {
    CAPTURE(static_cast<int>(r.code));
    CHECK(status_name(r.code) == r.name);
  }
}

TEST_CASE("status codes have the wire values of the gRPC spec") {
  CHECK(static_cast<int>(status_code::ok) == 0);
  CHECK(static_cast<int>(status_code::deadline_exceeded) == 4);
  CHECK(static_cast<int>(status_code::resource_exhausted) == 8);
  CHECK(static_cast<int>(status_code::internal) == 13);
  CHECK(static_cast<int>(status_code::unavailable) == 14);
  CHECK(static_cast<int>(status_code::unauthenticated) == 16);
}

TEST_CASE("status_name of a value outside 0..16 is UNKNOWN, never out of bounds") {
  for (int value : {-1, 17, 18, 100, -2147483647 - 1, 2147483647}) {
    CAPTURE(value);
    CHECK(status_name(static_cast<status_code>(value)) == "UNKNOWN");
  }
}

TEST_CASE("status_from_http maps upstream HTTP status without grpc-status") {
  struct row {
    int http;
    status_code expected;
  };
  const std::vector<row> rows = {
      {400, status_code::internal},
      {401, status_code::unauthenticated},
      {403, status_code::permission_denied},
      {404, status_code::unimplemented},
      {429, status_code::unavailable},
      {502, status_code::unavailable},
      {503, status_code::unavailable},
      {504, status_code::unavailable},
      // Everything else is UNKNOWN, 200 included: the caller decides.
      {200, status_code::unknown},
      {204, status_code::unknown},
      {301, status_code::unknown},
      {402, status_code::unknown},
      {405, status_code::unknown},
      {415, status_code::unknown},
      {418, status_code::unknown},
      {500, status_code::unknown},
      {501, status_code::unknown},
      {505, status_code::unknown},
      {0, status_code::unknown},
      {-1, status_code::unknown},
      {99999, status_code::unknown},
  };
  for (const auto& r : rows) {
    CAPTURE(r.http);
    CHECK(status_from_http(r.http) == r.expected);
  }
}

TEST_CASE("status_from_h2_error maps every RFC 9113 error code") {
  struct row {
    std::uint32_t h2;
    status_code expected;
  };
  const std::vector<row> rows = {
      {0x0, status_code::internal},            // NO_ERROR (caller applies only without a status)
      {0x1, status_code::internal},            // PROTOCOL_ERROR
      {0x2, status_code::internal},            // INTERNAL_ERROR
      {0x3, status_code::internal},            // FLOW_CONTROL_ERROR
      {0x4, status_code::internal},            // SETTINGS_TIMEOUT
      {0x5, status_code::internal},            // STREAM_CLOSED
      {0x6, status_code::internal},            // FRAME_SIZE_ERROR
      {0x7, status_code::unavailable},         // REFUSED_STREAM
      {0x8, status_code::cancelled},           // CANCEL
      {0x9, status_code::internal},            // COMPRESSION_ERROR
      {0xa, status_code::internal},            // CONNECT_ERROR
      {0xb, status_code::resource_exhausted},  // ENHANCE_YOUR_CALM
      {0xc, status_code::permission_denied},   // INADEQUATE_SECURITY
      {0xd, status_code::internal},            // HTTP_1_1_REQUIRED
      // Unknown codes.
      {0xe, status_code::internal},
      {0xff, status_code::internal},
      {0x107, status_code::internal},  // low byte equals REFUSED_STREAM: must not alias
      {0xffffffff, status_code::internal},
  };
  for (const auto& r : rows) {
    CAPTURE(r.h2);
    CHECK(status_from_h2_error(r.h2) == r.expected);
  }
}

TEST_CASE("parse_status accepts one or two digits naming 0..16") {
  for (int value = 0; value <= 16; ++value) {
    CAPTURE(value);
    auto parsed = parse_status(std::to_string(value));
    REQUIRE(parsed.has_value());
    CHECK(static_cast<int>(*parsed) == value);
  }
  CHECK(parse_status("00") == status_code::ok);
  CHECK(parse_status("01") == status_code::cancelled);
  CHECK(parse_status("09") == status_code::failed_precondition);
}

TEST_CASE("parse_status rejects everything else") {
  const std::vector<std::string> rejected = {
      "",     "17",   "18",
      "20",   "99",   "016",
      "000",  "100",  "-1",
      "+1",   " 1",   "1 ",
      " ",    "a",    "1a",
      "a1",   "0x1",  "1.",
      "1.0",  "\t1",  "1\n",
      "14\r", "١",  // Arabic-Indic one
      "\0"s,  "1\0"s, std::string{'\0', '1'},
  };
  for (const auto& value : rejected) {
    CAPTURE(value);
    CHECK_FALSE(parse_status(value).has_value());
  }
}

TEST_CASE("percent_encode escapes bytes outside 0x20..0x7E and '%', upper-case hex") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows = {
      {"", ""},
      {"plain text", "plain text"},
      {" ", " "},
      {"~", "~"},
      {"%", "%25"},
      {"100%", "100%25"},
      {"%25", "%2525"},
      {"\x1f", "%1F"},
      {"\x7f", "%7F"},
      {"\x80", "%80"},
      {"\xff", "%FF"},
      {"\0"s, "%00"},
      {"a\0b"s, "a%00b"},
      {"\t\r\n", "%09%0D%0A"},
      {"\xc3\xa9", "%C3%A9"},  // é
      {"!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}", "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(percent_encode(r.in) == r.out);
  }
}

TEST_CASE("percent_encode leaves exactly the printable ASCII range except '%' unescaped") {
  for (int byte = 0; byte < 256; ++byte) {
    CAPTURE(byte);
    std::string in(1, static_cast<char>(byte));
    auto out = percent_encode(in);
    bool plain = byte >= 0x20 && byte <= 0x7e && byte != '%';
    if (plain) {
      CHECK(out == in);
    } else {
      REQUIRE(out.size() == 3);
      CHECK(out[0] == '%');
      static const char hex[] = "0123456789ABCDEF";
      CHECK(out[1] == hex[byte >> 4]);
      CHECK(out[2] == hex[byte & 0xf]);
    }
  }
}

TEST_CASE("interop special status message encodes as the spec shows and round-trips") {
  const std::string message =
      "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
      "\xf0\x9f\x98\x88\t\n";
  // The same bytes spelled with literals from the interop test description.
  CHECK(message == "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n");
  const std::string encoded =
      "%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and "
      "non-BMP %F0%9F%98%88%09%0A";
  CHECK(percent_encode(message) == encoded);
  CHECK(percent_decode(encoded) == message);
  CHECK(percent_decode(percent_encode(message)) == message);
}

TEST_CASE("percent_decode round-trips every byte value") {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all.push_back(static_cast<char>(byte));
  CHECK(percent_decode(percent_encode(all)) == all);
  // And in reverse order, so neighbours differ.
  std::string reversed(all.rbegin(), all.rend());
  CHECK(percent_decode(percent_encode(reversed)) == reversed);
}

TEST_CASE("percent_decode decodes valid sequences in either case") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows = {
      {"", ""},
      {"no escapes", "no escapes"},
      {"%41", "A"},
      {"%e2%98%ba", "\xe2\x98\xba"},
      {"%E2%98%BA", "\xe2\x98\xba"},
      {"%eA", "\xea"},
      {"%00", "\0"s},
      {"%25", "%"},
      {"%2525", "%25"},
      {"a%20b", "a b"},
      {"%FF%fF", "\xff\xff"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(percent_decode(r.in) == r.out);
  }
}

TEST_CASE("percent_decode passes invalid sequences through unchanged") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows = {
      {"%", "%"},
      {"%%", "%%"},
      {"%4", "%4"},
      {"a%4", "a%4"},
      {"100%", "100%"},
      {"%G1", "%G1"},
      {"%4G", "%4G"},
      {"%zz", "%zz"},
      {"% 41", "% 41"},
      {"%-1", "%-1"},
      {"%+1", "%+1"},
      {"%%41", "%A"},    // first '%' is not an escape; the second starts one
      {"%4%41", "%4A"},  // a broken escape does not swallow the next one
      {"%\xe2\x98", "%\xe2\x98"},
      {"raw \xe2\x98\xba kept", "raw \xe2\x98\xba kept"},  // unencoded UTF-8 is tolerated
      {"\t\r\n", "\t\r\n"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    CHECK(percent_decode(r.in) == r.out);
  }
}

TEST_CASE("percent_decode never reads past the end of a view") {
  // Views that are not null-terminated: the bytes after the end must not complete an escape.
  const std::string_view backing = "%4F%";
  CHECK(percent_decode(backing.substr(0, 2)) == "%4");
  CHECK(percent_decode(backing.substr(0, 1)) == "%");
  CHECK(percent_decode(backing.substr(0, 3)) == "O");
}
