// A one-shot timer on an I/O thread's io_context: arm(after, fn) replaces any pending
// expiry; cancel() or destruction guarantees fn will not run.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <functional>
#include <memory>

namespace meshlet::io {

class timer {
public:
  explicit timer(asio::io_context& ctx) : timer_(ctx) {}
  ~timer() { cancel(); }
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  template <class Duration, class F>
  void arm(Duration after, F fn) {
    cancel();
    auto token = std::make_shared<bool>(true);
    token_ = token;
    timer_.expires_after(after);
    timer_.async_wait([token, fn = std::move(fn)](const asio::error_code& ec) mutable {
      if (!ec && *token)
        fn();
    });
  }

  void cancel() {
    if (token_) {
      *token_ = false;
      token_.reset();
      timer_.cancel();
    }
  }

  bool armed() const { return token_ != nullptr; }

private:
  asio::steady_timer timer_;
  std::shared_ptr<bool> token_;
};

// A timer that takes its memory (an asio timer, ~130 bytes) only once armed: for objects that
// are many and seldom time out, such as a waiting call's deadline and retry backoff.
class lazy_timer {
public:
  explicit lazy_timer(asio::io_context& ctx) : ctx_(&ctx) {}

  template <class Duration, class F>
  void arm(Duration after, F fn) {
    if (!timer_)
      timer_ = std::make_unique<timer>(*ctx_);
    timer_->arm(after, std::move(fn));
  }
  void cancel() {
    if (timer_)
      timer_->cancel();
  }
  bool armed() const { return timer_ && timer_->armed(); }

private:
  asio::io_context* ctx_;
  std::unique_ptr<timer> timer_;
};

} // namespace meshlet::io
