// endpoint_events: ejections and rumour-contradicting successes, handed to the worker's hook.
#include "actors/mesh/endpoint_events.hpp"

namespace meshlet::actors {

void note_endpoint_outcome(const io_worker& w, const cluster_runtime& rt,
                           const lb::endpoint_table_ptr& picked_from, size_t picked,
                           const outlier::outcome& o, outlier::report_effect effect) {
  const auto& hook = w.endpoint_events();
  if (!hook || !picked_from || picked >= picked_from->endpoints.size())
    return;
  const auto& ep = picked_from->endpoints[picked];
  if (effect == outlier::report_effect::ejected) {
    hook(rt.name, ep.address, true);
    return;
  }
  bool ok = o.what == outlier::outcome::kind::status && o.status == grpc::status_code::ok;
  if (!ok || !rt.table || rt.table == picked_from)
    return; // eligible when picked, and no newer snapshot since: nothing to contradict
  for (const auto& now : rt.table->endpoints)
    if (now.id == ep.id) {
      if (now.gossip_unhealthy)
        hook(rt.name, ep.address, false);
      return;
    }
}

} // namespace meshlet::actors
