#!/usr/bin/python3
"""Gossiped endpoint health end to end: two sidecars A and B (`meshlet --threads 1`) in front of
the same 3 backends (b1, b3: testkit echo_backend; b2: a python grpcio Echo server, this file
run with --py-backend, that answers normally until SIGUSR1 and then ends every call
UNAVAILABLE, until SIGUSR2). A and B gossip (--gossip-bind, B joins A); B's own health checks
are slow (--health-interval-ms 30000), so only A's word can move B quickly.
  - premise: B spreads calls over all 3 backends, b2 included;
  - b2 starts failing; calls through A make A's outlier detection eject it, and A gossips
    "unhealthy"; B marks b2 within 2 s of A's ejection (measured) and from then on sends it
    none of its calls (b2's own call count), although B itself never saw b2 fail;
  - b2 recovers and A is killed (-9): once B's membership declares A dead, A's rumour is dropped
    with its reporter and B sends b2 calls again.

usage: gossip_e2e_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
       gossip_e2e_test.py --py-backend flaky ID PORT_FILE STATS_FILE   (b2 itself)
"""
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Req, expect  # noqa: E402

import grpc  # noqa: E402

REACT_WITHIN_S = 2.0
T = 5  # per-call deadline (s)


def flaky_servicer(backend_id):
    """Echo that fails every call with UNAVAILABLE between SIGUSR1 and SIGUSR2."""
    failing = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: failing.set())
    signal.signal(signal.SIGUSR2, lambda *_: failing.clear())

    class Flaky(ec.echo_pb2_grpc.EchoServicer):
        def Unary(self, request, context):
            if failing.is_set():
                context.abort(grpc.StatusCode.UNAVAILABLE, f"{backend_id}: failing")
            return ec.Reply(payload=request.payload, backend_id=backend_id)
    return Flaky()


if __name__ == "__main__" and sys.argv[1:2] == ["--py-backend"]:
    _id, _port_file, _stats_file = sys.argv[3:6]
    ec.serve_python_backend(_id, _port_file, _stats_file, flaky_servicer(_id))
    sys.exit(0)


def unary_total(proc):
    return ec.backend_stats(proc)["calls"].get("Unary", 0)


STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\]", re.M)


def stamp_of(log, pos):
    """The spdlog timestamp (seconds, ms precision) of the log line holding offset pos."""
    start = log.rfind("\n", 0, pos) + 1
    m = STAMP.match(log, start)
    if not m:
        return None
    day, clock = m.group(1).split(" ")
    h, mi, sec = clock.split(":")
    return int(h) * 3600 + int(mi) * 60 + float(sec)


class LogWatch:
    """Records, polling every 10 ms in a thread, when a regex first matches a log (.at,
    time.monotonic()) and the matching line's own timestamp (.stamp, from spdlog)."""

    def __init__(self, procs, name, pattern):
        self.procs, self.name, self.pattern = procs, name, re.compile(pattern)
        self.at = None
        self.stamp = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set() and self.at is None:
            log = self.procs.log(self.name)
            m = self.pattern.search(log)
            if m:
                self.stamp = stamp_of(log, m.start())
                self.at = time.monotonic()
            time.sleep(0.01)

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while self.at is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.at

    def stop(self):
        self._stop.set()


def start_sidecars(procs, ctx):
    b1, _ = procs.echo_backend("b1")
    b2 = ec.start_python_backend(procs, __file__, "flaky", "b2")
    b3, _ = procs.echo_backend("b3")
    ups = [b1.port, b2.port, b3.port]
    ga, gb = harness.free_port(), harness.free_port()
    a, a_port = procs.meshlet(ups, name="A", extra=[
        "--threads", "1", "--gossip-bind", f"127.0.0.1:{ga}", "--gossip-insecure",
        "--node-name", "A"])
    b, b_port = procs.meshlet(ups, name="B", extra=[
        "--threads", "1", "--health-interval-ms", "30000", "--gossip-bind", f"127.0.0.1:{gb}",
        "--gossip-insecure", "--node-name", "B", "--gossip-join", f"127.0.0.1:{ga}"])
    harness.wait_until(lambda: "gossip: member A at" in procs.log("B") and
                       "gossip: member B at" in procs.log("A"), 10, "A and B to see each other")
    ctx.update(b1=b1, b2=b2, b3=b3, a=a, b=b, st_a=ec.stub(ec.channel(a_port)),
               st_b=ec.stub(ec.channel(b_port)))


