// wire_codec: field-by-field conversion between messages.hpp and gossip.pb.h.
#include "mesh/membership/wire_codec.hpp"

#include "meshlet/mesh/v1/gossip.pb.h"

#include <limits>

namespace meshlet::membership {
namespace pb = meshlet::mesh::v1;
namespace {

// --- to protobuf ------------------------------------------------------------------------------

void put(const ping &m, pb::Ping &out) {
  out.set_seq(m.seq);
  out.set_target(m.target);
  out.set_source(m.source);
  out.set_source_addr(m.source_addr);
}
void put(const ack &m, pb::Ack &out) {
  out.set_seq(m.seq);
}
void put(const nack &m, pb::Nack &out) {
  out.set_seq(m.seq);
}
void put(const ping_req &m, pb::PingReq &out) {
  out.set_seq(m.seq);
  out.set_target(m.target);
  out.set_target_addr(m.target_addr);
  out.set_source(m.source);
  out.set_source_addr(m.source_addr);
  out.set_want_nack(m.want_nack);
}
void put(const alive &m, pb::Alive &out) {
  out.set_node(m.node);
  out.set_addr(m.addr);
  out.set_incarnation(m.incarnation);
}
void put(const suspect &m, pb::Suspect &out) {
  out.set_node(m.node);
  out.set_incarnation(m.incarnation);
  out.set_from(m.from);
}
void put(const dead &m, pb::Dead &out) {
  out.set_node(m.node);
  out.set_incarnation(m.incarnation);
  out.set_from(m.from);
}
void put(const endpoint_rumour &m, pb::EndpointHealth &out) {
  out.set_cluster(m.cluster);
  out.set_endpoint(m.endpoint);
  out.set_state(static_cast<pb::EndpointState>(m.state));
  out.set_version(m.version);
  out.set_reporter(m.reporter);
  out.set_observed_at_ms(m.observed_at_ms);
}
void put(const member_record &m, pb::MemberRecord &out) {
  out.set_name(m.name);
  out.set_addr(m.addr);
  out.set_incarnation(m.incarnation);
  out.set_state(static_cast<pb::MemberState>(m.state));
}
void put(const push_pull &m, pb::PushPull &out) {
  out.set_join(m.join);
  for (const auto &r : m.members)
    put(r, *out.add_members());
  for (const auto &r : m.rumours)
    put(r, *out.add_rumours());
}

void put(const message &m, pb::Message &out) {
  struct visitor {
    pb::Message &out;
    void operator()(const ping &x) { put(x, *out.mutable_ping()); }
    void operator()(const ack &x) { put(x, *out.mutable_ack()); }
    void operator()(const nack &x) { put(x, *out.mutable_nack()); }
    void operator()(const ping_req &x) { put(x, *out.mutable_ping_req()); }
    void operator()(const alive &x) { put(x, *out.mutable_alive()); }
    void operator()(const suspect &x) { put(x, *out.mutable_suspect()); }
    void operator()(const dead &x) { put(x, *out.mutable_dead()); }
    void operator()(const endpoint_rumour &x) { put(x, *out.mutable_endpoint_health()); }
  };
  std::visit(visitor{out}, m);
}

// --- from protobuf ----------------------------------------------------------------------------

ping get(const pb::Ping &m) {
  return ping{m.seq(), m.target(), m.source(), m.source_addr()};
}
ping_req get(const pb::PingReq &m) {
  return ping_req{m.seq(), m.target(), m.target_addr(), m.source(), m.source_addr(), m.want_nack()};
}

std::optional<endpoint_rumour> get(const pb::EndpointHealth &m, std::string &error) {
  if (m.state() != pb::ENDPOINT_STATE_HEALTHY && m.state() != pb::ENDPOINT_STATE_UNHEALTHY) {
    error = "unknown endpoint state " + std::to_string(m.state());
    return std::nullopt;
  }
  return endpoint_rumour{m.cluster(), m.endpoint(), static_cast<endpoint_state>(m.state()),
                         m.version(), m.reporter(), m.observed_at_ms()};
}

std::optional<message> get(const pb::Message &m, std::string &error) {
  switch (m.kind_case()) {
  case pb::Message::kPing:
    return message{get(m.ping())};
  case pb::Message::kAck:
    return message{ack{m.ack().seq()}};
  case pb::Message::kNack:
    return message{nack{m.nack().seq()}};
  case pb::Message::kPingReq:
    return message{get(m.ping_req())};
  case pb::Message::kAlive:
    return message{alive{m.alive().node(), m.alive().addr(), m.alive().incarnation()}};
  case pb::Message::kSuspect:
    return message{suspect{m.suspect().node(), m.suspect().incarnation(), m.suspect().from()}};
  case pb::Message::kDead:
    return message{dead{m.dead().node(), m.dead().incarnation(), m.dead().from()}};
  case pb::Message::kEndpointHealth:
    if (auto r = get(m.endpoint_health(), error))
      return message{std::move(*r)};
    return std::nullopt;
  case pb::Message::KIND_NOT_SET:
    break;
  }
  error = "message without a kind (unknown to this version?)";
  return std::nullopt;
}

std::optional<push_pull> get(const pb::PushPull &m, std::string &error) {
  push_pull out;
  out.join = m.join();
  out.members.reserve(static_cast<std::size_t>(m.members_size()));
  for (const auto &r : m.members()) {
    if (r.state() < pb::MEMBER_STATE_ALIVE || r.state() > pb::MEMBER_STATE_LEFT) {
      error = "unknown member state " + std::to_string(r.state());
      return std::nullopt;
    }
    out.members.push_back(
      member_record{r.name(), r.addr(), r.incarnation(), static_cast<member_state>(r.state())});
  }
  for (const auto &r : m.rumours()) {
    auto rumour = get(r, error);
    if (!rumour)
      return std::nullopt;
    out.rumours.push_back(std::move(*rumour));
  }
  return out;
}

template <class Proto>
bool parse(Proto &proto, std::string_view bytes, std::string &error) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())
      || !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "not a valid protobuf message";
    return false;
  }
  return true;
}

} // namespace

