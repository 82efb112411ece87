// health_wire: the Check request's exact bytes, hand-built framed responses decoded, and
// malformed input rejected with a reason (never a crash).
#include "mesh/health/health_wire.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace meshlet::health;
using namespace std::string_literals;

namespace {

// A framed message: flag 0, 4-byte big-endian length, body.
std::string framed(const std::string &body, char flag = '\0') {
  std::string out{flag};
  auto n = body.size();
  out += static_cast<char>((n >> 24) & 0xff);
  out += static_cast<char>((n >> 16) & 0xff);
  out += static_cast<char>((n >> 8) & 0xff);
  out += static_cast<char>(n & 0xff);
  return out + body;
}

} // namespace

TEST_SUITE("health_wire") {

  TEST_CASE("Check request bytes: 5-byte prefix then HealthCheckRequest{service}") {
    // The empty service: an empty protobuf message, only the prefix.
    CHECK(encode_check_request("") == "\x00\x00\x00\x00\x00"s);
    // service = "meshtest.Echo": field 1, wire type 2 (0x0a), length 13.
    CHECK(encode_check_request("meshtest.Echo") == "\x00\x00\x00\x00\x0f\x0a\x0dmeshtest.Echo"s);
    // A 200-byte name: varint length 0xc8 0x01, message 203 bytes.
    std::string longname(200, 's');
    CHECK(encode_check_request(longname) == "\x00\x00\x00\x00\xcb\x0a\xc8\x01"s + longname);
    // 70,000 bytes: a 3-byte varint, message 70,004 = 0x011174 bytes: three prefix bytes used.
    std::string huge(70'000, 'h');
    auto req = encode_check_request(huge);
    CHECK(req.substr(0, 8) == "\x00\x00\x01\x11\x74\x0a\xf0\xa2"s);
    CHECK(req.size() == 5 + 70'004);
  }

  TEST_CASE("paths") {
    CHECK(check_path == "/grpc.health.v1.Health/Check");
    CHECK(watch_path == "/grpc.health.v1.Health/Watch");
  }

  TEST_CASE("decode hand-built responses: SERVING, NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN") {
    struct row {
      std::string body;
      serving_status status;
      probe_result result;
    };
    for (const auto &r :
         {row{"\x08\x01", serving_status::serving, probe_result::serving},
          row{"\x08\x02", serving_status::not_serving, probe_result::not_serving},
          row{"\x08\x03"s, serving_status::service_unknown, probe_result::service_unknown},
          // UNKNOWN = 0 is the default: an empty message, or explicitly encoded.
          row{"", serving_status::unknown, probe_result::not_serving},
          row{"\x08\x00"s, serving_status::unknown, probe_result::not_serving},
          // A value the enum does not know (proto3 keeps it): unknown.
          row{"\x08\x07", serving_status::unknown, probe_result::not_serving},
          // Unknown fields are skipped, as protobuf requires.
          row{"\x10\x05\x08\x01", serving_status::serving, probe_result::serving},
          // The last occurrence of a scalar wins.
          row{"\x08\x02\x08\x01", serving_status::serving, probe_result::serving}}) {
      CAPTURE(r.body.size());
      auto d = decode_check_response(framed(r.body));
      REQUIRE(d.status);
      CHECK(*d.status == r.status);
      CHECK(d.error.empty());
      CHECK(to_probe_result(*d.status) == r.result);
    }
  }

  TEST_CASE("malformed responses are errors with a reason") {
    struct row {
      std::string bytes;
      std::string_view error;
    };
    const std::string serving = framed("\x08\x01");
    for (const auto &r : {
           row{"", "truncated gRPC message prefix"},
           row{"\x00\x00\x00\x00"s, "truncated gRPC message prefix"},
           row{framed("\x08\x01", '\x01'), "compressed message (no grpc-encoding was negotiated)"},
           row{framed("\x08\x01", '\x02'), "bad gRPC compressed flag"},
           row{serving.substr(0, 6), "truncated message"},
           row{"\x00\x00\x00\x00\x02"s, "truncated message"},
           row{serving + "x", "trailing bytes after the message"},
           row{serving + serving, "trailing bytes after the message"},
           row{"\x00\xff\xff\xff\xff"s, "message too large"},
           row{"\x00\x00\x00\x10\x01"s, "message too large"},
           row{framed("\x08"), "malformed HealthCheckResponse"},         // value missing
           row{framed("\x0a\x05\x01"), "malformed HealthCheckResponse"}, // length past the end
           row{framed("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"),
               "malformed HealthCheckResponse"},                 // varint too long
           row{framed("\x07"), "malformed HealthCheckResponse"}, // wire type 7
         }) {
      CAPTURE(r.bytes.size());
      auto d = decode_check_response(r.bytes);
      CHECK_FALSE(d.status);
      CHECK(d.error == r.error);
    }
  }

  TEST_CASE("decode never crashes on random bytes and prefixes of a valid response") {
    std::mt19937 engine{7};
    std::uniform_int_distribution<int> byte{0, 255};
    std::uniform_int_distribution<int> len{0, 40};
    for (int i = 0; i < 5000; ++i) {
      std::string body(static_cast<std::size_t>(len(engine)), '\0');
      for (auto &c : body)
        c = static_cast<char>(byte(engine));
      auto d = decode_check_response(i % 2 ? framed(body) : body);
      CHECK((d.status.has_value() != !d.error.empty()));
    }
    const std::string ok = framed("\x08\x01");
    for (std::size_t n = 0; n < ok.size(); ++n)
      CHECK_FALSE(decode_check_response(ok.substr(0, n)).status);
    CHECK(decode_check_response(ok).status == serving_status::serving);
  }

  TEST_CASE("a request misread as a response is not SERVING") {
    // HealthCheckRequest{service="x"} is field 1 as a length-delimited string. Read as a response,
    // field 1 has the wrong wire type: protobuf keeps it as an unknown field, so the status stays
    // UNKNOWN, which counts as not serving.
    auto req = encode_check_request("x");
    CHECK(req == "\x00\x00\x00\x00\x03\x0a\x01x"s);
    auto d = decode_check_response(req);
    REQUIRE(d.status);
    CHECK(*d.status == serving_status::unknown);
    CHECK(to_probe_result(*d.status) == probe_result::not_serving);
  }

} // TEST_SUITE
