// actor_host: runs CAF actors on an I/O thread. A hosted actor is a caf::actor_companion whose
// enqueue handler queues the message here, or, for actors made per call, a hosted_cell (a
// bare monitorable_actor with a behaviour); the I/O thread drains the queue in one posted
// batch per loop turn and runs each message with a scoped_execution_unit of the actor system.
// A message between two actors of one thread is a queue push and a function call, never a
// wake-up of another thread (DESIGN.md "Threads").
#pragma once

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_execution_unit.hpp>

#include <asio/io_context.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace meshlet::actors {

class hosted_companion;
class hosted_cell;

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
  // For actors made and destroyed per call (stream actors): a hosted_cell from the spare pool
  // (or a new one), and back into the pool when its owner dies. Spawning and cleaning up a
  // CAF actor per call cost ~6% of a proxied call's instructions. What was sent to the old
  // owner and not yet run is dropped (generation stamp), as is anything sent while parked;
  // what is sent to the handle after the new owner took it reaches the new owner, so only
  // actors whose every late sender is filtered by content may be pooled (a stream actor: the
  // connection forgets it before it dies, upstream messages carry the attempt's token).
  caf::actor acquire_cell();
  void recycle(caf::actor handle);

  // One behaviour for every cell of a kind (`key`: the address of something of that kind's,
  // e.g. a static), made by `make()` the first time: per-call actors then build no handlers
  // per call (a behaviour of nine handlers is ~0.5 KiB an open call would hold). Its handlers
  // find the actor they run for with running_owner().
  template <class F>
  const caf::behavior& shared_behavior(const void* key, F make) {
    for (auto& [k, b] : shared_)
      if (k == key)
        return b;
    shared_.emplace_back(key, make());
    return shared_.back().second;
  }
  // While a cell's message runs: its owner (hosted_cell::owner); nullptr otherwise.
  void* running_owner() const { return running_owner_; }

  caf::actor_system& system() { return sys_; }
  asio::io_context& context() { return ctx_; }
  caf::execution_unit* unit() { return &unit_; }

private:
  friend class hosted_cell;
  struct entry {
    caf::strong_actor_ptr target;
    caf::mailbox_element_ptr element;
    uint64_t generation; // a cell's, at the push (0 for companions)
    bool cell;
  };
  void push(entry e);
  void run(hosted_companion* c, caf::mailbox_element& e);
  void run(hosted_cell* c, entry& e);
  void drain();

  caf::actor_system& sys_;
  asio::io_context& ctx_;
  caf::scoped_execution_unit unit_;
  std::mutex mtx_;
  std::vector<entry> queue_; // from other threads, under mtx_
  bool scheduled_ = false;   // under mtx_: a drain is posted for queue_
  // The thread that drains (set by drain()); pushes from it skip the lock.
  std::atomic<std::thread::id> owner_{};
  std::vector<entry> local_; // from the owner thread
  bool local_due_ = false;   // owner thread only: a drain is running or posted
  std::vector<entry> running_;
  std::vector<caf::actor> spare_; // parked cells (acquire_cell / recycle)
  std::vector<std::pair<const void*, caf::behavior>> shared_; // shared_behavior
  void* running_owner_ = nullptr;
  static constexpr size_t max_spare = 1024;
};

} // namespace meshlet::actors
