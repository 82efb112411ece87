// mesh_actor: sockets, timer and membership core of this sidecar's gossip member.
#include "actors/mesh/mesh_actor.hpp"

#include "actors/mesh/gossip_metrics.hpp"
#include "mesh/membership/state_rules.hpp"
#include "transport/clock.hpp"
#include "transport/net/address.hpp"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <random>

namespace meshlet::actors {
namespace {

using membership::member_state;

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0')
    return "meshlet";
  return buf;
}

// The IP peers reach us on: the bind IP, or for a wildcard bind this host's first
// non-loopback IPv4 address (127.0.0.1 when it has none).
std::string advertise_ip(const asio::ip::address& bind) {
  if (!bind.is_unspecified())
    return bind.to_string();
  std::string found = "127.0.0.1";
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return found;
  for (auto* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET)
      continue;
    auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    asio::ip::address_v4 a{ntohl(sin->sin_addr.s_addr)};
    if (!a.is_loopback()) {
      found = a.to_string();
      break;
    }
  }
  ::freeifaddrs(list);
  return found;
}

} // namespace

std::unique_ptr<mesh_actor> mesh_actor::make(actor_host& host, asio::io_context& ctx,
                                             mesh_settings s, std::string& error) {
  auto counters = std::make_shared<gossip::gossip_counters>();
  gossip::envelope env{s.keys, s.replay_window};
  auto transport = std::make_unique<gossip_transport>(ctx, std::move(env), counters);
  error = transport->bind(s.bind_ip, s.bind_port);
  if (!error.empty())
    return nullptr;
  membership::membership_config cfg = s.tuning;
  cfg.address = net::address{advertise_ip(s.bind_ip), transport->port()}.to_string();
  cfg.name = s.name.empty() ? host_name() + ":" + std::to_string(transport->port()) : s.name;
  // Probe rounds by the wall clock: sidecars on synchronised hosts share them (staggered
  // probe schedule, membership_config::probe_schedule).
  cfg.round_clock_offset = std::chrono::milliseconds{
    wall_clock_ms()
    - std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count()};
  return std::unique_ptr<mesh_actor>{new mesh_actor(host, ctx, std::move(s), std::move(cfg),
                                                    std::move(counters), std::move(transport))};
}

mesh_actor::mesh_actor(actor_host& host, asio::io_context& ctx, mesh_settings s,
                       membership::membership_config cfg,
                       std::shared_ptr<gossip::gossip_counters> counters,
                       std::unique_ptr<gossip_transport> transport)
  : hosted_actor(host), ctx_(ctx), settings_(std::move(s)), cfg_(std::move(cfg)),
    counters_(std::move(counters)), transport_(std::move(transport)), tick_timer_(ctx),
    left_future_(left_.get_future().share()) {
  node_ = std::make_unique<membership::node>(cfg_, *transport_, std::random_device{}(), now());
  // Seeds naming ourselves are no seeds: the first member of a cluster joins nobody.
  auto& seeds = settings_.seeds;
  seeds.erase(std::remove(seeds.begin(), seeds.end(), cfg_.address), seeds.end());
  joined_ = seeds.empty();
  observe();
  count_members();
  set_behavior(behavior());
}

mesh_actor::~mesh_actor() {
  tick_timer_.cancel();
  node_.reset();
  if (transport_)
    transport_->close();
}

std::shared_ptr<prometheus::Collectable> mesh_actor::metrics() const {
  return make_gossip_metrics(counters_);
}

void mesh_actor::start() {
  asio::post(ctx_, [this] {
    transport_->start(
      [this](const std::string& from, membership::packet p) {
        node_->on_packet(from, std::move(p), now());
        schedule();
      },
      [this](const std::string& from, const membership::stream_message& req) {
        auto reply = node_->on_stream(from, req, now());
        schedule();
        return reply;
      },
      [this](const std::string& from, gossip::verdict why, bool stream) {
        on_dropped(from, why, stream);
      });
    if (!joined_) {
      node_->join(settings_.seeds, now());
      next_join_at_ = now() + settings_.join_retry;
    }
    schedule();
  });
}

void mesh_actor::begin_leave() {
  asio::post(ctx_, [this] {
    if (leaving_)
      return;
    leaving_ = true;
    spdlog::info("gossip: {} leaving the mesh", cfg_.name);
    node_->leave(now());
    on_tick();
  });
}

bool mesh_actor::await_leave(std::chrono::milliseconds max_wait) {
  begin_leave();
  return left_future_.wait_for(max_wait) == std::future_status::ready;
}

void mesh_actor::schedule() {
  auto wait = node_->next_deadline() - now();
  if (wait < duration::zero())
    wait = duration::zero();
  tick_timer_.arm(wait, [this] { on_tick(); });
}

void mesh_actor::on_tick() {
  auto t = now();
  node_->tick(t);
  if (!joined_ && !leaving_ && t >= next_join_at_) {
    node_->join(settings_.seeds, t);
    next_join_at_ = t + settings_.join_retry;
  }
  if (leaving_ && !leave_signalled_) {
    bool alone = true;
    for (const auto& m : node_->members())
      alone = alone && (m.name == cfg_.name || membership::dead_or_left(m.state));
    if (alone || node_->leave_announced()) {
      leave_signalled_ = true;
      left_.set_value();
    }
  }
  schedule();
}

// --- observer: members, rumours, joins --------------------------------------------------------

