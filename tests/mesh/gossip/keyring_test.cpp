// keyring: the key file format (base64 keys of 16/24/32 bytes, comments, blank lines) and its
// errors, each one line naming the file and line.
#include "mesh/gossip/keyring.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace meshlet::gossip;

TEST_SUITE("gossip") {

  TEST_CASE("base64 decodes strictly") {
    CHECK(decode_base64("aGVsbG8=") == std::string{"hello"});
    CHECK(decode_base64("aGVsbG8h") == std::string{"hello!"});
    CHECK(decode_base64("aGVsbA==") == std::string{"hell"});
    CHECK(encode_base64("hell") == "aGVsbA==");
    CHECK_FALSE(decode_base64(""));
    CHECK_FALSE(decode_base64("aGVsbG8"));   // not a multiple of 4
    CHECK_FALSE(decode_base64("aGV=bG8h"));  // padding inside
    CHECK_FALSE(decode_base64("aGVs bG8h")); // space inside
    CHECK_FALSE(decode_base64("aGVsbG8*"));
    CHECK_FALSE(decode_base64("a==="));
  }

  TEST_CASE("a key ring: first key signs, comments and blank lines skipped") {
    std::string k16 = encode_base64(std::string(16, 'a'));
    std::string k24 = encode_base64(std::string(24, 'b'));
    std::string k32 = encode_base64(std::string(32, 'c'));
    auto r = parse_keyring(
      "# rotation: new key first\n\n  " + k32 + "  \r\n" + k16 + "\n# old\n" + k24, "keys");
    REQUIRE(r.value);
    CHECK(r.value->size() == 3);
    CHECK(r.value->signing_key() == std::string(32, 'c'));
    CHECK(r.value->keys()[1] == std::string(16, 'a'));
    CHECK(r.value->keys()[2] == std::string(24, 'b'));
  }

  TEST_CASE("bad key files: one line naming file, line and reason") {
    struct row {
      std::string text;
      std::string error;
    };
    std::string k16 = encode_base64(std::string(16, 'a'));
    const row rows[] = {
      {"", "keys: no key (one base64 key of 16, 24 or 32 bytes a line)"},
      {"# only a comment\n\n", "keys: no key (one base64 key of 16, 24 or 32 bytes a line)"},
      {k16 + "\nnot-base64!\n", "keys:2: not a base64 key (one key a line, '#' for comments)"},
      {encode_base64(std::string(20, 'x')),
       "keys:1: key is 20 bytes; gossip keys are 16, 24 or 32 bytes"},
      {"\n\n" + encode_base64("short"),
       "keys:3: key is 5 bytes; gossip keys are 16, 24 or 32 bytes"},
      {k16 + " # trailing comment", "keys:1: not a base64 key (one key a line, '#' for comments)"},
    };
    for (const auto &r : rows) {
      CAPTURE(r.text);
      auto got = parse_keyring(r.text, "keys");
      CHECK_FALSE(got.value);
      CHECK(got.error == r.error);
      CHECK(got.error.find('\n') == std::string::npos);
    }
  }

  TEST_CASE("load_keyring reads a file and names a missing one") {
    std::string path = "/tmp/meshlet_keyring_test_" + std::to_string(::getpid()) + ".keys";
    {
      std::ofstream out{path};
      out << "# test\n" << encode_base64(std::string(32, 'k')) << "\n";
    }
    auto r = load_keyring(path);
    std::remove(path.c_str());
    REQUIRE(r.value);
    CHECK(r.value->signing_key() == std::string(32, 'k'));
    auto missing = load_keyring(path);
    CHECK_FALSE(missing.value);
    CHECK(missing.error.rfind(path + ": cannot read the gossip key file", 0) == 0);
  }

} // TEST_SUITE
