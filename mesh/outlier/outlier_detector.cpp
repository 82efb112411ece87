// outlier_detector and streak_tracker: see the header for the exact rules.
#include "mesh/outlier/outlier_detector.hpp"

#include <algorithm>

namespace meshlet::outlier {

failure_classifier::failure_classifier(const std::set<grpc::status_code> &statuses) {
  for (auto code : statuses) {
    auto v = static_cast<int>(code);
    if (v >= 0 && v < 32)
      mask_ |= 1u << v;
  }
}

bool failure_classifier::is_failure(const outcome &o) const {
  if (o.what != outcome::kind::status)
    return true;
  auto v = static_cast<int>(o.status);
  return v >= 0 && v < 32 && (mask_ & (1u << v)) != 0;
}

outlier_detector::outlier_detector(outlier_config config)
  : config_(std::move(config)), classifier_(config_.failure_statuses),
    threshold_(std::max<std::uint32_t>(config_.consecutive_failures, 1)) {
  auto base = std::max<std::int64_t>(config_.base_ejection.count(), 1);
  auto cap = config_.max_ejection.count();
  // ceil(max / base), at least 1: beyond it the duration is capped anyway.
  max_times_ = static_cast<std::uint32_t>(std::max<std::int64_t>((cap + base - 1) / base, 1));
}

void outlier_detector::add_endpoint(endpoint_id id) {
  endpoints_.try_emplace(id);
}

void outlier_detector::remove_endpoint(endpoint_id id) {
  endpoints_.erase(id);
}

std::uint32_t outlier_detector::decayed(const endpoint_state &s, time_point now) const {
  if (s.times_ejected == 0 || ejected_at(s, now) || now <= s.quiet_since)
    return s.times_ejected;
  auto periods = (now - s.quiet_since) / config_.base_ejection;
  if (periods >= s.times_ejected)
    return 0;
  return s.times_ejected - static_cast<std::uint32_t>(periods);
}

void outlier_detector::eject(endpoint_state &s, time_point now) {
  s.times_ejected = std::min(s.times_ejected + 1, max_times_);
  auto duration = std::min<std::chrono::milliseconds>(config_.base_ejection * s.times_ejected,
                                                      config_.max_ejection);
  s.ejected_until = now + duration;
  s.quiet_since = now + duration;
  s.streak = 0;
  ++counters_.ejections_total;
}

report_effect outlier_detector::report(endpoint_id id, const outcome &o, time_point now) {
  auto it = endpoints_.find(id);
  if (it == endpoints_.end())
    return report_effect::none;
  auto &s = it->second;
  if (ejected_at(s, now))
    return report_effect::none;
  if (!classifier_.is_failure(o)) {
    s.streak = 0;
    return report_effect::none;
  }
  if (s.streak < threshold_)
    ++s.streak;
  if (s.streak < threshold_)
    return report_effect::none;
  auto ejected = ejected_count(now);
  if ((ejected + 1) * 100 > std::size_t{config_.max_ejection_percent} * endpoints_.size()) {
    ++counters_.ejections_skipped_max_percent;
    return report_effect::ejection_skipped_max_percent;
  }
  s.times_ejected = decayed(s, now);
  eject(s, now);
  return report_effect::ejected;
}

bool outlier_detector::is_ejected(endpoint_id id, time_point now) const {
  auto it = endpoints_.find(id);
  return it != endpoints_.end() && ejected_at(it->second, now);
}

std::optional<time_point> outlier_detector::ejected_until(endpoint_id id, time_point now) const {
  auto it = endpoints_.find(id);
  if (it == endpoints_.end() || !ejected_at(it->second, now))
    return std::nullopt;
  return it->second.ejected_until;
}

std::size_t outlier_detector::ejected_count(time_point now) const {
  return static_cast<std::size_t>(
    std::count_if(endpoints_.begin(), endpoints_.end(),
                  [now](const auto &kv) { return ejected_at(kv.second, now); }));
}

std::uint32_t outlier_detector::times_ejected(endpoint_id id, time_point now) const {
  auto it = endpoints_.find(id);
  return it == endpoints_.end() ? 0 : decayed(it->second, now);
}

std::uint32_t outlier_detector::streak(endpoint_id id) const {
  auto it = endpoints_.find(id);
  return it == endpoints_.end() ? 0 : it->second.streak;
}

std::vector<endpoint_id> outlier_detector::expire(time_point now) {
  std::vector<endpoint_id> back;
  for (auto &[id, s] : endpoints_) {
    if (s.ejected_until && *s.ejected_until <= now) {
      s.ejected_until.reset();
      back.push_back(id);
    }
  }
  std::sort(back.begin(), back.end());
  return back;
}

std::optional<time_point> outlier_detector::next_expiry() const {
  std::optional<time_point> next;
  for (const auto &kv : endpoints_) {
    const auto &until = kv.second.ejected_until;
    if (until && (!next || *until < *next))
      next = until;
  }
  return next;
}

bool outlier_detector::balance_over_all(std::size_t eligible, std::size_t total) const {
  return total > 0 && eligible * 100 < std::size_t{config_.panic_threshold_percent} * total;
}

streak_tracker::streak_tracker(const outlier_config &config)
  : classifier_(config.failure_statuses),
    threshold_(std::max<std::uint32_t>(config.consecutive_failures, 1)) {}

bool streak_tracker::report(endpoint_id id, const outcome &o) {
  if (!classifier_.is_failure(o)) {
    auto it = streaks_.find(id);
    if (it != streaks_.end())
      it->second = 0;
    return false;
  }
  auto &n = streaks_[id];
  if (n == UINT32_MAX)
    return false;
  return ++n == threshold_;
}

std::uint32_t streak_tracker::streak(endpoint_id id) const {
  auto it = streaks_.find(id);
  return it == streaks_.end() ? 0 : it->second;
}

} // namespace meshlet::outlier
