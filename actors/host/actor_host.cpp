// actor_host: the per-thread mailbox queue and its drain loop.
#include "actors/host/actor_host.hpp"

#include "actors/host/hosted_cell.hpp"
#include "actors/host/hosted_companion.hpp"

#include <caf/actor_cast.hpp>
#include <caf/detail/invoke_result_visitor.hpp>
#include <caf/spawn_options.hpp>

#include <asio/post.hpp>

namespace meshlet::actors {

actor_host::actor_host(caf::actor_system& sys, asio::io_context& ctx)
  : sys_(sys), ctx_(ctx), unit_(&sys) {
  queue_.reserve(256);
  local_.reserve(256);
  running_.reserve(256);
}

namespace {
hosted_companion* companion_of(const caf::actor& handle) {
  return static_cast<hosted_companion*>(caf::actor_cast<caf::abstract_actor*>(handle));
}

hosted_cell* cell_of(const caf::actor& handle) {
  return static_cast<hosted_cell*>(caf::actor_cast<caf::abstract_actor*>(handle));
}

// Handlers of hosted actors return nothing: their (empty) results are dropped here instead of
// being wrapped into a caf::message as behavior::operator()(message&) would.
struct drop_results final : caf::detail::invoke_result_visitor {
  void operator()() override {}
  void operator()(caf::error&) override {}
  void operator()(caf::message&) override {}
  void operator()(const caf::none_t&) override {}
};
} // namespace

actor_host::~actor_host() {
  for (auto& h : spare_)
    cell_of(h)->retire();
  spare_.clear();
  shared_.clear(); // handlers that may refer to this host go before it
}

caf::actor actor_host::spawn_companion() {
  auto handle = sys_.spawn<hosted_companion, caf::hidden>();
  auto* c = companion_of(handle);
  c->on_enqueue([this, c](caf::mailbox_element_ptr ptr) {
    push(entry{caf::strong_actor_ptr{c->ctrl()}, std::move(ptr), 0, false});
  });
  return handle;
}

void hosted_cell::enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) {
  host_.push(actor_host::entry{caf::strong_actor_ptr{ctrl()}, std::move(what),
                              generation.load(std::memory_order_relaxed), true});
}

caf::actor actor_host::acquire_cell() {
  if (spare_.empty()) {
    caf::actor_config cfg{&unit_};
    return caf::make_actor<hosted_cell, caf::actor>(sys_.next_actor_id(), sys_.node(), &sys_,
                                                     cfg, *this);
  }
  auto handle = std::move(spare_.back());
  spare_.pop_back();
  auto* c = cell_of(handle);
  c->next_generation(); // anything sent while parked stays unread
  c->parked = false;
  return handle;
}

void actor_host::recycle(caf::actor handle) {
  auto* c = cell_of(handle);
  c->behavior = caf::behavior{}; // the old owner's handlers (and what they hold) go now
  c->owner = nullptr;
  if (spare_.size() >= max_spare) {
    c->retire();
    return;
  }
  c->next_generation(); // what was queued for the old owner is dropped
  c->parked = true;
  spare_.push_back(std::move(handle));
}

void actor_host::retire(caf::actor_companion* c) {
  c->on_enqueue(nullptr);
  if (!c->getf(caf::abstract_actor::is_cleaned_up_flag)) {
    c->quit();
    c->cleanup(caf::exit_reason::normal, &unit_); // hosted_companion: no clock round trip
  }
}

void actor_host::push(entry e) {
  if (owner_.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    // From this host's own thread (an actor here telling another): no lock, and no post when
    // a drain is already running or due.
    local_.push_back(std::move(e));
    if (!local_due_) {
      local_due_ = true;
      asio::post(ctx_, [this] { drain(); });
    }
    return;
  }
  bool post = false;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    queue_.push_back(std::move(e));
    if (!scheduled_) {
      scheduled_ = true;
      post = true;
    }
  }
  if (post)
    asio::post(ctx_, [this] { drain(); });
}


void actor_host::run(hosted_companion* c, caf::mailbox_element& e) {
  // A request (the admin service asking the mesh actor for its members) takes CAF's full
  // path, which sends the handler's result back. Every other message goes straight to the
  // actor's behaviour: scheduled_actor::activate would also sort out system messages,
  // awaited responses and receive timeouts and build a response promise per message (~40 % of
  // the instructions of a message here), and hosted actors use none of them: they `tell`,
  // never request, monitor or link, and change behaviour only when built. A message no
  // handler takes is dropped.
  if (e.mid.is_request() || e.mid.is_response()) {
    c->activate(&unit_, e);
    return;
  }
  auto& stack = c->bhvr_stack();
  if (stack.empty())
    return;
  drop_results ignore;
  stack.back()(ignore, e.content());
}

void actor_host::run(hosted_cell* c, entry& e) {
  if (c->parked || c->generation.load(std::memory_order_relaxed) != e.generation
      || c->getf(caf::abstract_actor::is_cleaned_up_flag))
    return;
  if (e.element->mid.is_request()) {
    c->refuse(e.element);
    return;
  }
  if (!c->behavior)
    return;
  drop_results ignore;
  running_owner_ = c->owner;
  c->behavior(ignore, e.element->content());
  running_owner_ = nullptr;
}

void actor_host::drain() {
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  local_due_ = true; // pushes from this thread while draining join this drain
  // Messages sent while draining join the same turn, up to a bound that keeps sockets fair.
  for (int round = 0; round < 64; ++round) {
    running_.swap(local_);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (running_.empty() && queue_.empty()) {
        scheduled_ = false;
        local_due_ = false;
        return;
      }
      for (auto& e : queue_)
        running_.push_back(std::move(e));
      queue_.clear();
    }
    for (auto& e : running_) {
      auto* a = caf::actor_cast<caf::abstract_actor*>(e.target);
      if (e.cell) {
        run(static_cast<hosted_cell*>(a), e);
        continue;
      }
      auto* c = static_cast<hosted_companion*>(a);
      if (!c->getf(caf::abstract_actor::is_terminated_flag))
        run(c, *e.element);
    }
    running_.clear();
  }
  asio::post(ctx_, [this] { drain(); }); // still due: more work next turn
}

} // namespace meshlet::actors
