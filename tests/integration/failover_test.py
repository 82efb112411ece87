#!/usr/bin/python3
"""meshlet fails over and fails fast: a dead upstream costs no calls, no upstream at all is a
quick UNAVAILABLE (not a hang), a backend killed mid-load fails at most its own in-flight
calls, grpc-timeout is enforced by meshlet itself, and a cancelled call leaves it healthy.

usage: failover_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402


def one_dead_upstream(procs):
    live = [procs.echo_backend(i)[0] for i in ("d1", "d2", "d3")]
    dead = harness.free_port()  # nothing listens there, from the start
    _, port = procs.meshlet([live[0].port, dead, live[1].port, live[2].port], name="meshlet-1dead")
    # The request bodies ride with the opens: an open on the dead endpoint hands its body back
    # to the call, which carries it to a live one. Every reply must echo its payload.
    payload = bytes(range(256)) * 40
    outs = ec.unary_calls(ec.stub(ec.channel(port)), 1000, req=Req(payload=payload), window=16)
    expect(ec.by_code(outs) == {"OK": 1000}, f"codes {ec.by_code(outs)}")
    bad = [o for o in outs if o.reply.payload != payload]
    expect(not bad, f"{len(bad)} replies did not echo the request body")
    ids = ec.by_backend(outs)
    expect(set(ids) == {"d1", "d2", "d3"}, f"live backends did not all serve: {ids}")
    served = ec.unary_counts(live)
    expect(sum(served.values()) == 1000, f"backends' stats {served}")


def all_dead(procs):
    _, port = procs.meshlet([harness.free_port(), harness.free_port()], name="meshlet-alldead")
    st = ec.stub(ec.channel(port))
    for i in range(5):
        o = ec.finish([ec.start_unary(st, Req(payload=b"x"), timeout=5)])[0]
        expect(o.code == Code.UNAVAILABLE, f"call {i}: {o} (not UNAVAILABLE)")
        expect(o.details.strip() != "", f"call {i}: empty grpc-message")
        expect(o.elapsed < 2.5, f"call {i}: took {o.elapsed:.2f}s, not fast")
        if i == 0:
            print(f"  {o}")
    # The status is meshlet's own Trailers-Only answer, not grpcio's view of a dropped connection.
    c = ec.RawH2(port)
    try:
        sid = c.grpc_call("Unary", Req(payload=b"x"), port=port)
        expect(c.pump(lambda: c.streams[sid].done, 5), f"no answer in 5 s (closed={c.closed})")
        s = c.streams[sid]
        expect(s.status() == 14 and s.header(b"grpc-message"), f"headers {s.header_blocks}")
        expect(s.header_blocks[0][0].get(b":status") == b"200", f"headers {s.header_blocks}")
    finally:
        c.close()


def killed_mid_load(procs):
    ids = ["k1", "k2", "k3", "k4"]
    backends = [procs.echo_backend(i)[0] for i in ids]
    _, port = procs.meshlet([b.port for b in backends], name="meshlet-kill")
    st = ec.stub(ec.channel(port))
    calls = [ec.start_unary(st, Req(sleep_ms=4000), timeout=15) for _ in range(100)]
    in_flight = ec.wait_backend_calls(backends, "Unary", 100)
    victim = backends[0]
    victim.kill()  # SIGKILL, by PID
    victim.wait()
    t_kill = time.monotonic()
    outs = ec.finish(calls)
    failed = [o for o in outs if o.code != Code.OK]
    slowest = max((o.ended - t_kill for o in failed), default=0)
    print(f"  in flight {in_flight}, killed k1; outcomes {ec.by_code(outs)}; last failure "
          f"{slowest:.2f}s after the kill; first {failed[0] if failed else None}")
    expect(len(failed) <= in_flight["k1"], f"{len(failed)} failed > {in_flight['k1']} in flight "
           f"on the killed backend ({ec.by_code(outs)})")
    expect(all(o.code == Code.UNAVAILABLE for o in failed), f"failures {ec.by_code(failed)}")
    expect(all(o.details for o in failed), "a failure without grpc-message")
    # The dead connection is noticed at once, not when the 4 s sleeps would have ended.
    expect(slowest < 1.0, f"failed calls ended up to {slowest:.2f}s after the kill")
    after = ec.unary_calls(st, 200, window=16)
    expect(ec.by_code(after) == {"OK": 200}, f"after the kill: {ec.by_code(after)}")
    expect(set(ec.by_backend(after)) == {"k2", "k3", "k4"}, f"after: {ec.by_backend(after)}")


def grpc_timeout(st, port):
    t0 = time.monotonic()
    o = ec.finish([ec.start_unary(st, Req(sleep_ms=2000), timeout=0.2)])[0]
    expect(o.code == Code.DEADLINE_EXCEEDED and o.elapsed < 1, f"grpcio view: {o}")
    # grpcio enforces its deadline itself; a raw client does not, so this is meshlet's.
    c = ec.RawH2(port)
    try:
        short = c.grpc_call("Unary", Req(sleep_ms=2000), [(b"grpc-timeout", b"200m")], port)
        hour = c.grpc_call("Unary", Req(sleep_ms=100), [(b"grpc-timeout", b"1H")], port)
        nolimit = c.grpc_call("Unary", Req(sleep_ms=2500), port=port)
        t0 = time.monotonic()
        expect(c.pump(lambda: c.streams[short].done, 5), "200m call not ended in 5 s")
        took = time.monotonic() - t0
        s = c.streams[short]
        expect(s.status() == 4, f"200m call: {s.header_blocks} reset={s.reset}")
        expect(took < 1.0, f"200m call ended after {took:.2f}s")
        expect(c.pump(lambda: c.streams[hour].done and c.streams[nolimit].done, 8), "calls hang")
        # No default timeout kills a call that has none.
        for sid in (hour, nolimit):
            r = c.streams[sid]
            expect(r.status() == 0 and len(ec.grpc_messages(r.data)) == 1,
                   f"stream {sid}: {r.header_blocks} reset={r.reset}")
    finally:
        c.close()


UNIT_MS = {b"H": 3600e3, b"M": 60e3, b"S": 1e3, b"m": 1, b"u": 1e-3, b"n": 1e-6}


def deadline_by_meshlet(procs):
    """Against an upstream that never answers, only meshlet can end the call: at its
    grpc-timeout with DEADLINE_EXCEEDED, forwarding the remaining timeout and cancelling
    the upstream stream."""
    stall = ec.StallServer()
    c = None
    try:
        _, port = procs.meshlet([stall.port], name="meshlet-stall")
        c = ec.RawH2(port)
        sid = c.grpc_call("Unary", Req(payload=b"x"), [(b"grpc-timeout", b"200m")], port)
        t0 = time.monotonic()
        expect(c.pump(lambda: c.streams[sid].done, 5), "not ended in 5 s: grpc-timeout ignored")
        took = time.monotonic() - t0
        s = c.streams[sid]
        expect(s.status() == 4 and s.header(b"grpc-message"), f"{s.header_blocks} rst={s.reset}")
        expect(took < 1.0, f"ended after {took:.2f}s")
        expect(len(stall.requests) == 1, f"upstream saw {len(stall.requests)} requests")
        fwd = stall.requests[0][1].get(b"grpc-timeout", b"")
        ms = int(fwd[:-1]) * UNIT_MS.get(fwd[-1:], 0) if fwd[:-1].isdigit() else -1
        expect(0 < ms <= 200, f"grpc-timeout forwarded upstream as {fwd!r}")
        harness.wait_until(lambda: stall.resets, 2, "RST_STREAM at the upstream")
        expect(stall.resets[0][1] == 8, f"upstream stream reset with {stall.resets[0][1]}, not CANCEL")
    finally:
        if c:
            c.close()
        stall.stop()


def cancel_reaches_upstream(procs):
    """A client's RST_STREAM(CANCEL) is passed on to the upstream stream (DESIGN: client
    cancelled -> RST_STREAM(CANCEL) upstream), so the backend stops working for nobody."""
    stall = ec.StallServer()
    c = None
    try:
        _, port = procs.meshlet([stall.port], name="meshlet-stall-cancel")
        c = ec.RawH2(port)
        sid = c.grpc_call("ServerStream", Req(reply_count=10), port=port)
        harness.wait_until(lambda: stall.requests, 5, "the call at the upstream")
        c.cancel(sid)
        harness.wait_until(lambda: stall.resets, 2, "RST_STREAM at the upstream")
        expect(stall.resets[0][1] == 8, f"upstream stream reset with {stall.resets[0][1]}, not CANCEL")
    finally:
        if c:
            c.close()
        stall.stop()


def cancellation(mproc, st, port):
    for i in range(20):
        call = st.ServerStream(Req(reply_count=100000, reply_size=1024), timeout=20)
        for _ in range(10):
            next(call)
        call.cancel()
        expect(call.code() == Code.CANCELLED, f"round {i}: {call.code()}")
    c = ec.RawH2(port)
    try:
        sid = c.grpc_call("ServerStream", Req(reply_count=100000, reply_size=1024), port=port)
        expect(c.pump(lambda: len(c.streams[sid].data) > 100000, 5), "no data before cancel")
        c.cancel(sid)
        sid2 = c.grpc_call("Unary", Req(payload=b"after"), port=port)
        expect(c.pump(lambda: c.streams[sid2].done, 5), "call after cancel hangs")
        r = c.streams[sid2]
        expect(r.status() == 0 and ec.grpc_messages(r.data)[0].payload == b"after",
               f"same connection after cancel: {r.header_blocks}")
    finally:
        c.close()
    expect(mproc.poll() is None, f"meshlet exited with {mproc.returncode}")
    outs = ec.unary_calls(st, 100)
    expect(ec.by_code(outs) == {"OK": 100}, f"after cancels: {ec.by_code(outs)}")
    outs = ec.unary_calls(ec.stub(ec.channel(port)), 100)
    expect(ec.by_code(outs) == {"OK": 100}, f"new connection after cancels: {ec.by_code(outs)}")
    rs = list(st.ServerStream(Req(reply_count=50), timeout=10))
    expect(len(rs) == 50, f"stream after cancels: {len(rs)} replies")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        c.run("one_of_4_upstreams_dead_1000_calls_no_failure", one_dead_upstream, procs)
        c.run("all_upstreams_dead_fast_unavailable", all_dead, procs)
        c.run("backend_sigkill_mid_load", killed_mid_load, procs)
        backends = [procs.echo_backend(i)[0] for i in ("t1", "t2")]
        mproc, port = procs.meshlet([b.port for b in backends], name="meshlet-timeout")
        st = ec.stub(ec.channel(port))
        c.run("grpc_timeout_enforced", grpc_timeout, st, port)
        c.run("client_cancel_then_healthy", cancellation, mproc, st, port)
        c.run("grpc_timeout_enforced_by_meshlet", deadline_by_meshlet, procs)
        c.run("client_cancel_reaches_upstream", cancel_reaches_upstream, procs)
    c.finish()


if __name__ == "__main__":
    main()
