// retry_policy: see the header for the exact rules.
#include "mesh/retry/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace meshlet::retry {

namespace {

constexpr std::uint32_t h2_refused_stream = 0x7;

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

} // namespace meshlet::retry
