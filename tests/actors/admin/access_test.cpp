// access: which admin calls mutate, who is loopback, and the bearer-token rule (a configured
// token is required from everyone; without one only loopback peers may mutate).
#include "actors/admin/access.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

using namespace meshlet::actors;

TEST_CASE("access: the mutating methods, and only those") {
  for (auto m : {"SetEndpoint", "AddEndpoint", "RemoveEndpoint", "ReloadConfig", "Drain"})
    CHECK(is_mutating(m));
  for (auto m : {"GetStatus", "ListClusters", "ListEndpoints", "ListMembers", "GetConfig",
                 "health.Check", "drain", ""})
    CHECK_FALSE(is_mutating(m));
}

TEST_CASE("access: loopback addresses in every spelling; others and garbage are not") {
  for (auto a : {"127.0.0.1", "127.5.6.7", "::1", "::ffff:127.0.0.1"})
    CHECK(is_loopback(a));
  for (auto a : {"10.0.0.1", "192.168.1.5", "::ffff:10.0.0.1", "fe80::1", "", "localhost",
                 "127.0.0.1:80"})
    CHECK_FALSE(is_loopback(a));
}

TEST_CASE("access: without a token, loopback may mutate and a remote peer may only read") {
  CHECK(check_access("SetEndpoint", "127.0.0.1", std::nullopt, "").empty());
  CHECK(check_access("Drain", "::1", std::nullopt, "").empty());
  auto denied = check_access("SetEndpoint", "10.1.2.3", std::nullopt, "");
  CHECK(denied.find("loopback only") != std::string::npos);
  // A bearer header is no key when no token is configured.
  std::string bearer = "Bearer anything";
  CHECK_FALSE(check_access("Drain", "10.1.2.3", bearer, "").empty());
  CHECK(check_access("ListEndpoints", "10.1.2.3", std::nullopt, "").empty());
}

TEST_CASE("access: with a token, every mutating call needs exactly 'Bearer <token>'") {
  const std::string token = "s3cret";
  std::string right = "Bearer s3cret";
  CHECK(check_access("SetEndpoint", "10.1.2.3", right, token).empty());
  CHECK(check_access("SetEndpoint", "127.0.0.1", right, token).empty());
  CHECK(check_access("SetEndpoint", "127.0.0.1", std::nullopt, token).find("Bearer")
        != std::string::npos);
  for (std::string wrong : {"Bearer s3cre", "Bearer s3cret2", "bearer s3cret", "s3cret",
                            "Bearer  s3cret", "Basic czNjcmV0", ""})
    CHECK_FALSE(check_access("RemoveEndpoint", "127.0.0.1", wrong, token).empty());
  CHECK(check_access("GetStatus", "10.1.2.3", std::nullopt, token).empty());
}

TEST_CASE("access: token files are trimmed; missing, empty or spaced tokens are errors") {
  auto path = std::string{"/tmp/meshlet-token-test-"} + std::to_string(::getpid());
  auto write = [&](const std::string& s) { std::ofstream{path, std::ios::binary} << s; };
  write("  abc-123\n");
  auto t = load_token_file(path);
  REQUIRE(t.token);
  CHECK(*t.token == "abc-123");
  write("\n \n");
  CHECK_FALSE(load_token_file(path).token);
  write("two words\n");
  CHECK(load_token_file(path).error.find("one word") != std::string::npos);
  std::remove(path.c_str());
  CHECK(load_token_file(path).error.find("cannot read") != std::string::npos);
}
