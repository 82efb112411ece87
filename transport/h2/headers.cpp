// header_block: growth, copies and in-place replacement (the hot add/find are inline).
#include "transport/h2/headers.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace meshlet::h2 {

namespace {
constexpr size_t max_u32 = std::numeric_limits<uint32_t>::max();
// A block built field by field starts with room for a typical gRPC request.
constexpr size_t first_fields = 8;
constexpr size_t first_bytes = 256;

size_t grown(size_t cap, size_t needed, size_t first) {
  size_t want = cap == 0 ? first : cap + cap / 2;
  return std::min(std::max(needed, want), max_u32);
}
} // namespace

header_block::header_block(const header_block& other) {
  size_t live = 0;
  for (auto f : other)
    live += f.name.size() + f.value.size();
  reserve(other.size_, live);
  for (auto f : other)
    add(f.name, f.value);
}

header_block& header_block::operator=(const header_block& other) {
  if (this != &other)
    header_block{other}.swap(*this);
  return *this;
}

void header_block::reserve(size_t fields, size_t bytes) {
  if (fields <= field_cap_ && bytes <= byte_cap_)
    return;
  if (fields > max_u32 || bytes > max_u32)
    throw std::length_error("header_block: over 2^32 fields or bytes");
  regrow(std::max<size_t>(fields, field_cap_), std::max<size_t>(bytes, byte_cap_));
}

std::unique_ptr<char[]> header_block::make_room(size_t fields, size_t bytes) {
  if (fields > max_u32 - size_ || bytes > max_u32 - used_)
    throw std::length_error("header_block: over 2^32 fields or bytes");
  size_t need_fields = size_ + fields, need_bytes = used_ + bytes;
  bool fields_short = need_fields > field_cap_, bytes_short = need_bytes > byte_cap_;
  if (!fields_short && !bytes_short)
    return nullptr;
  // The buffer moves anyway: the other part grows too when it is more than half used.
  size_t new_fields = fields_short || size_t{size_} * 2 > field_cap_
                        ? grown(field_cap_, need_fields, first_fields)
                        : field_cap_;
  size_t new_bytes = bytes_short || size_t{used_} * 2 > byte_cap_
                       ? grown(byte_cap_, need_bytes, first_bytes)
                       : byte_cap_;
  return regrow(new_fields, new_bytes);
}

std::unique_ptr<char[]> header_block::regrow(size_t fields, size_t bytes) {
  fields = std::max<size_t>(fields, size_);
  bytes = std::max<size_t>(bytes, used_);
  std::unique_ptr<char[]> b{new char[fields * sizeof(entry) + bytes]};
  if (size_ > 0)
    std::memcpy(b.get(), buf_.get(), size_t{size_} * sizeof(entry));
  if (used_ > 0)
    std::memcpy(b.get() + fields * sizeof(entry), this->bytes(), used_);
  buf_.swap(b);
  field_cap_ = static_cast<uint32_t>(fields);
  byte_cap_ = static_cast<uint32_t>(bytes);
  return b;
}

void header_block::set(std::string_view name, std::string_view value) {
  auto inside = [this](std::string_view s) {
    auto* lo = buf_.get();
    auto* hi = lo + buffer_size();
    return !s.empty() && std::less_equal<const char*>{}(lo, s.data())
           && std::less<const char*>{}(s.data(), hi);
  };
  if (buf_ && (inside(name) || inside(value))) {
    // A view of this block's own bytes would move with them: set from copies.
    std::string n{name}, v{value};
    set(n, v);
    return;
  }
  bool found = false;
  for (uint32_t i = 0; i < size_; ++i) {
    entry* e = entries() + i;
    if (e->name_len != name.size()
        || std::memcmp(bytes() + e->offset, name.data(), name.size()) != 0)
      continue;
    found = true;
    if (value.size() <= e->value_len) {
      if (!value.empty())
        std::memcpy(bytes() + e->offset + e->name_len, value.data(), value.size());
      e->value_len = static_cast<uint32_t>(value.size());
      continue;
    }
    // Too long for its old place: name and value again at the end of the bytes.
    if (name.size() + value.size() > size_t{byte_cap_} - used_)
      make_room(0, name.size() + value.size());
    put(i, name, value);
  }
  if (!found)
    add(name, value);
}

} // namespace meshlet::h2
