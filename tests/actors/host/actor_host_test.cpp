// Tests for actor_host: messages between hosted actors run on the host's thread in order, a
// retired actor gets nothing more, a pooled cell handed to a new owner never runs what was sent
// to its previous owner (queued before the recycle, or sent while parked), requests are answered
// although plain messages skip CAF's activation (and refused with an error by a cell), messages
// from other threads reach a cell on the host's thread, and unknown messages are dropped.
#include "actors/host/actor_host.hpp"
#include "actors/host/hosted_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace meshlet::actors;

namespace {

using note_atom = caf::atom_constant<caf::atom("note")>;

// Records what it receives, tagged with its own name.
class recorder : public hosted_actor {
public:
  recorder(actor_host& h, std::string name, std::vector<std::string>& log, bool pooled)
    : hosted_actor(h, pooled), name_(std::move(name)) {
    set_behavior({[this, &log](note_atom, const std::string& what) {
      log.push_back(name_ + ":" + what);
    }});
  }
  void say(const caf::actor& to, const std::string& what) { tell(to, note_atom::value, what); }

private:
  std::string name_;
};

// Pooled, on one behaviour shared by every shared_recorder of a host.
class shared_recorder : public hosted_actor {
public:
  shared_recorder(actor_host& h, std::string name, std::vector<std::string>& log)
    : hosted_actor(h, true), name_(std::move(name)), log_(log) {
    use_shared_behavior(&key, [hp = &h] {
      ++builds;
      return caf::behavior{[hp](note_atom, const std::string& what) {
        auto* self = running<shared_recorder>(*hp);
        self->log_.push_back(self->name_ + ":" + what);
      }};
    });
  }
  static inline int builds = 0;

private:
  static inline const char key = 0;
  std::string name_;
  std::vector<std::string>& log_;
};

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  asio::io_context ctx;
  actor_host host{sys, ctx};
  std::vector<std::string> log;

  void run() {
    ctx.restart();
    ctx.run();
  }
};

} // namespace

TEST_SUITE_BEGIN("actors/actor_host");

TEST_CASE_FIXTURE(fixture, "messages between hosted actors run in order on the host's loop") {
  recorder a{host, "a", log, false}, b{host, "b", log, false};
  a.say(b.handle(), "1");
  a.say(b.handle(), "2");
  b.say(a.handle(), "3");
  CHECK(log.empty()); // nothing runs inside tell
  run();
  CHECK(log == std::vector<std::string>{"b:1", "b:2", "a:3"});
}

TEST_CASE_FIXTURE(fixture, "a retired actor's queued messages are dropped") {
  recorder a{host, "a", log, false};
  auto b = std::make_unique<recorder>(host, "b", log, false);
  auto handle = b->handle();
  a.say(handle, "lost");
  b.reset(); // retired with a message queued
  a.say(handle, "also lost");
  run();
  CHECK(log.empty());
}

TEST_CASE_FIXTURE(fixture, "a pooled cell serves its next owner, never its old owner's mail") {
  recorder a{host, "a", log, false};
  auto first = std::make_unique<recorder>(host, "first", log, true);
  auto handle = first->handle();
  a.say(handle, "queued for first");
  first.reset(); // back into the pool with a message queued for it
  a.say(handle, "sent while parked");
  run();
  CHECK(log.empty());

  recorder second{host, "second", log, true};
  CHECK(second.handle() == handle); // the same cell, reused
  a.say(handle, "for second");       // a late sender's message now reaches the new owner
  run();
  CHECK(log == std::vector<std::string>{"second:for second"});
}

TEST_CASE_FIXTURE(fixture, "queued mail of a recycled cell is dropped even when it is reused "
                           "before the queue drains") {
  recorder a{host, "a", log, false};
  auto first = std::make_unique<recorder>(host, "first", log, true);
  auto handle = first->handle();
  a.say(handle, "for first");
  first.reset();
  recorder second{host, "second", log, true}; // takes the cell before the drain
  REQUIRE(second.handle() == handle);
  a.say(handle, "for second");
  run();
  CHECK(log == std::vector<std::string>{"second:for second"});
}

namespace {
using ask_atom = caf::atom_constant<caf::atom("ask")>;

// Answers requests with a value (as the mesh actor answers the admin service).
class answerer : public hosted_actor {
public:
  explicit answerer(actor_host& h) : hosted_actor(h) {
    set_behavior({[](ask_atom, int x) { return x * 2; }});
  }
};
} // namespace

TEST_CASE_FIXTURE(fixture, "a request to a hosted actor is answered (CAF's full path)") {
  answerer a{host};
  auto guard = asio::make_work_guard(ctx);
  std::thread loop{[this] { ctx.run(); }};
  int got = 0;
  caf::scoped_actor self{sys};
  self->request(a.handle(), std::chrono::seconds{5}, ask_atom::value, 21)
    .receive([&](int v) { got = v; }, [&](caf::error&) { got = -1; });
  guard.reset();
  ctx.stop();
  loop.join();
  CHECK(got == 42);
}

TEST_CASE_FIXTURE(fixture, "a request to a pooled cell gets an error, not a timeout") {
  recorder cell{host, "cell", log, true};
  auto guard = asio::make_work_guard(ctx);
  std::thread loop{[this] { ctx.run(); }};
  bool answered = false;
  caf::error err;
  caf::scoped_actor self{sys};
  self->request(cell.handle(), std::chrono::seconds{5}, ask_atom::value, 21)
    .receive([&](int) { answered = true; }, [&](caf::error& e) { err = e; });
  guard.reset();
  ctx.stop();
  loop.join();
  CHECK_FALSE(answered);
  CHECK(err);
  CHECK(err != caf::make_error(caf::sec::request_timeout)); // refused at once, not left unanswered
  CHECK(log.empty());
}

TEST_CASE_FIXTURE(fixture, "messages from another thread reach a pooled cell on the host's thread") {
  recorder cell{host, "cell", log, true};
  auto handle = cell.handle();
  std::thread other{[&] { caf::anon_send(handle, note_atom::value, std::string{"from afar"}); }};
  other.join();
  run();
  CHECK(log == std::vector<std::string>{"cell:from afar"});
}

TEST_CASE_FIXTURE(fixture, "a shared behaviour is built once and runs for the actor each "
                           "message is for") {
  shared_recorder::builds = 0;
  recorder a{host, "a", log, false};
  auto x = std::make_unique<shared_recorder>(host, "x", log);
  shared_recorder y{host, "y", log};
  auto xh = x->handle();
  a.say(xh, "1");
  a.say(y.handle(), "2");
  a.say(xh, "3");
  run();
  CHECK(log == std::vector<std::string>{"x:1", "y:2", "x:3"});
  CHECK(shared_recorder::builds == 1);

  log.clear();
  x.reset(); // its cell back in the pool
  a.say(xh, "lost");
  shared_recorder z{host, "z", log}; // takes x's cell
  REQUIRE(z.handle() == xh);
  a.say(xh, "4");
  run();
  CHECK(log == std::vector<std::string>{"z:4"});
  CHECK(shared_recorder::builds == 1);
}

TEST_CASE_FIXTURE(fixture, "a message no handler takes is dropped; the actor goes on") {
  recorder a{host, "a", log, false}, b{host, "b", log, false};
  caf::anon_send(b.handle(), std::string{"no handler takes a bare string"});
  a.say(b.handle(), "after");
  run();
  CHECK(log == std::vector<std::string>{"b:after"});
}

TEST_SUITE_END();
