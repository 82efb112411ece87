// actor_host: runs CAF actors on an I/O thread. Each hosted actor is a caf::actor_companion
// whose enqueue handler queues the message here; the I/O thread drains the queue in one
// posted batch per loop turn and activates each companion with a scoped_execution_unit of
// the actor system. A message between two actors of one thread is a queue push and a
// function call, never a wake-up of another thread (DESIGN.md "Threads").
#pragma once

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <asio/io_context.hpp>

#include <mutex>
#include <vector>

namespace meshlet::actors {

class actor_host {
public:
  actor_host(caf::actor_system& sys, asio::io_context& ctx);
  ~actor_host();
  actor_host(const actor_host&) = delete;
  actor_host& operator=(const actor_host&) = delete;

  // A new companion whose messages run on this host's thread (hidden from the system's
  // actor count: its lifetime is its owner's, not the actor system's).
  caf::actor spawn_companion();
  // Terminates a companion from outside a message handler: later messages are dropped.
  void retire(caf::actor_companion* c);

  caf::actor_system& system() { return sys_; }
  asio::io_context& context() { return ctx_; }
  caf::execution_unit* unit() { return &unit_; }

private:
  struct entry {
    caf::strong_actor_ptr target;
    caf::mailbox_element_ptr element;
  };
  void push(caf::actor_companion* c, caf::mailbox_element_ptr ptr);
  void drain();

  caf::actor_system& sys_;
  asio::io_context& ctx_;
  caf::scoped_execution_unit unit_;
  std::mutex mtx_;
  std::vector<entry> queue_;
  std::vector<entry> running_;
  bool scheduled_ = false;
};

} // namespace meshlet::actors
