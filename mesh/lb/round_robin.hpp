// round_robin: picks the next eligible endpoint of a snapshot in turn, skipping those the
// caller rules out (already tried by this call, or unreachable from this thread).
#pragma once

#include "mesh/lb/endpoint_table.hpp"

#include <cstddef>
#include <functional>
#include <optional>

namespace meshlet::lb {

class round_robin {
public:
  // `usable(i)` says whether endpoint i may take this call. Returns the index picked, or
  // nullopt when no endpoint is eligible and usable.
  template <class Usable>
  std::optional<size_t> pick(const endpoint_table& t, Usable&& usable) {
    const size_t n = t.endpoints.size();
    for (size_t k = 0; k < n; ++k) {
      size_t i = next_++ % n;
      if (t.endpoints[i].eligible && usable(i))
        return i;
    }
    return std::nullopt;
  }

private:
  size_t next_ = 0;
};

} // namespace meshlet::lb
