// scenarios: hooks on the cluster record who learnt what when; the numbers come from those.
#include "mesh/membership/sim/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace meshlet::membership::sim {
namespace {

double seconds(duration d) {
  return std::chrono::duration<double>(d).count();
}

// Runs in steps until `done` or `max_wait`; true when done.
template <class Done>
bool run_while_not(cluster &c, duration max_wait, duration step, Done done) {
  time_point end = c.now() + max_wait;
  while (c.now() < end) {
    if (done())
      return true;
    c.run_until(std::min(end, c.now() + step));
  }
  return done();
}

} // namespace

spread_times summarize(std::vector<double> s, int observers) {
  spread_times t;
  t.observers = observers;
  t.reached = static_cast<int>(s.size());
  std::sort(s.begin(), s.end());
  auto at = [&](double q) -> std::optional<double> {
    auto need = static_cast<std::size_t>(std::ceil(q * observers - 1e-9));
    if (need == 0)
      need = 1;
    if (s.size() < need)
      return std::nullopt;
    return s[need - 1];
  };
  t.p50 = at(0.5);
  t.p99 = at(0.99);
  t.p9999 = at(0.9999);
  t.all = at(1.0);
  return t;
}

std::string to_string(const spread_times &t) {
  auto f = [](const std::optional<double> &v) {
    char buf[32];
    if (!v)
      return std::string{"never"};
    std::snprintf(buf, sizeof buf, "%.2fs", *v);
    return std::string{buf};
  };
  return "p50 " + f(t.p50) + ", p99 " + f(t.p99) + ", p99.99 " + f(t.p9999) + " ("
         + std::to_string(t.reached) + "/" + std::to_string(t.observers) + ")";
}

crash_result measure_crash(cluster &c, int victim, duration max_wait) {
  crash_result r;
  const time_point t0 = c.now();
  const std::string &vname = c.name(victim);
  std::vector<double> suspect_at(c.size(), -1), dead_at(c.size(), -1);
  c.on_member_change = [&](int obs, const member &m, std::optional<member_state>) {
    if (m.name == vname) {
      double s = seconds(c.now() - t0);
      if (m.state == member_state::suspect && suspect_at[obs] < 0)
        suspect_at[obs] = s;
      if (dead_or_left(m.state) && dead_at[obs] < 0)
        dead_at[obs] = s;
      return;
    }
    int target = c.index_of(m.name);
    if (m.state == member_state::dead && target >= 0 && c.is_up(target))
      r.false_deaths++;
  };
  c.crash(victim);
  int observers = 0;
  for (int i = 0; i < c.size(); ++i)
    observers += (i != victim && c.is_up(i)) ? 1 : 0;
  run_while_not(c, max_wait, std::chrono::milliseconds{100}, [&] {
    int known = 0;
    for (int i = 0; i < c.size(); ++i)
      known += (i != victim && c.is_up(i) && dead_at[i] >= 0) ? 1 : 0;
    return known == observers;
  });
  c.on_member_change = nullptr;
  std::vector<double> s, d;
  for (int i = 0; i < c.size(); ++i) {
    if (i == victim || !c.is_up(i))
      continue;
    // A node that learnt "dead" without passing through "suspect" knew of the failure then.
    double sus = suspect_at[i] >= 0 ? suspect_at[i] : dead_at[i];
    if (sus >= 0)
      s.push_back(sus);
    if (dead_at[i] >= 0)
      d.push_back(dead_at[i]);
  }
  r.suspect = summarize(s, observers);
  r.dead = summarize(d, observers);
  if (!s.empty())
    r.first_suspicion_s = *std::min_element(s.begin(), s.end());
  return r;
}

