// retry_policy: may a failed gRPC call attempt be retried (gRPC A6 semantics), and after what
// backoff, plus the retry budget's settings (windowed_budget.hpp enforces them). Plain classes:
// time and randomness are parameters.
#pragma once

#include "transport/grpc/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace meshlet::retry {

using time_point = std::chrono::steady_clock::time_point;

// Whether any response header has reached the client. After that the call is committed.
enum class phase : std::uint8_t { before_headers_sent, after_headers_sent };

// What ended the attempt.
struct attempt_failure {
  enum class kind : std::uint8_t {
    connect_failure,          // no connection to the endpoint: nothing was sent
    refused_stream,           // RST_STREAM(REFUSED_STREAM): the server did not process it
    goaway_above_last_stream, // stream id above a GOAWAY's last-stream-id: not processed
    status,                   // grpc-status from trailers or Trailers-Only
    reset,                    // RST_STREAM(h2_error) other than REFUSED_STREAM
    timeout,                  // the attempt timed out (the call's deadline may have time left)
  };
  kind what = kind::status;
  grpc::status_code status = grpc::status_code::ok;
  std::uint32_t h2_error = 0;

  static attempt_failure connect_failure() { return {kind::connect_failure}; }
  static attempt_failure refused_stream() { return {kind::refused_stream}; }
  static attempt_failure goaway_above_last_stream() { return {kind::goaway_above_last_stream}; }
  static attempt_failure from_status(grpc::status_code c) { return {kind::status, c}; }
  static attempt_failure reset(std::uint32_t h2_error_code) {
    return {kind::reset, grpc::status_code::ok, h2_error_code};
  }
  static attempt_failure timeout() { return {kind::timeout}; }
};

struct retry_config {
  std::uint32_t max_attempts = 3;       // attempts in all, the original one included
  std::set<grpc::status_code> retry_on; // status codes retried; default none
  std::vector<std::string> methods;     // empty: all; else "/svc/method" or "/svc/*"
  std::size_t buffer_limit = 64 * 1024; // request bytes kept for replay
  std::chrono::milliseconds initial_backoff{25};
  double backoff_multiplier = 2.0;
  std::chrono::milliseconds max_backoff{250};
};

struct attempt_info {
  phase when = phase::before_headers_sent;
  attempt_failure failure;
  std::uint32_t attempt = 1;              // attempts made so far, the failed one included
  std::size_t request_bytes_buffered = 0; // request bytes the stream holds for replay
  bool request_exceeded_limit = false;    // the stream gave up buffering: no replay possible
  std::string_view method;                // the request's :path
  std::optional<std::chrono::nanoseconds> deadline_left; // none: the call has no deadline
};

// The reasons decide() gives, one per rule, in the order the rules are checked.
namespace reason {
inline constexpr std::string_view headers_sent = "response headers already sent to the client";
inline constexpr std::string_view succeeded = "the attempt succeeded";
inline constexpr std::string_view status_not_retryable = "status not in retry_on";
inline constexpr std::string_view method_not_covered = "method not covered by the retry policy";
inline constexpr std::string_view request_too_large = "request larger than the retry buffer";
inline constexpr std::string_view max_attempts = "max_attempts reached";
inline constexpr std::string_view deadline_passed = "deadline exceeded";
inline constexpr std::string_view deadline_too_close = "backoff would pass the deadline";
inline constexpr std::string_view not_processed = "retry: the upstream did not process the call";
inline constexpr std::string_view retryable_status = "retry: status in retry_on";
} // namespace reason

struct retry_decision {
  bool retry = false;
  std::string_view reason;
  std::chrono::microseconds backoff{0}; // wait this long before the next attempt (retry only)
};

// decide() checks, in order (the first that says no wins):
//  1. after_headers_sent → no.
//  2. What failed. connect_failure, refused_stream, goaway_above_last_stream and
//     reset(REFUSED_STREAM) reached no application code: retryable whatever retry_on and methods
//     say. A status is retryable only if it is in retry_on and the method matches `methods`
//     (OK never is). reset(other code) counts as the status grpc::status_from_h2_error gives it
//     (CANCEL → CANCELLED, ENHANCE_YOUR_CALM → RESOURCE_EXHAUSTED, else INTERNAL); timeout counts
//     as DEADLINE_EXCEEDED. Both then follow the status rule.
//  3. request_exceeded_limit, or more than buffer_limit bytes buffered → no.
//  4. attempt >= max_attempts → no.
//  5. Backoff before retry n = attempt (1 = first retry), full jitter (A6):
//     u × min(initial × multiplier^(n-1), max_backoff), u uniform in [0, 1) from the caller.
//  6. A deadline with no time left, or backoff >= time left → no.
// A yes still needs the cluster's retry_budget; the retry sets grpc-previous-rpc-attempts to
// `attempt` and prefers another endpoint (both the caller's job).
class retry_policy {
public:
  explicit retry_policy(retry_config config);

  retry_decision decide(const attempt_info &info, double u) const;

  // `methods` empty → true; else an exact "/svc/method" entry, or "/svc/*" matching
  // "/svc/<anything without '/'>" (non-empty).
  bool method_matches(std::string_view path) const;

  // The backoff before retry number `retry` (>= 1), for u in [0, 1).
  std::chrono::microseconds backoff(std::uint32_t retry, double u) const;

  const retry_config &config() const { return config_; }

private:
  retry_config config_;
};

// The retry budget (see windowed_budget.hpp): retries stay within ratio_percent of the calls of
// the last 10 s, plus a floor of min_retries_per_second.
struct budget_config {
  std::uint32_t ratio_percent = 20;
  std::uint32_t min_retries_per_second = 3;
};

struct budget_counters {
  std::uint64_t allowed = 0;
  std::uint64_t denied = 0;
};

} // namespace meshlet::retry
