// Header blocks as plain (name, value) lists for tests: build a block from one, read one back.
#pragma once

#include "transport/h2/headers.hpp"

#include <string>
#include <utility>
#include <vector>

namespace meshlet::h2::test {

using fields = std::vector<std::pair<std::string, std::string>>;

inline header_block block_of(const fields& fs) {
  header_block h;
  for (auto& [name, value] : fs)
    h.add(name, value);
  return h;
}

inline fields fields_of(const header_block& h) {
  fields out;
  for (auto f : h)
    out.emplace_back(std::string{f.name}, std::string{f.value});
  return out;
}

} // namespace meshlet::h2::test