rumour_result measure_rumour(cluster &c, int origin, duration max_wait) {
  const time_point t0 = c.now();
  const std::string &oname = c.name(origin);
  std::vector<double> seen(c.size(), -1);
  const std::string cluster_name = "payments";
  const std::string endpoint = "10.9.0." + std::to_string(origin % 250) + ":50051";
  c.on_endpoint_change = [&](int obs, const endpoint_rumour &r, bool removed) {
    if (!removed && r.reporter == oname && r.endpoint == endpoint && seen[obs] < 0)
      seen[obs] = seconds(c.now() - t0);
  };
  auto observed_ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(c.now().time_since_epoch()).count() + 1;
  c.at(origin).publish_endpoint_health(cluster_name, endpoint, endpoint_state::unhealthy,
                                       observed_ms, c.now());
  c.net().wake(origin);
  int observers = 0;
  for (int i = 0; i < c.size(); ++i)
    observers += (i != origin && c.is_up(i)) ? 1 : 0;
  run_while_not(c, max_wait, std::chrono::milliseconds{50}, [&] {
    int n = 0;
    for (int i = 0; i < c.size(); ++i)
      n += (i != origin && c.is_up(i) && seen[i] >= 0) ? 1 : 0;
    return n == observers;
  });
  c.on_endpoint_change = nullptr;
  std::vector<double> s;
  for (int i = 0; i < c.size(); ++i)
    if (i != origin && c.is_up(i) && seen[i] >= 0)
      s.push_back(seen[i]);
  return rumour_result{summarize(s, observers)};
}

steady_result measure_steady(cluster &c, duration d) {
  steady_result r;
  c.on_member_change = [&](int, const member &m, std::optional<member_state>) {
    int target = c.index_of(m.name);
    if (target < 0 || !c.is_up(target))
      return;
    if (m.state == member_state::dead)
      r.false_deaths++;
    if (m.state == member_state::suspect)
      r.false_suspicions++;
  };
  node_stats before = c.total_stats();
  const time_point t0 = c.now();
  // Run in one-second steps to sample the health scores.
  while (c.now() < t0 + d) {
    c.run_until(std::min(t0 + d, c.now() + std::chrono::seconds{1}));
    for (int i = 0; i < c.size(); ++i)
      if (c.is_up(i))
        r.max_health_score = std::max(r.max_health_score, c.at(i).health_score());
  }
  c.on_member_change = nullptr;
  node_stats after = c.total_stats();
  int up = 0;
  for (int i = 0; i < c.size(); ++i)
    up += c.is_up(i) ? 1 : 0;
  r.seconds = seconds(d);
  double per = 1.0 / (std::max(1, up) * r.seconds);
  double packets = static_cast<double>(after.sent.packets - before.sent.packets);
  double payload = static_cast<double>(after.sent.bytes - before.sent.bytes);
  const auto &ncfg = c.at(0).config();
  r.packets_per_node_s = packets * per;
  r.udp_payload_bytes_per_node_s = payload * per;
  r.udp_wire_bytes_per_node_s = (payload + packets * (ncfg.envelope_overhead + 28.0)) * per;
  r.stream_bytes_per_node_s =
    static_cast<double>(after.stream_bytes_sent - before.stream_bytes_sent) * per;
  r.refutations = after.refutations - before.refutations;
  r.probes = after.probes - before.probes;
  r.probes_failed = after.probes_failed - before.probes_failed;
  return r;
}

partition_result measure_partition(cluster &c, duration partitioned, duration max_wait) {
  partition_result r;
  const int n = c.size();
  std::vector<int> groups(n);
  for (int i = 0; i < n; ++i)
    groups[i] = i < n / 2 ? 0 : 1;
  c.partition(groups);
  c.run_for(partitioned);
  auto written_off = [](const member *m) { return m == nullptr || dead_or_left(m->state); };
  r.split = c.count_views(n - 1, written_off) >= n / 2 && c.count_views(0, written_off) >= n / 2;
  c.heal();
  const time_point healed = c.now();
  if (run_while_not(c, max_wait, std::chrono::milliseconds{100}, [&] { return c.converged(); }))
    r.converge_s = seconds(c.now() - healed);
  return r;
}

std::optional<double> measure_join(cluster &c, millis spread, duration max_wait) {
  const time_point t0 = c.now();
  c.join_all(0, spread);
  if (run_while_not(c, max_wait, std::chrono::milliseconds{250}, [&] { return c.converged(); }))
    return seconds(c.now() - t0);
  return std::nullopt;
}

} // namespace meshlet::membership::sim
