// policy: the names of the load-balancing policies and the factory that builds one from config.
#include "mesh/lb/policy.hpp"

#include "mesh/lb/least_request.hpp"
#include "mesh/lb/peak_ewma.hpp"
#include "mesh/lb/random_policy.hpp"
#include "mesh/lb/ring_hash.hpp"
#include "mesh/lb/round_robin_policy.hpp"
#include "mesh/lb/weighted_round_robin.hpp"

#include <array>

namespace meshlet::lb {

namespace {

constexpr std::array<std::string_view, 6> policy_names = {
  "round_robin", "weighted_round_robin", "least_request", "peak_ewma", "ring_hash", "random"};

} // namespace

bool is_policy_name(std::string_view name) {
  for (auto n : policy_names)
    if (n == name)
      return true;
  return false;
}

// nullptr for a name is_policy_name rejects: config is validated where it is read.
std::unique_ptr<policy> make_policy(const policy_config& cfg, uint64_t seed) {
  const std::string_view name = cfg.name;
  if (name == "round_robin")
    return std::make_unique<round_robin_policy>(seed);
  if (name == "weighted_round_robin")
    return std::make_unique<weighted_round_robin>();
  if (name == "least_request")
    return std::make_unique<least_request>(cfg.choice_count, seed);
  if (name == "peak_ewma")
    return std::make_unique<peak_ewma>(cfg.default_rtt, cfg.decay, seed);
  if (name == "ring_hash")
    return std::make_unique<ring_hash>(cfg.ring_size, seed);
  if (name == "random")
    return std::make_unique<random_policy>(seed);
  return nullptr;
}

} // namespace meshlet::lb
