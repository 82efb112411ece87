// HTTP/2 header blocks as they travel between meshlet's actors: an immutable-once-sent
// list of (name, value) byte strings, shared by pointer so a block is never copied.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshlet::h2 {

struct header_field {
  std::string name;
  std::string value;
};

struct header_block {
  std::vector<header_field> fields;

  void add(std::string_view name, std::string_view value) {
    fields.push_back(header_field{std::string{name}, std::string{value}});
  }

  // The value of the first field called `name`, or nullptr.
  const std::string* find(std::string_view name) const {
    for (auto& f : fields)
      if (f.name == name)
        return &f.value;
    return nullptr;
  }
};

using header_block_ptr = std::shared_ptr<header_block>;

inline header_block_ptr make_headers() {
  return std::make_shared<header_block>();
}

} // namespace meshlet::h2
