// membership_config: the knobs of the SWIM + Lifeguard core, with memberlist's LAN defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace meshlet::membership {

using namespace std::chrono_literals;

struct membership_config {
  std::string name;    // unique node name
  std::string address; // where peers reach this node ("host:port"); the transport's key

  // Failure detection (SWIM): one probe per interval, indirect probes after the timeout.
  std::chrono::milliseconds probe_interval = 1000ms;
  std::chrono::milliseconds probe_timeout = 500ms;
  int indirect_checks = 3;
  // Probe target selection.
  //  shuffled:  memberlist's: each node walks its own shuffled list at its own random phase.
  //             Probes of any one member come as a Poisson stream (~1 per interval), so the
  //             wait until anyone probes a crashed member is exponential (mean ~1 interval,
  //             above 1.5 intervals 22% of the time).
  //  staggered: in round r = floor(clock / probe_interval) a node probes the member
  //             1 + r mod (N - 1) places after itself on a ring of every member ordered by a
  //             fixed hash of its name, ticking at a phase of its own within the first
  //             probe_phase_spread of the round. With agreeing views and clocks the targets of
  //             a round are a permutation, so every member is probed once per round and a
  //             crash is first probed within probe_interval + probe_phase_spread. Where views
  //             or clocks disagree, probing is as random as shuffled, never sparser.
  enum class probe_schedule { shuffled, staggered };
  probe_schedule schedule = probe_schedule::staggered;
  std::chrono::milliseconds probe_phase_spread = 100ms;
  // Added to the node's clock to number the rounds. The mesh actor sets it to wall clock minus
  // steady clock, so sidecars on hosts with synchronised clocks (NTP) share rounds; the
  // simulator leaves it 0 (one simulated clock).
  std::chrono::milliseconds round_clock_offset = 0ms;
  bool stream_fallback_ping = true; // also ping over the stream transport (memberlist's TCP ping)

  // Suspicion (Lifeguard): timeout = suspicion_mult * log10(max(1, N)) * probe_interval at
  // the minimum, suspicion_max_timeout_mult times that at the maximum; k = suspicion_mult - 2
  // independent confirmations drive it from the maximum to the minimum.
  int suspicion_mult = 4;
  int suspicion_max_timeout_mult = 6;

  // Local health awareness: probe interval and timeout scale by (score + 1), score < max.
  int awareness_max_multiplier = 8;

  // Dissemination: piggybacked broadcasts, each sent retransmit_mult * ceil(log10(N + 1)) times.
  int retransmit_mult = 4;
  std::chrono::milliseconds gossip_interval = 200ms;
  int gossip_nodes = 3;
  std::chrono::milliseconds gossip_to_the_dead = 30000ms; // gossip to, then forget, the dead
  std::size_t packet_limit = 1400;    // bytes of one UDP payload, envelope included
  std::size_t envelope_overhead = 48; // kept free for the authentication envelope (HMAC etc.)

  // Anti-entropy: full state exchange with one random live member.
  std::chrono::milliseconds push_pull_interval = 30000ms;
  bool scale_push_pull = false; // memberlist stretches the interval beyond 32 nodes
  std::chrono::milliseconds stream_timeout = 10000ms;

  // Serf-style reconnect: push-pull with a random failed member, so healed partitions merge.
  std::chrono::milliseconds reconnect_interval = 30000ms;
  std::chrono::milliseconds reconnect_timeout = std::chrono::hours{24};
  // When many failed members come back (a healed partition rather than a restart or two), views
  // elsewhere are likely stale too. Once max(resync_returns, 1% of the members) are back since
  // our last push-pull, run resync_rounds extra push-pulls: the first within [resync_delay,
  // 2 x resync_delay], the next resync_spacing later (by then most peers have caught up). The
  // periodic push-pull keeps its own phase.
  int resync_returns = 3;
  int resync_rounds = 2;
  std::chrono::milliseconds resync_delay = 2000ms;
  std::chrono::milliseconds resync_spacing = 8000ms;
};

} // namespace meshlet::membership
