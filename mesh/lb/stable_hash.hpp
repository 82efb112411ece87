// stable_hash: a 64-bit string hash that is the same on every run, thread, build and machine
// (FNV-1a, then the murmur3 64-bit finalizer to spread FNV's weak low bits), for ring_hash's
// virtual nodes and keys. Not std::hash, whose values are unspecified and may vary.
#pragma once

#include <cstdint>
#include <string_view>

namespace meshlet::lb {

// murmur3's fmix64: a bijection that makes every input bit affect every output bit.
constexpr uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

constexpr uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

constexpr uint64_t stable_hash(std::string_view s) {
  return mix64(fnv1a64(s));
}

// The hash of virtual node `i` of the endpoint whose address hashes (fnv1a64) to `base`.
constexpr uint64_t stable_hash(uint64_t base, uint64_t i) {
  return mix64(base + (i + 1) * 0x9e3779b97f4a7c15ULL);
}

} // namespace meshlet::lb
