// hosted_cell: the smallest CAF actor that can live on an actor_host, for actors made per call
// (stream actors). A caf::actor_companion is a whole scheduled_actor (1,088 bytes: a
// four-queue mailbox, stream managers, awaited-response maps, a behaviour stack) of which a
// hosted stream actor uses nothing but a behaviour: the host queues its mail and invokes the
// behaviour directly. A cell is a monitorable_actor (120 bytes: a handle others can send to,
// attachables, an exit state) plus that behaviour and the pool's generation stamp, ~1 KiB less
// per open call.
//
// A cell answers no requests (a request is bounced with an error, as a dead actor's would be),
// never monitors, links or awaits, and has no receive timeouts: hosted per-call actors `tell`,
// and Asio timers own their deadlines.
#pragma once

#include <caf/actor_config.hpp>
#include <caf/behavior.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/monitorable_actor.hpp>

#include <atomic>
#include <cstdint>

namespace meshlet::actors {

class actor_host;

class hosted_cell final : public caf::monitorable_actor {
public:
  hosted_cell(caf::actor_config& cfg, actor_host& host)
    : caf::monitorable_actor(cfg), host_(host) {}

  // Defined in actor_host.cpp: queues the message on the host (any thread).
  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* unit) override;

  const char* name() const override { return "hosted_cell"; }

  void on_destroy() override {
    if (!getf(is_cleaned_up_flag))
      cleanup(caf::exit_reason::unreachable, nullptr);
    monitorable_actor::on_destroy();
  }

  // Terminates the cell: later messages are dropped at the host.
  void retire() {
    if (!getf(is_cleaned_up_flag))
      cleanup(caf::exit_reason::normal, nullptr);
  }

  // Bounces a request (nobody here answers) so its sender gets an error instead of a timeout.
  void refuse(caf::mailbox_element_ptr& what) { bounce(what); }

  caf::behavior behavior;
  // The object the behaviour works for, when the behaviour is one shared by every cell of a
  // kind (actor_host::shared_behavior): its handlers find it as actor_host::running_owner().
  void* owner = nullptr;
  // Reuse by the host (actor_host::acquire_cell / recycle): messages stamped with an older
  // generation, or arriving while parked between owners, are dropped, never run. Written only
  // on the host's thread; read by enqueue on any thread (hence atomic, relaxed).
  std::atomic<uint64_t> generation{0};
  void next_generation() {
    generation.store(generation.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  bool parked = false;

private:
  actor_host& host_;
};

} // namespace meshlet::actors
