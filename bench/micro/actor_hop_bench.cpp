// Actor hop on the I/O thread: two hosted actors (actors/host) on one actor_host and
// io_context, as a connection and its stream are. One iteration: the first sends to the second
// from outside a handler (as a socket callback does), the io_context runs the posted drain, the
// second answers the sender, and the answer is handled in the same drain: one round trip.
#include "actors/host/actor_host.hpp"
#include "actors/host/hosted_actor.hpp"

#include <benchmark/benchmark.h>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include <asio/io_context.hpp>

#include <cstdint>
#include <string>

namespace {

using meshlet::actors::actor_host;
using meshlet::actors::hosted_actor;

using bping_atom = caf::atom_constant<caf::atom("bping")>;
using bdata_atom = caf::atom_constant<caf::atom("bdata")>;

class pinger final : public hosted_actor {
public:
  explicit pinger(actor_host &h) : hosted_actor(h) {
    set_behavior({
      [this](bping_atom, uint64_t n) { last_ = n; },
      [this](bdata_atom, int32_t, std::string &chunk, bool) { last_ = chunk.size(); },
    });
  }
  template <class... Ts>
  void send(const caf::actor &to, Ts &&...xs) {
    tell(to, std::forward<Ts>(xs)...);
  }
  uint64_t last_ = 0;
};

// Answers every message to `peer` with the same shape (hosted actors' plain messages run
// without CAF's activation, so there is no current sender: real hosted actors name their peers
// in the message or know them, as this one does).
class ponger final : public hosted_actor {
public:
  ponger(actor_host &h, caf::actor peer) : hosted_actor(h), peer_(std::move(peer)) {
    set_behavior({
      [this](bping_atom, uint64_t n) { tell(peer_, bping_atom::value, n + 1); },
      [this](bdata_atom, int32_t sid, std::string &chunk, bool end) {
        tell(peer_, bdata_atom::value, sid, std::move(chunk), end);
      },
    });
  }

private:
  caf::actor peer_;
};

struct host_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  asio::io_context ctx;
  actor_host host;
  host_fixture() : sys(configured(cfg)), host(sys, ctx) {}
  static caf::actor_system_config &configured(caf::actor_system_config &c) {
    c.set("scheduler.max-threads", 2);
    return c;
  }
  // Runs what was posted until the loop has nothing left, ready for the next iteration.
  void turn() {
    ctx.run();
    ctx.restart();
  }
};

// A round trip of a small message (atom + integer: the shape of resp_sent / consume).
void BM_actor_hop_round_trip(benchmark::State &state) {
  host_fixture f;
  {
    pinger a{f.host};
    ponger b{f.host, a.handle()};
    uint64_t n = 0;
    for (auto _ : state) {
      a.send(b.handle(), bping_atom::value, n);
      f.turn();
      if (a.last_ != n + 1) {
        state.SkipWithError("the answer did not arrive in the same turn");
        break;
      }
      ++n;
    }
    state.SetItemsProcessed(state.iterations());
  }
  f.turn(); // nothing is left queued for the retired companions
}
BENCHMARK(BM_actor_hop_round_trip);

// A round trip of a body chunk (the shape of req_data / resp_data: stream id, bytes, end), the
// string moved through both messages; `range(0)` payload bytes.
void BM_actor_hop_data_round_trip(benchmark::State &state) {
  host_fixture f;
  const auto size = static_cast<size_t>(state.range(0));
  {
    pinger a{f.host};
    ponger b{f.host, a.handle()};
    for (auto _ : state) {
      a.send(b.handle(), bdata_atom::value, int32_t{1}, std::string(size, 'p'), false);
      f.turn();
      if (a.last_ != size) {
        state.SkipWithError("the answer did not arrive in the same turn");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
  }
  f.turn();
}
BENCHMARK(BM_actor_hop_data_round_trip)->Arg(69)->Arg(4096);

// 100 round trips queued before the loop runs (a busy connection's streams in one turn): the
// drain batches them, one post for all.
void BM_actor_hop_batch_100(benchmark::State &state) {
  host_fixture f;
  {
    pinger a{f.host};
    ponger b{f.host, a.handle()};
    uint64_t n = 0;
    for (auto _ : state) {
      for (int i = 0; i < 100; ++i)
        a.send(b.handle(), bping_atom::value, n++);
      f.turn();
      if (a.last_ != n) {
        state.SkipWithError("the answers did not arrive in the same turn");
        break;
      }
    }
    state.SetItemsProcessed(state.iterations() * 100);
    state.counters["round_trip_time"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 100),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  }
  f.turn();
}
BENCHMARK(BM_actor_hop_batch_100);

} // namespace
