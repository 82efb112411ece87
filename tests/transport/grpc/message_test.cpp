// grpc message framing and self-made status headers: round trips, every malformed prefix, and
// Trailers-Only vs trailers blocks.
#include "transport/grpc/message.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace meshlet::grpc;
using namespace std::string_literals;

TEST_CASE("frame_message / unframe_message round-trip, empty bodies included") {
  for (std::string body : {""s, "x"s, std::string(70000, 'z')}) {
    auto f = frame_message(body);
    REQUIRE(f.size() == body.size() + message_prefix_size);
    CHECK(f[0] == '\0');
    auto u = unframe_message(f, 1 << 20);
    REQUIRE(u.body);
    CHECK(*u.body == body);
  }
  CHECK(frame_message("ab") == "\x00\x00\x00\x00\x02" "ab"s);
}

TEST_CASE("unframe_message rejects what is not exactly one uncompressed message") {
  auto ok = frame_message("abc");
  CHECK(unframe_message("", 100).error == "truncated gRPC message prefix");
  CHECK(unframe_message(ok.substr(0, 4), 100).error == "truncated gRPC message prefix");
  CHECK(unframe_message(ok.substr(0, 6), 100).error == "truncated message");
  CHECK(unframe_message(ok + "x", 100).error == "trailing bytes after the message");
  CHECK(unframe_message(ok + ok, 100).error == "trailing bytes after the message");
  auto compressed = ok;
  compressed[0] = 1;
  CHECK(unframe_message(compressed, 100).error.find("compressed") == 0);
  auto bad_flag = ok;
  bad_flag[0] = 7;
  CHECK(unframe_message(bad_flag, 100).error == "bad gRPC compressed flag");
  CHECK(unframe_message(ok, 2).error == "message too large");
  CHECK(unframe_message("\x00\xff\xff\xff\xff"s, 1 << 20).error == "message too large");
}

TEST_CASE("status_block: Trailers-Only carries :status and content-type, trailers do not") {
  auto only = status_block(status_code::permission_denied, "no 100% access", true);
  REQUIRE(only->find(":status"));
  CHECK(*only->find(":status") == "200");
  CHECK(*only->find("content-type") == "application/grpc");
  CHECK(*only->find("grpc-status") == "7");
  CHECK(*only->find("grpc-message") == "no 100%25 access");
  auto trailers = status_block(status_code::ok, "", false);
  CHECK_FALSE(trailers->find(":status"));
  CHECK_FALSE(trailers->find("grpc-message"));
  CHECK(*trailers->find("grpc-status") == "0");
  CHECK(*response_headers()->find(":status") == "200");
}
