// candidate_sampler: random draws of endpoints that can take a call.
#include "mesh/lb/candidate_sampler.hpp"

#include <numeric>

namespace meshlet::lb {

void candidate_sampler::resize(size_t n) {
  perm_.resize(n);
  std::iota(perm_.begin(), perm_.end(), size_t{0});
}

} // namespace meshlet::lb
