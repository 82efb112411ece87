// Tests for transport/grpc/headers: hop-by-hop filtering and gRPC request validation.
#include "transport/grpc/headers.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using meshlet::grpc::check_grpc_request;
using meshlet::grpc::is_hop_by_hop;
using meshlet::grpc::request_check;

using namespace std::string_literals;

TEST_CASE("is_hop_by_hop names exactly the connection-specific headers") {
  for (const char* name :
       {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
    CAPTURE(name);
    CHECK(is_hop_by_hop(name));
  }
}

TEST_CASE("is_hop_by_hop ignores ASCII case so a stray upper-case name is not forwarded") {
  for (const char* name : {"Connection", "KEEP-ALIVE", "Proxy-Connection", "Transfer-Encoding",
                           "UPGRADE", "uPgRaDe"}) {
    CAPTURE(name);
    CHECK(is_hop_by_hop(name));
  }
}

TEST_CASE("is_hop_by_hop keeps end-to-end headers, te and -bin headers included") {
  const std::vector<std::string> forwarded = {
      "te",  // gRPC requires te: trailers to reach the server
      "content-type",
      "grpc-timeout",
      "grpc-encoding",
      "grpc-accept-encoding",
      "grpc-status",
      "grpc-message",
      "grpc-status-details-bin",
      "authorization",
      "user-agent",
      "x-forwarded-for",
      ":path",
      ":authority",
      "",
      "connection ",  // near misses are different headers
      " connection",
      "connections",
      "connectio",
      "keep-alive-x",
      "x-upgrade",
      "upgrade-insecure-requests",
      "proxy-authorization",
      "transfer-encodin",
      "connection\0"s,
  };
  for (const auto& name : forwarded) {
    CAPTURE(name);
    CHECK_FALSE(is_hop_by_hop(name));
  }
}

TEST_CASE("check_grpc_request accepts gRPC requests") {
  struct row {
    std::string content_type;
    std::string path;
  };
  const std::vector<row> rows = {
      {"application/grpc", "/helloworld.Greeter/SayHello"},
      {"application/grpc+proto", "/pkg.Service/Method"},
      {"application/grpc+json", "/a/b"},
      {"application/grpc;charset=utf-8", "/"},
      {"application/grpc; charset=utf-8", "/x"},
      {"application/grpc+", "/x"},  // empty subtype suffix is still the gRPC family
      {"application/grpc;", "/x"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.content_type);
    CAPTURE(r.path);
    CHECK(check_grpc_request("POST", r.content_type, r.path) == request_check::ok);
  }
}

TEST_CASE("check_grpc_request rejects non-POST methods as not_grpc") {
  for (const char* method : {"GET", "PUT", "HEAD", "OPTIONS", "CONNECT", "DELETE", "PATCH", "post",
                             "Post", "POST ", " POST", "POSTX", ""}) {
    CAPTURE(method);
    CHECK(check_grpc_request(method, "application/grpc", "/s/m") == request_check::not_grpc);
  }
}

TEST_CASE("check_grpc_request rejects other content types as not_grpc") {
  const std::vector<std::string> types = {
      "",
      "application/json",
      "application/grpc-web",  // grpc-web needs translation; not plain gRPC
      "application/grpc-web+proto",
      "application/grpcx",
      "application/grp",
      "application/",
      "text/plain",
      "Application/grpc",  // compared case-sensitively, as grpc-core does
      "APPLICATION/GRPC",
      " application/grpc",
      "application/grpc ",
      "application/grpc\0"s,
      "xapplication/grpc",
  };
  for (const auto& type : types) {
    CAPTURE(type);
    CHECK(check_grpc_request("POST", type, "/s/m") == request_check::not_grpc);
  }
}

TEST_CASE("check_grpc_request requires a :path starting with '/'") {
  for (const char* path : {"", "s/m", "*", " /s/m", "http://host/s/m"}) {
    CAPTURE(path);
    CHECK(check_grpc_request("POST", "application/grpc", path) == request_check::missing_path);
  }
}

TEST_CASE("check_grpc_request reports not_grpc before a bad path") {
  // A non-gRPC request gets HTTP 415 whatever its path.
  CHECK(check_grpc_request("GET", "application/grpc", "") == request_check::not_grpc);
  CHECK(check_grpc_request("POST", "text/html", "") == request_check::not_grpc);
  CHECK(check_grpc_request("GET", "text/html", "*") == request_check::not_grpc);
}

TEST_CASE("check_grpc_request treats an empty :path view as missing, whatever follows it") {
  const std::string_view backing = "/s/m";
  CHECK(check_grpc_request("POST", "application/grpc", backing.substr(0, 0)) ==
        request_check::missing_path);
  // An empty view of a content-type is not gRPC even if the bytes after it are.
  const std::string_view type = "application/grpc";
  CHECK(check_grpc_request("POST", type.substr(0, 0), "/s/m") == request_check::not_grpc);
  CHECK(check_grpc_request("POST", type.substr(0, 15), "/s/m") == request_check::not_grpc);
}
