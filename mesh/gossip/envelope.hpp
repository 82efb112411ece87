// envelope: the authentication wrapper around every gossip datagram and stream frame
// (meshlet.mesh.v1.Envelope in gossip.proto). With a key ring: HMAC-SHA256 under the first key,
// accepted under any key of the ring, within a replay window of the sender's timestamp, each
// MAC once. Without one (--gossip-insecure): no MAC, only the size and format checks.
// Bytes from the network are untrusted: open() reports what is wrong and never throws.
#pragma once

#include "mesh/gossip/keyring.hpp"
#include "mesh/gossip/replay_cache.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace meshlet::gossip {

// Which transport a payload travels on; part of the MAC, so a datagram cannot be replayed as a
// stream frame or the other way round.
enum class channel : std::uint8_t { packet = 1, stream = 2 };

// Why an envelope was refused (or ok). Order is the metrics' label order.
enum class verdict : std::uint8_t {
  ok,
  oversize,       // larger than the limit (1400 bytes for a datagram)
  malformed,      // not an Envelope (or, decided by the caller, not a Packet inside)
  bad_mac,        // a MAC no key of the ring produced
  missing_mac,    // no MAC, and this node requires one
  unexpected_mac, // a MAC, and this node has no key (--gossip-insecure): a misconfigured peer
  replay,         // timestamp outside the window, or this MAC was seen already
};
inline constexpr std::size_t verdict_count = 7;
std::string_view to_string(verdict v);

struct opened {
  verdict result = verdict::malformed;
  std::string payload; // the encoded Packet / StreamMessage when result == ok
};

// HMAC-SHA256 of ("meshlet-gossip-v1" || channel || sent_at_ms big-endian || payload).
std::string envelope_mac(const std::string &key, channel c, std::uint64_t sent_at_ms,
                         std::string_view payload);

class envelope {
public:
  // `keys` null: insecure mode.
  envelope(std::shared_ptr<const keyring> keys, std::chrono::milliseconds replay_window);

  bool authenticated() const { return keys_ != nullptr; }
  std::chrono::milliseconds replay_window() const { return window_; }

  std::string seal(channel c, std::string_view payload, std::int64_t now_ms) const;
  // Checks in order: size, format, MAC, timestamp window, seen before. `now_ms` is this host's
  // wall clock (unix ms).
  opened open(channel c, std::string_view bytes, std::size_t max_bytes, std::int64_t now_ms);

private:
  std::shared_ptr<const keyring> keys_;
  std::chrono::milliseconds window_;
  replay_cache seen_;
};

} // namespace meshlet::gossip