std::string encode_packet(const packet &p) {
  pb::Packet out;
  for (const auto &m : p.messages)
    put(m, *out.add_messages());
  return out.SerializeAsString();
}

std::string encode_stream(const stream_message &m) {
  pb::StreamMessage out;
  if (const auto *s = std::get_if<push_pull>(&m))
    put(*s, *out.mutable_push_pull());
  else if (const auto *p = std::get_if<ping>(&m))
    put(*p, *out.mutable_ping());
  else
    put(std::get<ack>(m), *out.mutable_ack());
  return out.SerializeAsString();
}

std::optional<packet> decode_packet(std::string_view bytes, std::string &error) {
  pb::Packet in;
  if (!parse(in, bytes, error))
    return std::nullopt;
  packet out;
  out.messages.reserve(static_cast<std::size_t>(in.messages_size()));
  for (const auto &m : in.messages()) {
    auto msg = get(m, error);
    if (!msg)
      return std::nullopt;
    out.messages.push_back(std::move(*msg));
  }
  return out;
}

std::optional<stream_message> decode_stream(std::string_view bytes, std::string &error,
                                            std::size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    error = "stream message of " + std::to_string(bytes.size()) + " bytes exceeds the limit";
    return std::nullopt;
  }
  pb::StreamMessage in;
  if (!parse(in, bytes, error))
    return std::nullopt;
  switch (in.kind_case()) {
  case pb::StreamMessage::kPushPull:
    if (auto s = get(in.push_pull(), error))
      return stream_message{std::move(*s)};
    return std::nullopt;
  case pb::StreamMessage::kPing:
    return stream_message{get(in.ping())};
  case pb::StreamMessage::kAck:
    return stream_message{ack{in.ack().seq()}};
  case pb::StreamMessage::KIND_NOT_SET:
    break;
  }
  error = "stream message without a kind";
  return std::nullopt;
}

} // namespace meshlet::membership
