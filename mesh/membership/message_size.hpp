// message_size: the exact protobuf-encoded size of each message (gossip.proto), computed
// without protobuf so the core can pack packets up to the limit and count bytes.
#pragma once

#include "mesh/membership/messages.hpp"

#include <cstddef>
#include <cstdint>

namespace meshlet::membership {

std::size_t varint_size(std::uint64_t v);

// Size of the Message wrapper (the oneof with one field set).
std::size_t message_size(const message &m);
// What one message adds to a Packet: the repeated field's tag and length plus the Message.
std::size_t packet_entry_size(const message &m);
std::size_t packet_size(const packet &p);

std::size_t stream_message_size(const stream_message &m);

} // namespace meshlet::membership