def b_spreads_over_all(ctx):
    before = unary_total(ctx["b2"])
    outs = ec.unary_calls(ctx["st_b"], 60, Req(payload=b"p"), window=4, timeout=T)
    ids = ec.by_backend(outs)
    d = unary_total(ctx["b2"]) - before
    print(f"  info via B: {ids}; b2 saw {d}", flush=True)
    expect(ec.by_code(outs) == {"OK": 60}, f"codes {ec.by_code(outs)}")
    expect(set(ids) == {"b1", "b2", "b3"} and d >= 10, f"spread {ids}, b2 saw {d}")


def a_ejects_b_follows(procs, ctx):
    b2 = ctx["b2"]
    addr = re.escape(f"127.0.0.1:{b2.port}")
    published = LogWatch(procs, "A", rf"telling the mesh that default endpoint {addr} is unhealthy")
    marked = LogWatch(procs, "B", rf"endpoint {addr} marked unhealthy \(gossip, A\)")
    b2.send_signal(signal.SIGUSR1)
    # Sequential calls through A (each judged before the next is balanced) until it ejects b2.
    a_calls = 0
    while published.at is None and a_calls < 200:
        ec.unary_calls(ctx["st_a"], 1, Req(payload=b"a"), window=1, timeout=T)
        a_calls += 1
    t_pub = published.wait(1.0)
    expect(t_pub is not None, f"A did not gossip b2 unhealthy after {a_calls} calls")
    t_mark = marked.wait(REACT_WITHIN_S + 3)
    published.stop()
    marked.stop()
    expect(t_mark is not None, "B never marked b2 from A's rumour")
    # Both logs stamp their lines from this host's clock (ms): the reaction time itself.
    react = t_mark - t_pub
    if published.stamp is not None and marked.stamp is not None:
        react = marked.stamp - published.stamp
    print(f"  info A ejected b2 after {a_calls} calls; B marked it {react * 1000:.0f} ms after "
          f"A's publish (log timestamps)", flush=True)
    expect(react <= REACT_WITHIN_S, f"B reacted after {react:.2f}s, want <= {REACT_WITHIN_S}s")
    ctx["t_pub"] = t_pub

    # From then on B sends b2 nothing, although b2 never failed a call of B's.
    before = unary_total(b2)
    outs = ec.unary_calls(ctx["st_b"], 60, Req(payload=b"q"), window=4, timeout=T)
    d = unary_total(b2) - before
    ids = ec.by_backend(outs)
    print(f"  info via B after the rumour: {ids}; b2 saw {d}", flush=True)
    expect(ec.by_code(outs) == {"OK": 60}, f"codes {ec.by_code(outs)}")
    expect(d == 0 and set(ids) == {"b1", "b3"}, f"b2 still got {d} of B's calls ({ids})")
    expect("is down (health check)" not in procs.log("B"),
           "B's own health check took b2 down: the premise (rumour only) does not hold")


def dead_reporter_rumour_dropped(procs, ctx):
    b2 = ctx["b2"]
    b2.send_signal(signal.SIGUSR2)  # healthy again; only A's word keeps B away from it
    t0 = time.monotonic()
    ctx["a"].kill()
    ctx["a"].wait()
    addr = f"127.0.0.1:{b2.port}"
    harness.wait_until(lambda: "gossip: member A at" in procs.log("B") and
                       re.search(r"gossip: member A at \S+ is dead", procs.log("B")), 15,
                       "B to declare A dead")
    t_dead = time.monotonic() - t0
    harness.wait_until(lambda: f"endpoint {addr} no longer marked (gossip, A)" in procs.log("B"),
                       2, "B to drop A's rumour with A")
    before = unary_total(b2)
    outs = ec.unary_calls(ctx["st_b"], 60, Req(payload=b"r"), window=4, timeout=T)
    d = unary_total(b2) - before
    print(f"  info A dead at B after {t_dead:.2f}s; via B then: {ec.by_backend(outs)}, b2 saw {d}",
          flush=True)
    expect(ec.by_code(outs) == {"OK": 60} and d >= 10, f"b2 saw {d} of 60 ({ec.by_code(outs)})")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        ctx = {}
        try:
            if c.run("gossip_sidecars_start_and_join", start_sidecars, procs, ctx) and \
                    c.run("premise_b_spreads_calls_over_all_3", b_spreads_over_all, ctx) and \
                    c.run("a_ejects_b2_b_stops_sending_it_within_2s", a_ejects_b_follows,
                          procs, ctx):
                c.run("rumour_dropped_when_its_reporter_dies", dead_reporter_rumour_dropped,
                      procs, ctx)
        finally:
            if "b2" in ctx:
                ctx["b2"].send_signal(signal.SIGUSR2)
    c.finish()


if __name__ == "__main__":
    main()
