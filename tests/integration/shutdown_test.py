#!/usr/bin/python3
"""meshlet shuts down gracefully on SIGTERM: GOAWAY to clients, the listener closes, calls in
flight complete OK, exit 0; a second SIGTERM exits at once even with calls in flight.

usage: shutdown_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402


def unary_total(backends):
    return sum(ec.unary_counts(backends).values())


def graceful(c, procs, backends):
    """Runs the graceful-drain scenario; records several checks on c."""
    mproc, port = procs.meshlet([b.port for b in backends], name="meshlet-graceful")
    st = ec.stub(ec.channel(port))
    base = unary_total(backends)
    calls = [ec.start_unary(st, Req(payload=b"drain%d" % i, sleep_ms=2000), timeout=15)
             for i in range(20)]
    raw = ec.RawH2(port)
    sid = raw.grpc_call("Unary", Req(payload=b"raw", sleep_ms=2000), port=port)
    ec.wait_backend_calls(backends, "Unary", base + 21)  # all 21 are in flight now
    t0 = time.monotonic()
    mproc.send_signal(signal.SIGTERM)

    def goaway():
        expect(raw.pump(lambda: raw.goaway is not None, 1.5),
               f"no GOAWAY within 1.5 s (closed={raw.closed}, error={raw.error})")
        g = raw.goaway
        expect(g.last_stream_id >= sid, f"GOAWAY last_stream_id {g.last_stream_id} < {sid} "
               "in flight: the call would be dropped")
        expect(not raw.streams[sid].done, "the raw call ended before its 2 s sleep")
    c.run("sigterm_sends_goaway", goaway)

    def listener_closes():
        expect(ec.wait_closed(port, 1.0), "listener still accepts 1 s after SIGTERM")
        still = sum(not p.done() for p in calls)
        expect(still == len(calls), f"only {still}/20 calls were still in flight when it closed")
        with ec.channel(port) as fresh:
            o = ec.finish([ec.start_unary(ec.stub(fresh), Req(), timeout=3)])[0]
        expect(o.code == Code.UNAVAILABLE, f"a new call during drain: {o}")
    c.run("sigterm_closes_listener_new_calls_fail", listener_closes)

    def in_flight_complete():
        outs = ec.finish(calls)
        expect(ec.by_code(outs) == {"OK": 20}, f"in-flight calls: {ec.by_code(outs)}")
        expect([o.reply.payload for o in outs] == [b"drain%d" % i for i in range(20)], "replies")
        expect(raw.pump(lambda: raw.streams[sid].done, 5), "raw call did not finish")
        s = raw.streams[sid]
        msgs = ec.grpc_messages(s.data)
        expect(s.status() == 0 and msgs and msgs[0].payload == b"raw",
               f"raw call: {s.header_blocks} reset={s.reset}")
    c.run("sigterm_in_flight_calls_complete_ok", in_flight_complete)
    raw.close()

    def exits_zero():
        try:
            rc = mproc.wait(timeout=max(0.1, t0 + 10 - time.monotonic()))
        except harness.subprocess.TimeoutExpired:
            expect(False, "still running 10 s after SIGTERM with nothing in flight")
        took = time.monotonic() - t0
        print(f"  exited {rc} {took:.2f}s after SIGTERM")
        expect(rc == 0, f"exit code {rc}; log tail: {procs.log('meshlet-graceful')[-500:]!r}")
    c.run("sigterm_exit_0_within_grace", exits_zero)


def second_sigterm(procs, backends):
    mproc, port = procs.meshlet([b.port for b in backends], name="meshlet-twice")
    st = ec.stub(ec.channel(port))
    base = unary_total(backends)
    calls = [ec.start_unary(st, Req(sleep_ms=10000), timeout=30) for _ in range(10)]
    ec.wait_backend_calls(backends, "Unary", base + 10)
    mproc.send_signal(signal.SIGTERM)
    # The first one has taken effect once the listener is gone (or 2 s passed).
    ec.wait_closed(port, 2.0)
    expect(mproc.poll() is None, "exited on the first SIGTERM with 10 s calls in flight")
    t1 = time.monotonic()
    mproc.send_signal(signal.SIGTERM)
    try:
        mproc.wait(timeout=3)
    except harness.subprocess.TimeoutExpired:
        expect(False, "still running 3 s after the second SIGTERM")
    took = time.monotonic() - t1
    print(f"  exited {mproc.returncode} {took:.2f}s after the second SIGTERM")
    expect(took <= 1.5, f"second SIGTERM took {took:.2f}s to exit")
    outs = ec.finish(calls)  # they fail now; they must not hang until their deadline
    late = [o for o in outs if o.ended > t1 + 3]
    expect(not any(o.code == Code.OK for o in outs), f"10 s calls ended OK: {ec.by_code(outs)}")
    expect(all(o.code != Code.DEADLINE_EXCEEDED for o in outs) and not late,
           f"calls hung: {ec.by_code(outs)}")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        backends = [procs.echo_backend(i)[0] for i in ("s1", "s2", "s3", "s4")]
        try:
            graceful(c, procs, backends)
        except Exception as e:  # noqa: BLE001 - the scenario's setup failed
            c.check("graceful_setup", False, f"{type(e).__name__}: {e}")
        c.run("second_sigterm_exits_at_once", second_sigterm, procs, backends)
    c.finish()


if __name__ == "__main__":
    main()
