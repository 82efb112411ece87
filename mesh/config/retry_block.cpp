// retry_block: the `retry:` block of a cluster and its `budget:`.
#include "mesh/config/retry_block.hpp"

#include "mesh/config/status_names.hpp"

#include <chrono>
#include <set>
#include <string>

namespace meshlet::config::detail {

namespace {

constexpr int64_t max_attempts = 10;
constexpr int64_t max_buffer_limit = 16 << 20;
constexpr double max_multiplier = 10; // beyond it the first retry already waits max_backoff
constexpr int64_t max_min_retries_per_second = 10'000;

void read_methods(map_reader& m, std::vector<std::string>& out, diagnostics& diags) {
  auto items = m.strings("methods", "method patterns", false);
  if (!items)
    return;
  std::set<std::string> seen;
  std::vector<std::string> methods;
  for (const auto& item : *items) {
    if (!valid_method_pattern(item.value))
      diags.error(item.mark, "method pattern " + quoted(item.value)
                               + " in retry must be /package.Service/Method or "
                                 "/package.Service/*");
    else if (!seen.insert(item.value).second)
      diags.error(item.mark, quoted(item.value) + " is listed twice in 'methods' of retry");
    else
      methods.push_back(item.value);
  }
  out = std::move(methods);
}

void read_budget(const YAML::Node& n, retry::budget_config& out, diagnostics& diags) {
  map_reader m(n, "retry budget", {"ratio_percent", "min_retries_per_second"}, diags);
  if (auto v = m.integer("ratio_percent", 0, 100, false))
    out.ratio_percent = static_cast<uint32_t>(*v);
  if (auto v = m.integer("min_retries_per_second", 0, max_min_retries_per_second, false))
    out.min_retries_per_second = static_cast<uint32_t>(*v);
}

} // namespace

bool valid_method_pattern(std::string_view p) {
  if (p.size() < 2 || p.front() != '/')
    return false;
  auto slash = p.find('/', 1);
  if (slash == std::string_view::npos || slash == 1 || slash + 1 == p.size())
    return false;
  auto service = p.substr(1, slash - 1);
  auto method = p.substr(slash + 1);
  if (method.find('/') != std::string_view::npos || service.find('*') != std::string_view::npos)
    return false;
  if (method.find('*') != std::string_view::npos && method != "*")
    return false;
  for (char c : p)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return false;
  return true;
}

void read_retry(const YAML::Node& n, retry::retry_config& out, retry::budget_config& budget,
                diagnostics& diags) {
  map_reader m(n, "retry",
               {"max_attempts", "retry_on", "methods", "buffer_limit_bytes", "initial_backoff_ms",
                "max_backoff_ms", "backoff_multiplier", "budget"},
               diags);
  if (auto v = m.integer("max_attempts", 1, max_attempts, false))
    out.max_attempts = static_cast<uint32_t>(*v);
  if (auto s = read_status_set(m, "retry_on", diags))
    out.retry_on = std::move(*s);
  read_methods(m, out.methods, diags);
  if (auto v = m.integer("buffer_limit_bytes", 0, max_buffer_limit, false))
    out.buffer_limit = static_cast<size_t>(*v);
  using ms = std::chrono::milliseconds;
  auto initial = m.integer("initial_backoff_ms", 1, max_duration_ms, false);
  auto max = m.integer("max_backoff_ms", 1, max_duration_ms, false);
  if (initial)
    out.initial_backoff = ms{*initial};
  if (max)
    out.max_backoff = ms{*max};
  bool usable = m.has("initial_backoff_ms") == initial.has_value()
                && m.has("max_backoff_ms") == max.has_value();
  if (usable && out.initial_backoff > out.max_backoff) {
    if (max)
      diags.error(m.value_mark("max_backoff_ms"),
                  "'max_backoff_ms' in retry must be at least initial_backoff_ms ("
                    + std::to_string(out.initial_backoff.count()) + (initial ? "" : " by default")
                    + "), got " + std::to_string(*max));
    else
      diags.error(m.value_mark("initial_backoff_ms"),
                  "'initial_backoff_ms' in retry must be at most max_backoff_ms ("
                    + std::to_string(out.max_backoff.count()) + " by default), got "
                    + std::to_string(*initial));
  }
  if (auto v = m.number("backoff_multiplier", 1, max_multiplier, false))
    out.backoff_multiplier = *v;
  if (auto b = m.map("budget", false))
    read_budget(*b, budget, diags);
}

} // namespace meshlet::config::detail
