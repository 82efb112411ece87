// io_worker: the I/O thread's loop, its snapshot, pools, connections and flush batching.
#include "actors/io/io_worker.hpp"

#include "actors/connection/connection_actor.hpp"
#include "actors/listener/listener_actor.hpp"
#include "actors/upstream/upstream_pool.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <algorithm>

namespace meshlet::actors {

io_worker::io_worker(caf::actor_system& sys, size_t index, worker_config cfg)
  : sys_(sys), index_(index), cfg_(std::move(cfg)), host_(sys, ctx_) {
  listener_ = std::make_unique<listener_actor>(*this);
}

io_worker::~io_worker() {
  stop();
  join();
}

std::string io_worker::bind() {
  return listener_->bind(cfg_.listen);
}

uint16_t io_worker::bound_port() const {
  return listener_->port();
}

void io_worker::start() {
  listener_->start();
  thread_ = std::thread{[this] {
    auto guard = asio::make_work_guard(ctx_);
    ctx_.run();
  }};
}

void io_worker::publish(lb::endpoint_table_ptr table) {
  asio::post(ctx_, [this, table = std::move(table)]() mutable { table_ = std::move(table); });
}

void io_worker::drain(std::function<void()> on_idle) {
  asio::post(ctx_, [this, on_idle = std::move(on_idle)]() mutable {
    draining_ = true;
    on_idle_ = std::move(on_idle);
    listener_->stop();
    for (auto& [raw, c] : connections_)
      c->drain();
    check_idle();
  });
}

void io_worker::stop() {
  ctx_.stop();
}

void io_worker::join() {
  if (thread_.joinable())
    thread_.join();
  // The thread's actors die on this thread's watch, while the actor system lives.
  dirty_.clear();
  connections_.clear();
  pools_.clear();
  listener_.reset();
}

upstream_pool& io_worker::pool_for(const lb::endpoint& ep) {
  auto& p = pools_[ep.address];
  if (!p)
    p = std::make_unique<upstream_pool>(*this, ep);
  return *p;
}

void io_worker::request_flush(flushable* f) {
  if (f->flush_scheduled_)
    return;
  f->flush_scheduled_ = true;
  dirty_.push_back(f);
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(ctx_, [this] { flush_all(); });
  }
}

void io_worker::cancel_flush(flushable* f) {
  if (!f->flush_scheduled_)
    return;
  f->flush_scheduled_ = false;
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), f), dirty_.end());
}

void io_worker::flush_all() {
  flush_posted_ = false;
  // flush() may schedule more (a closing connection wakes others): take the list first.
  auto batch = std::move(dirty_);
  dirty_.clear();
  for (auto* f : batch)
    f->flush_scheduled_ = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    // A flush may destroy a later entry's owner only through release(), which defers.
    batch[i]->flush();
  }
}

void io_worker::adopt(std::unique_ptr<connection_actor> c) {
  auto* raw = c.get();
  connections_.emplace(raw, std::move(c));
  if (draining_)
    raw->drain();
}

void io_worker::release(connection_actor* c) {
  asio::post(ctx_, [this, c] {
    auto i = connections_.find(c);
    if (i == connections_.end())
      return;
    auto doomed = std::move(i->second);
    connections_.erase(i);
    doomed.reset();
    check_idle();
  });
}

void io_worker::check_idle() {
  if (draining_ && connections_.empty() && on_idle_) {
    auto f = std::move(on_idle_);
    on_idle_ = nullptr;
    f();
  }
}

} // namespace meshlet::actors
