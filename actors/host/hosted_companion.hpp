// hosted_companion: the caf::actor_companion every I/O-thread actor runs on, minus the one
// step that crosses threads. local_actor::cleanup() (run at the latest when the actor is
// destroyed) cancels the actor's timeouts on CAF's clock thread: a condition-variable wake-up
// of that thread per destroyed actor, i.e. per call (measured: ~10-18% of proxy CPU). Hosted
// actors never arm CAF timeouts, never await responses and run no CAF streams (Asio timers
// own deadlines), so their cleanup is monitorable_actor's: attachables, links, the flag.
#pragma once

#include <caf/actor_companion.hpp>
#include <caf/monitorable_actor.hpp>

namespace meshlet::actors {

class hosted_companion : public caf::actor_companion {
public:
  using caf::actor_companion::actor_companion;

  bool cleanup(caf::error&& fail_state, caf::execution_unit* host) override {
    return caf::monitorable_actor::cleanup(std::move(fail_state), host);
  }
};

} // namespace meshlet::actors
