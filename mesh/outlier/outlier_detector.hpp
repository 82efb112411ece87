// outlier_detector: passive outlier detection for one cluster (consecutive failures eject an
// endpoint for base × times ejected, capped; never more than max % of the cluster; the panic
// threshold), and streak_tracker, the per-I/O-thread streak that marks an endpoint at once.
#pragma once

#include "transport/grpc/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

namespace meshlet::outlier {

using endpoint_id = std::uint32_t; // lb::endpoint::id
using time_point = std::chrono::steady_clock::time_point;

// How one call on an endpoint ended. A grpc-status read from trailers and one read from a
// Trailers-Only response are the same outcome: a status code. The proxy maps an upstream HTTP
// status without grpc-status to a code first (grpc::status_from_http).
struct outcome {
  enum class kind : std::uint8_t { status, connect_failure, reset, timeout };
  kind what = kind::status;
  grpc::status_code status = grpc::status_code::ok; // meaningful for kind::status only

  static outcome from_status(grpc::status_code code) { return {kind::status, code}; }
  static outcome connect_failure() {
    return {kind::connect_failure, grpc::status_code::unavailable};
  }
  static outcome reset() { return {kind::reset, grpc::status_code::unavailable}; }
  static outcome timeout() { return {kind::timeout, grpc::status_code::deadline_exceeded}; }
};

struct outlier_config {
  // Status codes that count as failures; connect failures, resets and timeouts always do.
  std::set<grpc::status_code> failure_statuses{grpc::status_code::unavailable,
                                               grpc::status_code::resource_exhausted};
  std::uint32_t consecutive_failures = 5;          // a streak this long ejects (0 is treated as 1)
  std::chrono::milliseconds base_ejection{30'000}; // must be > 0
  std::chrono::milliseconds max_ejection{300'000};
  std::uint32_t max_ejection_percent = 50;
  std::uint32_t panic_threshold_percent = 50;
};

// Failure or not, without sets on the hot path: the configured codes as a bit mask.
class failure_classifier {
public:
  explicit failure_classifier(const std::set<grpc::status_code> &statuses);
  // Every outcome not counted as a failure (OK, NOT_FOUND, ...) is a success: the endpoint
  // answered.
  bool is_failure(const outcome &o) const;

private:
  std::uint32_t mask_ = 0;
};

enum class report_effect : std::uint8_t {
  none,                        // streak counted (or reset), nothing else
  ejected,                     // this failure ejected the endpoint: republish the snapshot
  ejection_skipped_max_percent // the streak reached the threshold but ejecting would exceed max %
};

struct outlier_counters {
  std::uint64_t ejections_total = 0;
  std::uint64_t ejections_skipped_max_percent = 0;
};

// The rules, exactly:
// - A failure adds one to the endpoint's streak; a success sets it to 0. Outcomes reported for
//   an endpoint while it is ejected (calls that started before the ejection) are ignored.
// - When the streak reaches consecutive_failures the endpoint is ejected for
//   min(base × times_ejected, max), times_ejected counting this ejection; the streak restarts at 0.
//   times_ejected stops growing at ceil(max / base), where the duration is already capped.
// - Unless ejecting it would leave more than max_ejection_percent of the cluster's endpoints
//   ejected, i.e. (ejected + 1) × 100 > max % × endpoints: then it is not ejected, the skip is
//   counted, and the streak is kept, so its next failure tries again (and ejects it once room
//   has come back).
// - Decay: an endpoint that is not ejected loses one times_ejected for every full base period
//   since it came back (its last ejection's end). With base 30 s: ejected at 0 s for 30 s,
//   it returns at 30 s; a new ejection before 60 s lasts 60 s, one at or after 60 s lasts 30 s.
// - An ejection ends when `now` reaches its end: is_ejected is then false, with or without
// expire().
class outlier_detector {
public:
  explicit outlier_detector(outlier_config config);

  // The cluster's endpoint set. Adding a known id is a no-op; removing forgets all its state.
  void add_endpoint(endpoint_id id);
  void remove_endpoint(endpoint_id id);
  bool contains(endpoint_id id) const { return endpoints_.count(id) != 0; }
  std::size_t endpoint_count() const { return endpoints_.size(); }

  // One call's outcome. Unknown ids are ignored (the endpoint left the cluster meanwhile).
  report_effect report(endpoint_id id, const outcome &o, time_point now);

  bool is_ejected(endpoint_id id, time_point now) const;
  std::optional<time_point> ejected_until(endpoint_id id, time_point now) const;
  std::size_t ejected_count(time_point now) const;
  // times_ejected after decay at `now` (what the next ejection builds on, minus one).
  std::uint32_t times_ejected(endpoint_id id, time_point now) const;
  std::uint32_t streak(endpoint_id id) const;

  // Endpoints whose ejection has ended by `now`, each returned once: the balancer republishes.
  std::vector<endpoint_id> expire(time_point now);
  // The earliest pending ejection end (for the balancer's timer), if any endpoint is ejected.
  std::optional<time_point> next_expiry() const;

  // Panic: with fewer than panic_threshold_percent of `total` endpoints eligible, the balancer
  // ignores eligibility and balances over all of them. False when total is 0.
  bool balance_over_all(std::size_t eligible, std::size_t total) const;

  const outlier_counters &counters() const { return counters_; }
  const outlier_config &config() const { return config_; }

private:
  struct endpoint_state {
    std::uint32_t streak = 0;
    std::uint32_t times_ejected = 0;
    std::optional<time_point> ejected_until; // kept after the end until expire() collects it
    time_point quiet_since{};                // decay counts base periods from here (the return)
  };

  static bool ejected_at(const endpoint_state &s, time_point now) {
    return s.ejected_until && *s.ejected_until > now;
  }
  std::uint32_t decayed(const endpoint_state &s, time_point now) const;
  void eject(endpoint_state &s, time_point now);

  outlier_config config_;
  failure_classifier classifier_;
  std::uint32_t threshold_;
  std::uint32_t max_times_;
  std::unordered_map<endpoint_id, endpoint_state> endpoints_;
  outlier_counters counters_;
};

// Consecutive failures per endpoint as one I/O thread sees them, so a local streak marks the
// endpoint ineligible on that thread at once while the outcome batch travels to the balancer
// (whose outlier_detector decides the real ejection, max % included). No time involved.
class streak_tracker {
public:
  explicit streak_tracker(const outlier_config &config);

  // True exactly when this failure brings the endpoint's local streak to the threshold: once per
  // streak, so a balancer that declined the ejection is not overruled by every later failure.
  // A success resets the streak.
  bool report(endpoint_id id, const outcome &o);
  std::uint32_t streak(endpoint_id id) const;
  void forget(endpoint_id id) { streaks_.erase(id); }
  void clear() { streaks_.clear(); }

private:
  failure_classifier classifier_;
  std::uint32_t threshold_;
  std::unordered_map<endpoint_id, std::uint32_t> streaks_;
};

} // namespace meshlet::outlier
