// hosted_actor: the base of every actor that lives on an I/O thread (connection, stream,
// upstream connection, listener). It owns a companion on its thread's actor_host, gives it
// a behaviour, and retires it on destruction so no message reaches a dead object.
#pragma once

#include "actors/host/actor_host.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/behavior.hpp>

namespace meshlet::actors {

class hosted_actor {
public:
  // `pooled`: the companion comes from and goes back to the host's spare pool (see
  // actor_host::acquire_companion for who may be pooled).
  explicit hosted_actor(actor_host& host, bool pooled = false)
    : host_(host), handle_(pooled ? host.acquire_companion() : host.spawn_companion()),
      self_(static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(handle_))),
      pooled_(pooled) {}

  virtual ~hosted_actor() {
    if (pooled_)
      host_.recycle(std::move(handle_));
    else
      host_.retire(self_);
  }

  hosted_actor(const hosted_actor&) = delete;
  hosted_actor& operator=(const hosted_actor&) = delete;

  const caf::actor& handle() const { return handle_; }

protected:
  void set_behavior(caf::behavior b) { self_->become(std::move(b)); }
  caf::actor_companion* self() { return self_; }
  actor_host& host() { return host_; }

  // Sends to another actor with this actor as the sender.
  template <class... Ts>
  void tell(const caf::actor& dest, Ts&&... xs) {
    if (dest)
      dest->enqueue(caf::make_mailbox_element(caf::strong_actor_ptr{self_->ctrl()},
                                              caf::make_message_id(), {},
                                              std::forward<Ts>(xs)...),
                    host_.unit());
  }

private:
  actor_host& host_;
  caf::actor handle_;
  caf::actor_companion* self_;
  bool pooled_;
};

} // namespace meshlet::actors
