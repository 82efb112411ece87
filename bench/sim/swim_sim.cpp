// swim_sim: runs the membership scenarios on N simulated nodes and prints what it measured:
// crash detection, rumour spread, false deaths and bandwidth under loss, partition healing.
//   build/bench/sim/swim_sim --nodes 1000 --seed 1 [--scenario all|crash|rumour|steady|loss|
//     partition|join] [--trials 5] [--loss-minutes 10]
#include "mesh/membership/scaling.hpp"
#include "mesh/membership/sim/scenarios.hpp"
#include "transport/clock.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace meshlet::membership;
using namespace meshlet::membership::sim;
using std::chrono::seconds;

namespace {

struct options {
  int nodes = 1000;
  std::uint64_t seed = 1;
  std::string scenario = "all";
  int trials = 5;
  double loss = 0.10;
  double loss_minutes = 10;
  double steady_s = 60;
  double warmup_s = 60;
  double partition_s = 120;
  long latency_us = 500;
  long jitter_us = 1000;
};

cluster_config make_config(const options &o, std::uint64_t seed, double loss) {
  cluster_config c;
  c.nodes = o.nodes;
  c.seed = seed;
  c.net.latency = std::chrono::microseconds{o.latency_us};
  c.net.jitter = std::chrono::microseconds{o.jitter_us};
  c.net.loss = loss;
  return c;
}

void warm(cluster &c, const options &o) {
  c.preload();
  c.run_for(
    std::chrono::duration_cast<meshlet::duration>(std::chrono::duration<double>(o.warmup_s)));
}

std::string seconds_or_never(const std::optional<double> &s) {
  char buf[32];
  if (!s)
    return "never";
  std::snprintf(buf, sizeof buf, "%.1fs", *s);
  return buf;
}

double wall_s(meshlet::time_point since) {
  return std::chrono::duration<double>(meshlet::now() - since).count();
}

void crash_and_rumour(const options &o, bool crash, bool rumour, bool steady) {
  auto started = meshlet::now();
  cluster c{make_config(o, o.seed, 0.0)};
  warm(c, o);
  const auto &cfg = c.at(0).config();
  double timeout_s = std::chrono::duration<double>(
                       suspicion_timeout(cfg.suspicion_mult, o.nodes, cfg.probe_interval))
                       .count();
  double probe_s = std::chrono::duration<double>(cfg.probe_interval).count();
  std::printf("cluster: %d nodes, seed %llu, warmed up %.0fs; suspicion timeout %.2fs\n", o.nodes,
              static_cast<unsigned long long>(o.seed), o.warmup_s, timeout_s);
  if (steady) {
    auto s = measure_steady(
      c, std::chrono::duration_cast<meshlet::duration>(std::chrono::duration<double>(o.steady_s)));
    std::printf("steady (no loss, %.0fs): udp payload %.0f B/s/node, on the wire %.0f B/s/node, "
                "streams %.0f B/s/node, %.1f packets/s/node, false deaths %d\n",
                s.seconds, s.udp_payload_bytes_per_node_s, s.udp_wire_bytes_per_node_s,
                s.stream_bytes_per_node_s, s.packets_per_node_s, s.false_deaths);
  }
  if (rumour) {
    for (int t = 0; t < o.trials; ++t) {
      int origin = (t * 7919 + 13) % o.nodes;
      auto r = measure_rumour(c, origin, seconds{30});
      std::printf("rumour %d from n%d: %s\n", t, origin, to_string(r.seen).c_str());
      c.run_for(seconds{5});
    }
  }
  if (crash) {
    double bound = probe_s + timeout_s + 2.0;
    int within = 0, within_from_probe = 0;
    std::vector<double> dead_p9999;
    // Crash instants spread uniformly over the probe round (the measurement before ends on a
    // 100 ms grid, which would otherwise put every crash at a similar point of the round).
    std::mt19937_64 when{o.seed * 7 + 3};
    const auto interval_us =
      std::chrono::duration_cast<std::chrono::microseconds>(cfg.probe_interval).count();
    for (int t = 0; t < o.trials; ++t) {
      int victim = (t * 104729 + 101) % o.nodes;
      c.run_for(std::chrono::microseconds{
        std::uniform_int_distribution<long long>{0, interval_us - 1}(when)});
      auto r = measure_crash(c, victim, seconds{180});
      // The first probe of the victim went out a probe interval before the first suspicion.
      double from_probe = r.dead.p9999 ? *r.dead.p9999 - (r.first_suspicion_s - probe_s) : -1;
      bool ok = r.dead.p9999 && *r.dead.p9999 <= bound;
      within += ok ? 1 : 0;
      within_from_probe += (r.dead.p9999 && from_probe <= bound) ? 1 : 0;
      if (r.dead.p9999)
        dead_p9999.push_back(*r.dead.p9999);
      std::printf("crash %d of n%d: first suspicion %.2fs; suspect %s; dead %s; false deaths %d; "
                  "99.99%% dead %.2fs after the first probe; bound %.2fs %s\n",
                  t, victim, r.first_suspicion_s, to_string(r.suspect).c_str(),
                  to_string(r.dead).c_str(), r.false_deaths, from_probe, bound,
                  ok ? "met" : "MISSED");
      c.run_for(seconds{10});
    }
    std::sort(dead_p9999.begin(), dead_p9999.end());
    std::printf(
      "crash: 99.99%% dead within probe interval + suspicion timeout + 2s = %.2fs in %d of "
      "%d trials from the crash (median %.2fs), %d of %d from the first probe\n",
      bound, within, o.trials, dead_p9999.empty() ? -1.0 : dead_p9999[dead_p9999.size() / 2],
      within_from_probe, o.trials);
  }
  std::printf("(simulated %.0fs in %.1fs of wall time)\n",
              std::chrono::duration<double>(c.now().time_since_epoch()).count(), wall_s(started));
}

void lossy(const options &o) {
  auto started = meshlet::now();
  cluster c{make_config(o, o.seed + 100, 0.0)};
  warm(c, o);
  c.net().set_loss(o.loss);
  auto s = measure_steady(c, std::chrono::duration_cast<meshlet::duration>(
                               std::chrono::duration<double>(o.loss_minutes * 60)));
  std::printf("loss %.0f%% for %.0fs (%d nodes): false deaths %d, false suspicions %d "
              "(refutations %llu), failed probes %llu of %llu, max health score %d; udp payload "
              "%.0f B/s/node, on the wire %.0f B/s/node, streams %.0f B/s/node, %.1f "
              "packets/s/node\n",
              o.loss * 100, s.seconds, o.nodes, s.false_deaths, s.false_suspicions,
              static_cast<unsigned long long>(s.refutations),
              static_cast<unsigned long long>(s.probes_failed),
              static_cast<unsigned long long>(s.probes), s.max_health_score,
              s.udp_payload_bytes_per_node_s, s.udp_wire_bytes_per_node_s,
              s.stream_bytes_per_node_s, s.packets_per_node_s);
  std::printf("(wall %.1fs)\n", wall_s(started));
}

void partition(const options &o) {
  auto started = meshlet::now();
  cluster c{make_config(o, o.seed + 200, 0.0)};
  warm(c, o);
  auto p = measure_partition(
    c, std::chrono::duration_cast<meshlet::duration>(std::chrono::duration<double>(o.partition_s)),
    seconds{300});
  const auto &cfg = c.at(0).config();
  double pp = std::chrono::duration<double>(cfg.push_pull_interval).count();
  std::printf("partition 50/50 for %.0fs: split %s; healed and converged in %s (push-pull "
              "interval %.0fs)\n",
              o.partition_s, p.split ? "yes" : "no", seconds_or_never(p.converge_s).c_str(), pp);
  std::printf("(wall %.1fs)\n", wall_s(started));
}

void join(const options &o) {
  auto started = meshlet::now();
  cluster c{make_config(o, o.seed + 300, 0.0)};
  auto t = measure_join(c, std::chrono::milliseconds{10000}, seconds{600});
  std::printf("join: %d nodes join through n0 within 10s; converged after %s\n", o.nodes,
              seconds_or_never(t).c_str());
  std::printf("(wall %.1fs)\n", wall_s(started));
}

} // namespace

