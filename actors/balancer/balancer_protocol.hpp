// Messages the balancer actor (one per cluster, on CAF's scheduler) accepts.
//   (publish)   re-send the current snapshot to every I/O thread
#pragma once

#include <caf/atom.hpp>

namespace meshlet::actors {

using publish_atom = caf::atom_constant<caf::atom("publish")>;

} // namespace meshlet::actors
