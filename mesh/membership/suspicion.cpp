// suspicion: confirmations and the deadline they imply (memberlist's suspicion.go model).
#include "mesh/membership/suspicion.hpp"

#include <algorithm>

namespace meshlet::membership {

suspicion::suspicion(std::string from, int k, millis min, millis max, time_point start)
  : k_(k), min_(min), max_(max), start_(start), deadline_(start + (k < 1 ? min : max)) {
  seen_.push_back(std::move(from));
}

bool suspicion::confirm(const std::string &from) {
  if (n_ >= k_)
    return false;
  if (std::find(seen_.begin(), seen_.end(), from) != seen_.end())
    return false;
  seen_.push_back(from);
  ++n_;
  deadline_ = start_ + remaining_suspicion_time(n_, k_, millis{0}, min_, max_);
  return true;
}

} // namespace meshlet::membership
