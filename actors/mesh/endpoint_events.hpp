// endpoint_events: what one call's outcome tells the gossip mesh, decided on the call's I/O
// thread without a lock or a message in the common case. An outlier ejection is news (a rare
// event: one cross-thread message to the mesh actor); so is a successful call on an endpoint
// that the thread's current snapshot (newer than the one the call was picked from) marks
// ineligible, i.e. local evidence against a rumour. Everything else costs a pointer compare.
#pragma once

#include "actors/io/io_worker.hpp"
#include "mesh/outlier/outlier_detector.hpp"

namespace meshlet::actors {

// `picked_from` is the snapshot the call picked endpoint `picked` from.
void note_endpoint_outcome(const io_worker& w, const cluster_runtime& rt,
                           const lb::endpoint_table_ptr& picked_from, size_t picked,
                           const outlier::outcome& o, outlier::report_effect effect);

} // namespace meshlet::actors