void mesh_actor::observe() {
  membership::node_observer o;
  o.on_member_change = [this](const membership::member& m, std::optional<member_state> old) {
    count_members();
    if (m.name == cfg_.name)
      return;
    if (!joined_ && m.state == member_state::alive)
      joined_ = true; // someone joined through us: we are in a cluster, stop retrying seeds
    switch (m.state) {
    case member_state::alive:
      if (!old || membership::dead_or_left(*old))
        spdlog::info("gossip: member {} at {} joined (incarnation {})", m.name, m.addr,
                     m.incarnation);
      else
        spdlog::info("gossip: member {} at {} is alive again (incarnation {})", m.name, m.addr,
                     m.incarnation);
      break;
    case member_state::suspect:
    case member_state::dead:
    case member_state::left:
      spdlog::info("gossip: member {} at {} {} (incarnation {})", m.name, m.addr,
                   m.state == member_state::suspect ? "is suspect"
                   : m.state == member_state::dead  ? "is dead"
                                                     : "left",
                   m.incarnation);
      break;
    }
  };
  o.on_endpoint_change = [this](const membership::endpoint_rumour& r, bool removed) {
    route(r, removed);
  };
  o.on_join = [this](const std::string& seed, bool ok) {
    if (ok && !joined_) {
      joined_ = true;
      spdlog::info("gossip: {} joined the mesh through {} ({} member(s))", cfg_.name, seed,
                   node_->member_count());
    } else if (!ok && !joined_) {
      if (join_failures_++ % 30 == 0) // the first, then about once a minute
        spdlog::warn("gossip: join through {} failed; retrying every {} ms", seed,
                     settings_.join_retry.count());
    }
  };
  node_->set_observer(std::move(o));
}

void mesh_actor::count_members() {
  std::array<std::int64_t, 4> n{};
  for (const auto& m : node_->members())
    ++n[static_cast<std::size_t>(m.state)];
  for (std::size_t i = 0; i < n.size(); ++i)
    counters_->members[i].store(n[i], std::memory_order_relaxed);
}

void mesh_actor::on_dropped(const std::string& from, gossip::verdict why, bool stream) {
  ++drops_unlogged_;
  auto t = now();
  if (drop_log_at_ != time_point{} && t - drop_log_at_ < std::chrono::seconds{10})
    return;
  spdlog::warn("gossip: dropped {} {}(s) since the last report (this one: {} from {})",
               drops_unlogged_, stream ? "stream frame" : "packet", gossip::to_string(why), from);
  drop_log_at_ = t;
  drops_unlogged_ = 0;
}

// --- endpoint health --------------------------------------------------------------------------

void mesh_actor::publish(const std::string& cluster, const std::string& address, bool healthy) {
  if (leaving_)
    return;
  spdlog::info("gossip: telling the mesh that {} endpoint {} is {}", cluster, address,
               healthy ? "healthy" : "unhealthy");
  node_->publish_endpoint_health(cluster, address,
                                 healthy ? membership::endpoint_state::healthy
                                         : membership::endpoint_state::unhealthy,
                                 wall_clock_ms(), now());
  schedule();
}

void mesh_actor::route(const membership::endpoint_rumour& r, bool removed) {
  if (r.reporter == cfg_.name)
    return;
  auto b = balancers_.find(r.cluster);
  if (b == balancers_.end())
    return;
  bool unhealthy = !removed && r.state == membership::endpoint_state::unhealthy;
  std::int64_t ttl_ms = 0;
  if (unhealthy) {
    const auto* m = node_->find_member(r.reporter);
    bool live = m != nullptr && !membership::dead_or_left(m->state);
    std::int64_t age = r.observed_at_ms > 0 ? wall_clock_ms() - r.observed_at_ms : 0;
    ttl_ms = settings_.rumour_ttl.count() - std::max<std::int64_t>(0, age);
    unhealthy = live && ttl_ms > 0; // a dead reporter's or a stale verdict marks nothing
    if (unhealthy)
      spdlog::info("gossip: {} reports {} endpoint {} unhealthy (marked for {} ms)", r.reporter,
                   r.cluster, r.endpoint, ttl_ms);
  }
  tell(b->second, rumour_atom::value, r.endpoint, r.reporter, unhealthy,
       unhealthy ? ttl_ms : std::int64_t{0});
}

members_view mesh_actor::view() const {
  members_view v;
  v.self = cfg_.name;
  v.address = cfg_.address;
  for (const auto& m : node_->members())
    v.members.push_back(member_info{m.name, m.addr, m.state, m.incarnation, m.name == cfg_.name});
  return v;
}

caf::behavior mesh_actor::behavior() {
  return {
    [this](members_atom) { return view(); },
    [this](balancers_atom, const balancer_map& m) {
      auto before = std::move(balancers_);
      balancers_ = m;
      for (const auto& [cluster, b] : balancers_) {
        auto old = before.find(cluster);
        if (old != before.end() && old->second == b)
          continue;
        tell(b, mesh_atom::value, handle());
        for (const auto& r : node_->endpoint_views())
          if (r.cluster == cluster)
            route(r, false);
      }
    },
    [this](local_health_atom, const std::string& cluster, const std::string& address,
           bool healthy) { publish(cluster, address, healthy); },
    [this](ejected_atom, const std::string& cluster, const std::string& address) {
      // Every I/O thread ejects on its own evidence: one rumour for a burst of them.
      auto key = cluster + "/" + address;
      auto t = now();
      auto i = last_ejection_published_.find(key);
      if (i != last_ejection_published_.end() && t - i->second < std::chrono::seconds{1})
        return;
      last_ejection_published_[key] = t;
      publish(cluster, address, false);
    },
    [this](call_ok_atom, const std::string& cluster, const std::string& address) {
      auto b = balancers_.find(cluster);
      if (b != balancers_.end())
        tell(b->second, evidence_atom::value, address);
    },
  };
}

} // namespace meshlet::actors