int main(int argc, char **argv) {
  options o;
  CLI::App app{"swim_sim: SWIM + Lifeguard membership on simulated time"};
  app.add_option("--nodes", o.nodes, "cluster size");
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--scenario", o.scenario, "all|crash|rumour|steady|loss|partition|join");
  app.add_option("--trials", o.trials, "crashes and rumours to measure");
  app.add_option("--loss", o.loss, "packet loss for the loss scenario");
  app.add_option("--loss-minutes", o.loss_minutes, "simulated minutes of the loss scenario");
  app.add_option("--steady-s", o.steady_s, "seconds of the no-loss bandwidth sample");
  app.add_option("--warmup-s", o.warmup_s, "seconds after preloading before measuring");
  app.add_option("--partition-s", o.partition_s, "how long the 50/50 partition lasts");
  app.add_option("--latency-us", o.latency_us, "one-way latency");
  app.add_option("--jitter-us", o.jitter_us, "uniform extra latency");
  CLI11_PARSE(app, argc, argv);

  const std::string &s = o.scenario;
  bool all = s == "all";
  if (all || s == "crash" || s == "rumour" || s == "steady")
    crash_and_rumour(o, all || s == "crash", all || s == "rumour", all || s == "steady");
  if (all || s == "loss")
    lossy(o);
  if (all || s == "partition")
    partition(o);
  if (all || s == "join")
    join(o);
  return 0;
}
