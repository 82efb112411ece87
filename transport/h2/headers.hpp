// HTTP/2 header blocks as they travel between meshlet's actors: an immutable-once-sent
// list of (name, value) byte strings, shared by pointer so a block is never copied.
//
// Layout: one heap buffer per block holding a compact index (12 bytes per field) followed
// by the bytes of every name and value (each field's name, then its value). A block of
// ten gRPC request fields is one ~400-byte allocation; the object itself is 24 bytes.
// Offsets and lengths are 32-bit: a block holds at most 4 GiB (add throws
// std::length_error beyond), far above nghttp2's header list limits.
//
// Views (header_view, find's result) point into the buffer: add() and set() may move it,
// so a view must not be held across them. erase_if() moves no bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string_view>

namespace meshlet::h2 {

// One field of a block, as a view into the block's bytes.
struct header_view {
  std::string_view name;
  std::string_view value;
};

class header_block {
  struct entry {
    uint32_t offset;    // of the name in the bytes; the value follows it
    uint32_t name_len;
    uint32_t value_len;
  };

public:
  header_block() = default;
  // A copy holds exactly its fields: one allocation of the size they need.
  header_block(const header_block& other);
  header_block& operator=(const header_block& other);
  header_block(header_block&& other) noexcept { swap(other); }
  header_block& operator=(header_block&& other) noexcept {
    header_block{std::move(other)}.swap(*this);
    return *this;
  }
  ~header_block() = default;

  // Room for `fields` fields holding `bytes` bytes of names and values in all (like
  // vector::reserve: totals, not additions; never shrinks).
  void reserve(size_t fields, size_t bytes);

  void add(std::string_view name, std::string_view value) {
    std::unique_ptr<char[]> old; // name and value may be views into it: kept until copied
    if (size_ == field_cap_ || name.size() + value.size() > size_t{byte_cap_} - used_)
      old = make_room(1, name.size() + value.size());
    put(size_, name, value);
    ++size_;
  }

  // The value of the first field called `name`.
  std::optional<std::string_view> find(std::string_view name) const {
    const entry* e = entries();
    for (uint32_t i = 0; i < size_; ++i)
      if (e[i].name_len == name.size()
          && std::memcmp(bytes() + e[i].offset, name.data(), name.size()) == 0)
        return value_of(e[i]);
    return std::nullopt;
  }

  // Gives every field called `name` this value, in place (order kept); adds the field at
  // the end when there is none. A value that does not fit where the old one was is
  // appended to the bytes (the old bytes stay unused until the block is copied).
  void set(std::string_view name, std::string_view value);

  // Removes the fields for which pred(header_view) is true, keeping the others' order;
  // returns how many went. Their bytes stay unused until the block is copied.
  template <class Pred>
  size_t erase_if(Pred pred) {
    entry* e = entries();
    uint32_t kept = 0;
    for (uint32_t i = 0; i < size_; ++i)
      if (!pred(view_of(e[i])))
        e[kept++] = e[i];
    size_t erased = size_ - kept;
    size_ = kept;
    return erased;
  }

  // Forgets every field, keeping the buffer for the next ones.
  void clear() {
    size_ = 0;
    used_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes of names and values stored (including those left unused by set and erase_if).
  size_t bytes_used() const { return used_; }
  // The heap bytes the block holds: its index and its names and values, with room to grow.
  size_t buffer_size() const { return size_t{field_cap_} * sizeof(entry) + byte_cap_; }

  class iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = header_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = header_view;

    header_view operator*() const { return block_->view_of(*e_); }
    iterator& operator++() {
      ++e_;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++e_;
      return old;
    }
    bool operator==(const iterator& o) const { return e_ == o.e_; }
    bool operator!=(const iterator& o) const { return e_ != o.e_; }

  private:
    friend class header_block;
    iterator(const header_block* b, const entry* e) : block_(b), e_(e) {}
    const header_block* block_;
    const entry* e_;
  };
  iterator begin() const { return {this, entries()}; }
  iterator end() const { return {this, entries() + size_}; }

  void swap(header_block& o) noexcept {
    std::swap(buf_, o.buf_);
    std::swap(size_, o.size_);
    std::swap(field_cap_, o.field_cap_);
    std::swap(used_, o.used_);
    std::swap(byte_cap_, o.byte_cap_);
  }

private:
  entry* entries() { return reinterpret_cast<entry*>(buf_.get()); }
  const entry* entries() const { return reinterpret_cast<const entry*>(buf_.get()); }
  char* bytes() { return buf_.get() + size_t{field_cap_} * sizeof(entry); }
  const char* bytes() const { return buf_.get() + size_t{field_cap_} * sizeof(entry); }
  std::string_view value_of(const entry& e) const {
    return {bytes() + e.offset + e.name_len, e.value_len};
  }
  header_view view_of(const entry& e) const {
    return {{bytes() + e.offset, e.name_len}, value_of(e)};
  }
  // Writes name and value at the end of the bytes and points index slot i at them (the
  // room was made).
  void put(uint32_t i, std::string_view name, std::string_view value) {
    char* b = bytes() + used_;
    if (!name.empty())
      std::memcpy(b, name.data(), name.size());
    if (!value.empty())
      std::memcpy(b + name.size(), value.data(), value.size());
    new (entries() + i) entry{used_, static_cast<uint32_t>(name.size()),
                              static_cast<uint32_t>(value.size())};
    used_ += static_cast<uint32_t>(name.size() + value.size());
  }
  // Moves to a larger buffer with room for `fields` more fields and `bytes` more bytes;
  // returns the old one (views into it stay valid while the caller holds it). Throws
  // std::length_error past the 32-bit limits.
  std::unique_ptr<char[]> make_room(size_t fields, size_t bytes);
  // Moves to a buffer of exactly these capacities (not below what is used); returns the old.
  std::unique_ptr<char[]> regrow(size_t fields, size_t bytes);

  std::unique_ptr<char[]> buf_; // [entry x field_cap_][bytes x byte_cap_]
  uint32_t size_ = 0;
  uint32_t field_cap_ = 0;
  uint32_t used_ = 0;
  uint32_t byte_cap_ = 0;
};

using header_block_ptr = std::shared_ptr<header_block>;

inline header_block_ptr make_headers() {
  return std::make_shared<header_block>();
}

} // namespace meshlet::h2
