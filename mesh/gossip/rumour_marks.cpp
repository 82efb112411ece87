// rumour_marks: per-endpoint marks by reporter, with expiry.
#include "mesh/gossip/rumour_marks.hpp"

namespace meshlet::gossip {

bool rumour_marks::on_rumour(const std::string &address, const std::string &reporter,
                             bool unhealthy, time_point expires) {
  bool was = marked(address);
  if (unhealthy) {
    by_address_[address][reporter] = expires;
    return !was;
  }
  auto i = by_address_.find(address);
  if (i == by_address_.end())
    return false;
  i->second.erase(reporter);
  if (i->second.empty())
    by_address_.erase(i);
  return was != marked(address);
}

namespace {

using marks_by_address = std::map<std::string, std::map<std::string, time_point>>;

// Drops every (reporter, expiry) mark `gone` says is over, then the addresses left without
// marks; true when some address lost its last one.
template <class Gone>
bool prune(marks_by_address &by_address, Gone gone) {
  bool changed = false;
  for (auto i = by_address.begin(); i != by_address.end();) {
    for (auto r = i->second.begin(); r != i->second.end();)
      r = gone(*r) ? i->second.erase(r) : std::next(r);
    if (i->second.empty()) {
      i = by_address.erase(i);
      changed = true;
    } else {
      ++i;
    }
  }
  return changed;
}

} // namespace

bool rumour_marks::drop_reporter(const std::string &reporter) {
  return prune(by_address_, [&](const auto &mark) { return mark.first == reporter; });
}

bool rumour_marks::on_local_evidence(const std::string &address) {
  return by_address_.erase(address) != 0;
}

bool rumour_marks::expire(time_point now) {
  return prune(by_address_, [&](const auto &mark) { return mark.second <= now; });
}

std::optional<time_point> rumour_marks::next_expiry() const {
  std::optional<time_point> next;
  for (const auto &[address, reporters] : by_address_)
    for (const auto &[reporter, at] : reporters)
      if (!next || at < *next)
        next = at;
  return next;
}

std::string rumour_marks::reporter_of(const std::string &address) const {
  auto i = by_address_.find(address);
  if (i == by_address_.end())
    return {};
  const std::string *best = nullptr;
  time_point latest{};
  for (const auto &[reporter, at] : i->second)
    if (best == nullptr || at > latest) {
      best = &reporter;
      latest = at;
    }
  return best ? *best : std::string{};
}

lb::endpoint_table_ptr rumour_marks::apply(lb::endpoint_table_ptr t) const {
  if (!t || by_address_.empty())
    return t;
  std::size_t eligible = 0;
  std::size_t taken = 0;
  std::size_t flagged = 0;
  for (const auto &ep : t->endpoints) {
    bool m = marked(ep.address);
    flagged += m ? 1 : 0;
    if (ep.eligible) {
      ++eligible;
      taken += m ? 1 : 0;
    }
  }
  if (flagged == 0)
    return t;
  bool take = taken < eligible; // never the last eligible endpoints
  auto copy = std::make_shared<lb::endpoint_table>(*t);
  for (auto &ep : copy->endpoints) {
    if (!marked(ep.address))
      continue;
    ep.gossip_unhealthy = true;
    ep.gossip_reporter = reporter_of(ep.address);
    if (take)
      ep.eligible = false;
  }
  return copy;
}

} // namespace meshlet::gossip
