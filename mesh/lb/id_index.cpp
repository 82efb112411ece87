// id_index: endpoint id → index in one snapshot.
#include "mesh/lb/id_index.hpp"

#include <algorithm>

namespace meshlet::lb {

void id_index::rebuild(const endpoint_table& t) {
  by_id_.clear();
  by_id_.reserve(t.endpoints.size());
  for (size_t i = 0; i < t.endpoints.size(); ++i)
    by_id_.emplace_back(t.endpoints[i].id, static_cast<uint32_t>(i));
  // stable: of two endpoints with one id, the first index wins.
  std::stable_sort(by_id_.begin(), by_id_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::optional<size_t> id_index::find(uint32_t id) const {
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                             [](const auto& entry, uint32_t key) { return entry.first < key; });
  if (it == by_id_.end() || it->first != id)
    return std::nullopt;
  return it->second;
}

} // namespace meshlet::lb
