// Tests for transport/h2 header_block: one buffer of names and values behind a compact index.
// Adding, finding, iterating in order, set (replace in place or append, or add), erase_if,
// copies and moves, growth far past the first allocation, and views of the block's own bytes
// passed back into it.
#include "header_fields.hpp"
#include "transport/h2/headers.hpp"

#include <doctest/doctest.h>

#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using meshlet::h2::header_block;
using meshlet::h2::header_view;
using meshlet::h2::make_headers;
using namespace meshlet::h2::test;

namespace {

const fields grpc_request_fields = {
  {":method", "POST"},
  {":scheme", "http"},
  {":path", "/echo.Echo/Say"},
  {":authority", "backend:50051"},
  {"content-type", "application/grpc"},
  {"te", "trailers"},
  {"grpc-timeout", "999828u"},
  {"user-agent", "grpc-c++/1.51.1 grpc-c/29.0.0 (linux; chttp2)"},
};

header_block grpc_request() {
  return block_of(grpc_request_fields);
}

} // namespace

TEST_SUITE("h2/headers") {

  TEST_CASE("a new block is empty and holds no buffer") {
    header_block h;
    CHECK(h.empty());
    CHECK(h.size() == 0);
    CHECK(h.begin() == h.end());
    CHECK(h.buffer_size() == 0);
    CHECK_FALSE(h.find(":path").has_value());
    CHECK(make_headers()->empty());
  }

  TEST_CASE("fields come back in the order they were added, and find sees each one") {
    auto h = grpc_request();
    CHECK(h.size() == grpc_request_fields.size());
    CHECK_FALSE(h.empty());
    CHECK(fields_of(h) == grpc_request_fields);
    for (auto& [name, value] : grpc_request_fields) {
      auto v = h.find(name);
      REQUIRE(v.has_value());
      CHECK(*v == value);
    }
    CHECK(h.bytes_used() == 176); // the names and values, nothing else
  }

  TEST_CASE("find: a missing name, a prefix or an extension of a name is no match") {
    auto h = grpc_request();
    CHECK_FALSE(h.find("grpc-status").has_value());
    CHECK_FALSE(h.find(":pat").has_value());
    CHECK_FALSE(h.find(":paths").has_value());
    CHECK_FALSE(h.find("").has_value());
    CHECK_FALSE(h.find("Content-Type").has_value()); // HTTP/2 names are lower case; bytes compare
  }

  TEST_CASE("find returns the first of fields with the same name") {
    header_block h;
    h.add("x-dup", "first");
    h.add("x-other", "o");
    h.add("x-dup", "second");
    CHECK(h.find("x-dup") == std::optional<std::string_view>{"first"});
    CHECK(h.size() == 3);
  }

  TEST_CASE("empty values (and an empty name) are fields like any other") {
    header_block h;
    h.add("x-empty", "");
    h.add("", "no name");
    h.add("x-after", "v");
    auto v = h.find("x-empty");
    REQUIRE(v.has_value()); // present, not missing
    CHECK(v->empty());
    CHECK(h.find("") == std::optional<std::string_view>{"no name"});
    CHECK(fields_of(h) == fields{{"x-empty", ""}, {"", "no name"}, {"x-after", "v"}});
  }

  TEST_CASE("a value of 100 KiB is kept whole") {
    std::string big(100 * 1024, '\0');
    for (size_t i = 0; i < big.size(); ++i)
      big[i] = static_cast<char>('a' + i % 26);
    auto h = grpc_request();
    h.add("x-big", big);
    h.add("x-after", "small");
    auto v = h.find("x-big");
    REQUIRE(v.has_value());
    CHECK(v->size() == big.size());
    CHECK(*v == big);
    CHECK(h.find("x-after") == std::optional<std::string_view>{"small"});
    CHECK(h.find(":path") == std::optional<std::string_view>{"/echo.Echo/Say"});
    header_block copy{h};
    CHECK(copy.find("x-big") == std::optional<std::string_view>{big});
  }

  TEST_CASE("many fields, far past the first allocation, stay in order and findable") {
    header_block h;
    fields expected;
    for (int i = 0; i < 1000; ++i) {
      auto name = "x-field-" + std::to_string(i);
      auto value = std::string(static_cast<size_t>(i % 50), static_cast<char>('a' + i % 26));
      h.add(name, value);
      expected.emplace_back(name, value);
    }
    CHECK(h.size() == 1000);
    CHECK(fields_of(h) == expected);
    CHECK(h.find("x-field-0") == std::optional<std::string_view>{""});
    CHECK(h.find("x-field-999") == std::optional<std::string_view>{expected[999].second});
    CHECK_FALSE(h.find("x-field-1000").has_value());
  }

  TEST_CASE("reserve makes room once: adds within it keep the buffer where it is") {
    header_block r;
    r.reserve(8, 176); // grpc_request(): 8 fields, 176 bytes
    size_t room = r.buffer_size();
    CHECK(room == 8 * 12 + 176);
    for (auto& [name, value] : grpc_request_fields)
      r.add(name, value);
    CHECK(r.buffer_size() == room);
    CHECK(fields_of(r) == grpc_request_fields);
    r.reserve(2, 10); // never shrinks
    CHECK(r.buffer_size() == room);
  }

  TEST_CASE("set replaces the value of an existing field, in place or appended, order kept") {
    auto h = grpc_request();
    auto expected = grpc_request_fields;

    SUBCASE("a value of the same length") {
      h.set("grpc-timeout", "999000u");
      expected[6].second = "999000u";
    }
    SUBCASE("a shorter value") {
      h.set("grpc-timeout", "5S");
      expected[6].second = "5S";
    }
    SUBCASE("a longer value") {
      h.set("grpc-timeout", "99999999n");
      expected[6].second = "99999999n";
    }
    SUBCASE("a much longer value (the buffer moves)") {
      std::string v(5000, 'v');
      h.set(":path", v);
      expected[2].second = v;
    }
    SUBCASE("an empty value") {
      h.set("te", "");
      expected[5].second = "";
    }
    SUBCASE("shorter, then longer than the original again") {
      h.set("grpc-timeout", "1S");
      h.set("grpc-timeout", "12345678u");
      expected[6].second = "12345678u";
    }
    CHECK(h.size() == expected.size());
    CHECK(fields_of(h) == expected);
  }

  TEST_CASE("set adds a missing field at the end, others untouched") {
    auto h = grpc_request();
    h.set("grpc-previous-rpc-attempts", "1");
    auto expected = grpc_request_fields;
    expected.emplace_back("grpc-previous-rpc-attempts", "1");
    CHECK(fields_of(h) == expected);
    // Retried again: replaced, not added twice.
    h.set("grpc-previous-rpc-attempts", "2");
    expected.back().second = "2";
    CHECK(fields_of(h) == expected);
    h.set("grpc-previous-rpc-attempts", "10");
    expected.back().second = "10";
    CHECK(fields_of(h) == expected);

    header_block empty;
    empty.set("a", "b");
    CHECK(fields_of(empty) == fields{{"a", "b"}});
  }

  TEST_CASE("set gives every field of that name the value (as the per-field loop did)") {
    header_block h;
    h.add("grpc-timeout", "10S");
    h.add("x", "y");
    h.add("grpc-timeout", "20S");
    h.set("grpc-timeout", "1234567u");
    CHECK(fields_of(h)
          == fields{{"grpc-timeout", "1234567u"}, {"x", "y"}, {"grpc-timeout", "1234567u"}});
  }

  TEST_CASE("set and add take views of the block's own bytes, even when the buffer moves") {
    auto h = grpc_request();
    auto path = *h.find(":path");
    h.set("x-path", path); // added: the buffer grows while `path` views the old one
    CHECK(h.find("x-path") == std::optional<std::string_view>{"/echo.Echo/Say"});
    auto ua = *h.find("user-agent");
    h.set("te", ua); // longer: appended
    CHECK(h.find("te") == h.find("user-agent"));
    CHECK(h.find("te") != std::nullopt);
    auto te = *h.find("te");
    h.set("te", te.substr(9)); // shorter, overlapping its own bytes
    CHECK(h.find("te") == std::optional<std::string_view>{"1.51.1 grpc-c/29.0.0 (linux; chttp2)"});

    header_block g;
    g.add("a", "value-of-a");
    for (int i = 0; i < 100; ++i) { // adds that grow the buffer, from views of it
      auto f = *g.begin();
      g.add(f.name, f.value);
    }
    CHECK(g.size() == 101);
    for (auto f : g) {
      CHECK(f.name == "a");
      CHECK(f.value == "value-of-a");
    }
  }

  TEST_CASE("erase_if removes the matching fields and keeps the others in order") {
    auto h = grpc_request();
    h.add("connection", "keep-alive");
    h.add("transfer-encoding", "chunked");
    auto n = h.erase_if([](const header_view& f) {
      return f.name == "connection" || f.name == "transfer-encoding" || f.name == ":scheme";
    });
    CHECK(n == 3);
    auto expected = grpc_request_fields;
    expected.erase(expected.begin() + 1);
    CHECK(fields_of(h) == expected);
    CHECK_FALSE(h.find("connection").has_value());
    CHECK_FALSE(h.find(":scheme").has_value());

    CHECK(h.erase_if([](header_view) { return false; }) == 0);
    CHECK(fields_of(h) == expected);
    h.add("x-after-erase", "v"); // adding after an erase lands at the end
    expected.emplace_back("x-after-erase", "v");
    CHECK(fields_of(h) == expected);

    CHECK(h.erase_if([](header_view) { return true; }) == expected.size());
    CHECK(h.empty());
    CHECK_FALSE(h.find(":path").has_value());
  }

  TEST_CASE("a copy holds exactly its fields: bytes left by set and erase_if are dropped") {
    auto h = grpc_request();
    h.set(":path", std::string(300, 'p'));
    h.erase_if([](const header_view& f) { return f.name == "user-agent"; });
    header_block copy{h};
    CHECK(fields_of(copy) == fields_of(h));
    size_t live = 0;
    for (auto f : h)
      live += f.name.size() + f.value.size();
    CHECK(copy.bytes_used() == live);
    CHECK(copy.buffer_size() == copy.size() * 12 + live);
    CHECK(h.bytes_used() > live);

    // Independent of the original.
    copy.set(":method", "GET");
    CHECK(h.find(":method") == std::optional<std::string_view>{"POST"});
    header_block assigned;
    assigned = h;
    CHECK(fields_of(assigned) == fields_of(h));
    auto& same = assigned;
    assigned = same; // self-assignment keeps it
    CHECK(fields_of(assigned) == fields_of(h));
    header_block empty_copy{header_block{}};
    CHECK(empty_copy.empty());
    CHECK(empty_copy.buffer_size() == 0);
  }

  TEST_CASE("a move takes the buffer and leaves the source empty") {
    auto h = grpc_request();
    auto before = h.buffer_size();
    header_block moved{std::move(h)};
    CHECK(fields_of(moved) == grpc_request_fields);
    CHECK(moved.buffer_size() == before);
    CHECK(h.empty()); // NOLINT(bugprone-use-after-move): documented state
    CHECK(h.buffer_size() == 0);
    h.add("reused", "yes");
    CHECK(fields_of(h) == fields{{"reused", "yes"}});
    header_block target = grpc_request();
    target = std::move(moved);
    CHECK(fields_of(target) == grpc_request_fields);
  }

  TEST_CASE("clear forgets the fields and keeps the buffer for the next block") {
    auto h = grpc_request();
    auto room = h.buffer_size();
    h.clear();
    CHECK(h.empty());
    CHECK(h.bytes_used() == 0);
    CHECK_FALSE(h.find(":method").has_value());
    CHECK(h.buffer_size() == room);
    h.add(":status", "200");
    CHECK(fields_of(h) == fields{{":status", "200"}});
    CHECK(h.buffer_size() == room);
  }

  TEST_CASE("iteration works with standard algorithms and a plain range-for") {
    auto h = grpc_request();
    size_t n = 0;
    for (auto it = h.begin(); it != h.end(); it++)
      ++n;
    CHECK(n == h.size());
    CHECK(static_cast<size_t>(std::distance(h.begin(), h.end())) == h.size());
    auto first = *h.begin();
    CHECK(first.name == ":method");
    CHECK(first.value == "POST");
  }

  TEST_CASE("reserve past the 32-bit limits is refused, not truncated") {
    header_block h;
    CHECK_THROWS_AS(h.reserve(0, size_t{1} << 32), std::length_error);
    CHECK(h.buffer_size() == 0);
  }
}
