// Tests for transport/net/address: HOST:PORT parsing (IPv4, [IPv6], names), lists, and error
// messages that name the offending text.
#include "transport/net/address.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using meshlet::net::address;
using meshlet::net::parse_address;
using meshlet::net::parse_address_list;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("parse_address accepts IPv4, bracketed IPv6 and names") {
  struct row {
    std::string text;
    std::string host;
    uint16_t port;
  };
  const std::vector<row> rows = {
    {"1.2.3.4:80", "1.2.3.4", 80},
    {"127.0.0.1:1", "127.0.0.1", 1},
    {"0.0.0.0:65535", "0.0.0.0", 65535},
    {"[::1]:8080", "::1", 8080},
    {"[2001:db8::ff00:42:8329]:50051", "2001:db8::ff00:42:8329", 50051},
    {"[::]:443", "::", 443},
    {"localhost:50051", "localhost", 50051},
    {"echo.default.svc.cluster.local:9090", "echo.default.svc.cluster.local", 9090},
    {"backend-1:7000", "backend-1", 7000},
    {"my_host:7001", "my_host", 7001},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto res = parse_address(r.text);
    REQUIRE(res.value.has_value());
    CHECK(res.error.empty());
    CHECK(res.value->host == r.host);
    CHECK(res.value->port == r.port);
  }
}

TEST_CASE("address::to_string round-trips, bracketing IPv6") {
  for (const std::string text : {"1.2.3.4:80", "[::1]:8080", "[2001:db8::1]:1", "name:65535"}) {
    CAPTURE(text);
    auto res = parse_address(text);
    REQUIRE(res.value.has_value());
    CHECK(res.value->to_string() == text);
  }
}

TEST_CASE("parse_address accepts port 0 only when allow_zero_port") {
  CHECK_FALSE(parse_address("127.0.0.1:0").value.has_value());
  auto res = parse_address("127.0.0.1:0", true);
  REQUIRE(res.value.has_value());
  CHECK(*res.value == address{"127.0.0.1", 0});
  auto v6 = parse_address("[::1]:0", true);
  REQUIRE(v6.value.has_value());
  CHECK(*v6.value == address{"::1", 0});
}

TEST_CASE("parse_address rejects bad input with a message that names it") {
  struct row {
    std::string text;
    std::string why; // part of the reason
  };
  const std::vector<row> rows = {
    {"1.2.3.4", "HOST:PORT"}, // missing port
    {"localhost", "HOST:PORT"},
    {"localhost:", "port"},  // empty port
    {"localhost:0", "port"}, // 0 without allow_zero_port
    {"localhost:65536", "port"},
    {"localhost:99999", "port"},
    {"localhost:123456", "port"},
    {"localhost:8o", "port"}, // non-digits
    {"localhost:-1", "port"},
    {"localhost:+80", "port"},
    {"localhost: 80", "port"},
    {"localhost:80 ", "port"},
    {"localhost:0x50", "port"},
    {":80", "empty host"},
    {"[]:80", "empty host"},
    {"[::1]", "[IPv6]:PORT"}, // bracketed, no port
    {"[::1]80", "[IPv6]:PORT"},
    {"[::1:80", "[IPv6]:PORT"},
    {"[::1]:", "port"},
    {"::1:80", "brackets"}, // IPv6 without brackets
    {"a b:80", "invalid character"},
    {"host/x:80", "invalid character"},
    {"", "HOST:PORT"},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto res = parse_address(r.text);
    CHECK_FALSE(res.value.has_value());
    CHECK(contains(res.error, "'" + r.text + "'"));
    CHECK(contains(res.error, r.why));
  }
}

TEST_CASE("parse_address_list parses every comma-separated item in order") {
  auto res = parse_address_list("10.0.0.1:50051,[::1]:50052,backend:50053");
  CHECK(res.error.empty());
  CHECK(res.values
        == std::vector<address>{{"10.0.0.1", 50051}, {"::1", 50052}, {"backend", 50053}});

  auto one = parse_address_list("a:1");
  CHECK(one.error.empty());
  CHECK(one.values == std::vector<address>{{"a", 1}});
}

TEST_CASE("parse_address_list rejects an empty item, naming the list") {
  for (const std::string text : {"a:1,,b:2", "a:1,", ",a:1", ","}) {
    CAPTURE(text);
    auto res = parse_address_list(text);
    CHECK(res.values.empty());
    CHECK(contains(res.error, "empty item"));
    CHECK(contains(res.error, "'" + text + "'"));
  }
}

TEST_CASE("parse_address_list rejects an empty list") {
  auto res = parse_address_list("");
  CHECK(res.values.empty());
  CHECK(contains(res.error, "empty address list"));
}

TEST_CASE("parse_address_list names the bad item and returns no partial list") {
  auto res = parse_address_list("a:1,b,c:3");
  CHECK(res.values.empty());
  CHECK(contains(res.error, "'b'"));

  auto zero = parse_address_list("a:1,b:0");
  CHECK(zero.values.empty());
  CHECK(contains(zero.error, "'b:0'"));
}
