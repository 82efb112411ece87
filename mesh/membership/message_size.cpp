// message_size: proto3 encoding sizes, field by field, mirroring gossip.proto's field numbers
// (all below 16, so every tag is one byte; defaults are not encoded).
#include "mesh/membership/message_size.hpp"

namespace meshlet::membership {
namespace {

std::size_t uint_field(std::uint64_t v) {
  return v == 0 ? 0 : 1 + varint_size(v);
}
std::size_t int_field(std::int64_t v) {
  return uint_field(static_cast<std::uint64_t>(v));
}
std::size_t bool_field(bool v) {
  return v ? 2 : 0;
}
std::size_t string_field(const std::string &s) {
  return s.empty() ? 0 : 1 + varint_size(s.size()) + s.size();
}
std::size_t embedded(std::size_t body) { // a set sub-message field, even when empty
  return 1 + varint_size(body) + body;
}

std::size_t body(const ping &m) {
  return uint_field(m.seq) + string_field(m.target) + string_field(m.source)
         + string_field(m.source_addr);
}
std::size_t body(const ack &m) {
  return uint_field(m.seq);
}
std::size_t body(const nack &m) {
  return uint_field(m.seq);
}
std::size_t body(const ping_req &m) {
  return uint_field(m.seq) + string_field(m.target) + string_field(m.target_addr)
         + string_field(m.source) + string_field(m.source_addr) + bool_field(m.want_nack);
}
std::size_t body(const alive &m) {
  return string_field(m.node) + string_field(m.addr) + uint_field(m.incarnation);
}
std::size_t body(const suspect &m) {
  return string_field(m.node) + uint_field(m.incarnation) + string_field(m.from);
}
std::size_t body(const dead &m) {
  return string_field(m.node) + uint_field(m.incarnation) + string_field(m.from);
}
std::size_t body(const endpoint_rumour &m) {
  return string_field(m.cluster) + string_field(m.endpoint)
         + uint_field(static_cast<std::uint64_t>(m.state)) + uint_field(m.version)
         + string_field(m.reporter) + int_field(m.observed_at_ms);
}
std::size_t body(const member_record &m) {
  return string_field(m.name) + string_field(m.addr) + uint_field(m.incarnation)
         + uint_field(static_cast<std::uint64_t>(m.state));
}
std::size_t body(const push_pull &m) {
  std::size_t n = bool_field(m.join);
  for (const auto &r : m.members)
    n += embedded(body(r));
  for (const auto &r : m.rumours)
    n += embedded(body(r));
  return n;
}

} // namespace

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t message_size(const message &m) {
  return std::visit([](const auto &x) { return embedded(body(x)); }, m);
}

std::size_t packet_entry_size(const message &m) {
  return embedded(message_size(m));
}

std::size_t packet_size(const packet &p) {
  std::size_t n = 0;
  for (const auto &m : p.messages)
    n += packet_entry_size(m);
  return n;
}

std::size_t stream_message_size(const stream_message &m) {
  return std::visit([](const auto &x) { return embedded(body(x)); }, m);
}

} // namespace meshlet::membership
