// lb_block: the `lb:` block of a cluster — policy name and that policy's parameters.
#include "mesh/config/lb_block.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace meshlet::config::detail {

namespace {

constexpr int64_t max_choice_count = 100;
constexpr int64_t max_ring_size = 8'388'608;

// For "(expected: ...)" in messages; lb::is_policy_name decides what is accepted.
constexpr std::array<std::string_view, 6> policy_names = {
  "round_robin", "weighted_round_robin", "least_request", "peak_ewma", "ring_hash", "random"};

std::string policy_list() {
  std::string out;
  for (auto p : policy_names)
    out += (out.empty() ? "" : ", ") + std::string{p};
  return out;
}

// Which policy each parameter belongs to.
struct lb_param {
  std::string_view key;
  std::string_view policy;
};
constexpr std::array<lb_param, 5> lb_params = {{{"choice_count", "least_request"},
                                                {"default_rtt_ms", "peak_ewma"},
                                                {"decay_ms", "peak_ewma"},
                                                {"hash_header", "ring_hash"},
                                                {"ring_size", "ring_hash"}}};

} // namespace

void read_lb(const YAML::Node& n, lb::policy_config& out, diagnostics& diags) {
  map_reader m(n, "lb",
               {"policy", "choice_count", "default_rtt_ms", "decay_ms", "hash_header", "ring_size"},
               diags);
  bool policy_known = true;
  if (auto p = m.string("policy", false)) {
    policy_known = lb::is_policy_name(*p);
    if (policy_known)
      out.name = *p;
    else
      diags.error(m.value_mark("policy"),
                  "unknown lb policy " + quoted(*p) + " (expected: " + policy_list() + ")");
  } else if (m.has("policy")) {
    policy_known = false;
  }
  // Whether `key` is given for the policy it belongs to (reported when given for another).
  auto applies = [&](std::string_view key) {
    if (!m.has(key))
      return false;
    auto owner = std::find_if(lb_params.begin(), lb_params.end(),
                              [&](const lb_param& p) { return p.key == key; })
                   ->policy;
    if (policy_known && out.name != owner) {
      diags.error(m.key_mark(key), quoted(key) + " applies only to lb policy "
                                     + std::string{owner} + ", not " + out.name);
      return false;
    }
    return true;
  };
  using ms = std::chrono::milliseconds;
  if (applies("choice_count"))
    if (auto v = m.integer("choice_count", 2, max_choice_count, false))
      out.choice_count = static_cast<unsigned>(*v);
  if (applies("default_rtt_ms"))
    if (auto v = m.integer("default_rtt_ms", 1, max_duration_ms, false))
      out.default_rtt = ms{*v};
  if (applies("decay_ms"))
    if (auto v = m.integer("decay_ms", 1, max_duration_ms, false))
      out.decay = ms{*v};
  if (applies("hash_header"))
    if (auto h = m.string("hash_header", false)) {
      auto name = detail::to_lower(*h);
      if (detail::valid_header_name(name))
        out.hash_header = name;
      else
        diags.error(m.value_mark("hash_header"),
                    "'hash_header' in lb must be a header name, got " + quoted(*h));
    }
  if (applies("ring_size"))
    if (auto v = m.integer("ring_size", 1, max_ring_size, false))
      out.ring_size = static_cast<unsigned>(*v);
  if (policy_known && out.name == "ring_hash" && !m.has("hash_header"))
    diags.error(m.mark(), "lb policy ring_hash needs 'hash_header' (the request header to hash)");
}

} // namespace meshlet::config::detail
