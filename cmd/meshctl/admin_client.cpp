// admin_client: the socket loop around unary_call.
#include "cmd/meshctl/admin_client.hpp"

#include "transport/io/timer.hpp"
#include "transport/net/tcp_channel.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <memory>
#include <vector>

namespace meshlet::meshctl {

namespace {

// One connection attempt after another, then the call; stops the io_context's work when done.
class driver : public net::tcp_channel::owner {
public:
  driver(asio::io_context& ctx, std::vector<asio::ip::tcp::endpoint> targets,
         const call_request& req)
    : ctx_(ctx), targets_(std::move(targets)), req_(req), deadline_(ctx) {}

  ~driver() override { stop(); }

  void start() {
    deadline_.arm(req_.timeout, [this] { on_deadline(); });
    connect_next();
  }

  call_result result() const { return result_; }

  void on_connected(const asio::error_code& ec) override {
    if (ec) {
      last_error_ = ec == asio::error::timed_out ? timed_out_text() : ec.message();
      connect_next();
      return;
    }
    call_ = std::make_unique<unary_call>(req_);
    channel_->start_reading();
    flush();
  }

  void on_bytes(const uint8_t* data, size_t n) override {
    call_->on_bytes(data, n);
    flush();
  }

  void on_closed(const asio::error_code& ec) override {
    if (call_)
      call_->on_closed(ec == asio::error::eof ? std::string{} : ec.message());
    flush();
  }

private:
  std::string timed_out_text() const {
    return "no connection within " + std::to_string(req_.timeout.count()) + " ms";
  }

  void connect_next() {
    if (channel_)
      channel_->close();
    if (next_ >= targets_.size()) {
      finish({call_outcome::unreachable, grpc::status_code::unavailable, last_error_, {}});
      return;
    }
    channel_ = net::tcp_channel::make(ctx_, this);
    channel_->connect(targets_[next_++], req_.timeout);
  }

  void flush() {
    if (!call_ || done_)
      return;
    auto out = call_->take_output();
    if (!out.empty() && channel_->is_open())
      channel_->write(out); // may fail at once and report on_closed
    if (call_->done())
      finish(call_->result());
  }

  void on_deadline() {
    if (done_)
      return;
    if (!call_)
      finish({call_outcome::unreachable, grpc::status_code::unavailable, timed_out_text(), {}});
    else
      finish({call_outcome::timed_out, grpc::status_code::deadline_exceeded,
              "no response within " + std::to_string(req_.timeout.count()) + " ms", {}});
  }

  void finish(call_result r) {
    if (done_)
      return;
    done_ = true;
    result_ = std::move(r);
    stop();
  }

  // Closing the channel and cancelling the timer leaves the io_context no work: run() returns.
  void stop() {
    deadline_.cancel();
    if (channel_)
      channel_->close();
  }

  asio::io_context& ctx_;
  std::vector<asio::ip::tcp::endpoint> targets_;
  size_t next_ = 0;
  const call_request& req_;
  io::timer deadline_;
  std::shared_ptr<net::tcp_channel> channel_;
  std::unique_ptr<unary_call> call_;
  std::string last_error_ = "no address to connect to";
  call_result result_;
  bool done_ = false;
};

} // namespace

call_result call_admin(const net::address& admin, const call_request& req) {
  asio::io_context ctx;
  asio::ip::tcp::resolver resolver{ctx};
  asio::error_code ec;
  auto resolved = resolver.resolve(admin.host, std::to_string(admin.port),
                                   asio::ip::tcp::resolver::numeric_service, ec);
  if (ec)
    return {call_outcome::unreachable, grpc::status_code::unavailable, ec.message(), {}};
  std::vector<asio::ip::tcp::endpoint> targets;
  for (auto& r : resolved)
    targets.push_back(r.endpoint());
  driver d{ctx, std::move(targets), req};
  d.start();
  ctx.run();
  return d.result();
}

} // namespace meshlet::meshctl
