// retry_policy and retry_budget: see the header for the exact rules.
#include "mesh/retry/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace meshlet::retry {

namespace {

constexpr std::uint32_t h2_refused_stream = 0x7;
constexpr std::uint64_t one_token = 1'000'000'000; // credit units per token (ns per second)

} // namespace

retry_policy::retry_policy(retry_config config) : config_(std::move(config)) {}

bool retry_policy::method_matches(std::string_view path) const {
  if (config_.methods.empty())
    return true;
  for (const auto &m : config_.methods) {
    std::string_view entry{m};
    if (entry.size() >= 2 && entry.substr(entry.size() - 2) == "/*") {
      auto prefix = entry.substr(0, entry.size() - 1); // "/svc/"
      if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix
          && path.find('/', prefix.size()) == std::string_view::npos)
        return true;
    } else if (path == entry) {
      return true;
    }
  }
  return false;
}

std::chrono::microseconds retry_policy::backoff(std::uint32_t retry, double u) const {
  double cap_us = static_cast<double>(
    std::chrono::duration_cast<std::chrono::microseconds>(config_.max_backoff).count());
  double us = static_cast<double>(
    std::chrono::duration_cast<std::chrono::microseconds>(config_.initial_backoff).count());
  auto exponent =
    static_cast<double>(std::min<std::uint32_t>(std::max<std::uint32_t>(retry, 1), 64) - 1);
  us = std::min(us * std::pow(config_.backoff_multiplier, exponent), cap_us);
  u = std::clamp(u, 0.0, 1.0);
  return std::chrono::microseconds{static_cast<std::int64_t>(std::floor(us * u))};
}

retry_decision retry_policy::decide(const attempt_info &info, double u) const {
  using kind = attempt_failure::kind;
  if (info.when == phase::after_headers_sent)
    return {false, reason::headers_sent};

  bool not_processed = false;
  grpc::status_code status = info.failure.status;
  switch (info.failure.what) {
  case kind::connect_failure:
  case kind::refused_stream:
  case kind::goaway_above_last_stream:
    not_processed = true;
    break;
  case kind::reset:
    if (info.failure.h2_error == h2_refused_stream)
      not_processed = true;
    else
      status = grpc::status_from_h2_error(info.failure.h2_error);
    break;
  case kind::timeout:
    status = grpc::status_code::deadline_exceeded;
    break;
  case kind::status:
    break;
  }
  if (!not_processed) {
    if (status == grpc::status_code::ok)
      return {false, reason::succeeded};
    if (config_.retry_on.count(status) == 0)
      return {false, reason::status_not_retryable};
    if (!method_matches(info.method))
      return {false, reason::method_not_covered};
  }

  if (info.request_exceeded_limit || info.request_bytes_buffered > config_.buffer_limit)
    return {false, reason::request_too_large};
  if (info.attempt >= config_.max_attempts)
    return {false, reason::max_attempts};

  auto delay = backoff(std::max<std::uint32_t>(info.attempt, 1), u);
  if (info.deadline_left) {
    if (info.deadline_left->count() <= 0)
      return {false, reason::deadline_passed};
    if (delay >= *info.deadline_left)
      return {false, reason::deadline_too_close};
  }
  return {true, not_processed ? reason::not_processed : reason::retryable_status, delay};
}

retry_budget::retry_budget(budget_config config) : config_(config) {}

void retry_budget::refill(time_point now) {
  const std::uint64_t rate = config_.min_retries_per_second;
  const std::uint64_t cap = rate * one_token;
  if (!last_refill_) {
    last_refill_ = now;
    credit_ = cap;
    return;
  }
  if (now <= *last_refill_)
    return;
  auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - *last_refill_).count();
  // One second refills the bucket from empty; clamping keeps the product in 64 bits.
  auto ns = static_cast<std::uint64_t>(std::min<std::int64_t>(elapsed, 1'000'000'000));
  credit_ = std::min(cap, credit_ + ns * rate);
  last_refill_ = now;
}

bool retry_budget::try_acquire(time_point now, std::size_t active_calls) {
  refill(now);
  if ((in_flight_ + 1) * 100 <= std::size_t{config_.ratio_percent} * active_calls) {
    ++in_flight_;
    ++counters_.allowed_by_ratio;
    return true;
  }
  if (credit_ >= one_token) {
    credit_ -= one_token;
    ++in_flight_;
    ++counters_.allowed_by_minimum;
    return true;
  }
  ++counters_.denied;
  return false;
}

void retry_budget::release() {
  if (in_flight_ > 0)
    --in_flight_;
}

} // namespace meshlet::retry
