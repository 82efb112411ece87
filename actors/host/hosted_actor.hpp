// hosted_actor: the base of every actor that lives on an I/O thread (connection, stream,
// upstream connection, listener). It owns a companion (or, pooled, a hosted_cell) on its
// thread's actor_host, gives it a behaviour, and retires or recycles it on destruction so no
// message reaches a dead object.
#pragma once

#include "actors/host/actor_host.hpp"
#include "actors/host/hosted_cell.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/behavior.hpp>

namespace meshlet::actors {

class hosted_actor {
public:
  // `pooled`: a hosted_cell from the host's spare pool, returned there on destruction (see
  // actor_host::acquire_cell for who may be pooled; a cell answers no requests). Otherwise a
  // companion of its own, with CAF's full activation for requests.
  explicit hosted_actor(actor_host& host, bool pooled = false)
    : host_(host), handle_(pooled ? host.acquire_cell() : host.spawn_companion()),
      self_(caf::actor_cast<caf::abstract_actor*>(handle_)), pooled_(pooled) {}

  virtual ~hosted_actor() {
    if (pooled_)
      host_.recycle(std::move(handle_));
    else
      host_.retire(static_cast<caf::actor_companion*>(self_));
  }

  hosted_actor(const hosted_actor&) = delete;
  hosted_actor& operator=(const hosted_actor&) = delete;

  const caf::actor& handle() const { return handle_; }

protected:
  void set_behavior(caf::behavior b) {
    if (pooled_)
      static_cast<hosted_cell*>(self_)->behavior = std::move(b);
    else
      static_cast<caf::actor_companion*>(self_)->become(std::move(b));
  }
  // For pooled actors: runs on the host's behaviour of this kind (actor_host::shared_behavior),
  // whose handlers find this actor as running<T>(host). The behaviour is built once per host.
  template <class F>
  void use_shared_behavior(const void* key, F make) {
    auto* cell = static_cast<hosted_cell*>(self_);
    cell->behavior = host_.shared_behavior(key, make);
    cell->owner = this;
  }
  // In a shared behaviour's handler: the actor the message is for.
  template <class T>
  static T* running(actor_host& h) {
    return static_cast<T*>(static_cast<hosted_actor*>(h.running_owner()));
  }
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
  caf::abstract_actor* self_;
  bool pooled_;
};

} // namespace meshlet::actors
