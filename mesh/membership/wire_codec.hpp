// wire_codec: the membership structs to and from their protobuf wire form (gossip.proto).
// Bytes from the network are untrusted: decoding reports what is wrong and never throws.
#pragma once

#include "mesh/membership/messages.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace meshlet::membership {

std::string encode_packet(const packet &p);
std::string encode_stream(const stream_message &m);

// nullopt with `error` set when the bytes are not a valid Packet / StreamMessage: unparsable,
// too large, a message with no kind, or an enum value this version does not know.
std::optional<packet> decode_packet(std::string_view bytes, std::string &error);
std::optional<stream_message> decode_stream(std::string_view bytes, std::string &error,
                                            std::size_t max_bytes = 16 << 20);

} // namespace meshlet::membership
