#!/usr/bin/python3
"""meshlet's active grpc.health.v1 checks against real processes (`meshlet --threads 1
--health-interval-ms 200`: 2 failed checks take an endpoint out, 1 good one brings it back):
  - 4 echo_backends; one flipped to NOT_SERVING (SIGUSR1) is logged down within
    interval x threshold + 100 ms = 500 ms, and from then on gets none of 400 calls, which
    spread over the other 3; a control meshlet without health checks still sends it 25%;
    SIGUSR2 (SERVING) brings it back (logged up, then it gets calls again);
  - a backend started with --unhealthy-after-ms 300 drops out the same way (and comes back
    on SIGUSR2), while a backend without a health service at all (a python grpcio Echo
    server, this file run with --py-backend: Check answers UNIMPLEMENTED) stays in rotation
    although meshlet keeps probing it.

usage: health_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
       health_test.py --py-backend ok ID PORT_FILE STATS_FILE   (the no-health backend)
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Req, expect  # noqa: E402

INTERVAL_S = 0.2
WINDOW_S = INTERVAL_S * 2 + 0.1  # interval x unhealthy_threshold + 100 ms
UP_WINDOW_S = INTERVAL_S * 1 + 0.1  # interval x healthy_threshold + 100 ms
UNHEALTHY_AFTER_S = 0.3
CALLS = 400
T = 10  # per-call deadline (s)


def plain_servicer(backend_id):
    """meshtest.Echo that answers at once; no grpc.health service beside it."""
    class Plain(ec.echo_pb2_grpc.EchoServicer):
        def Unary(self, request, context):
            return ec.Reply(payload=request.payload, backend_id=backend_id)

        def ServerStream(self, request, context):
            for seq in range(max(1, request.reply_count)):
                yield ec.Reply(payload=request.payload, backend_id=backend_id, seq=seq)
    return Plain()


if __name__ == "__main__" and sys.argv[1:2] == ["--py-backend"]:
    _id, _port_file, _stats_file = sys.argv[3:6]
    ec.serve_python_backend(_id, _port_file, _stats_file, plain_servicer(_id))
    sys.exit(0)


class Log:
    """Polls a meshlet log for `cluster default: endpoint 127.0.0.1:P is down|up (health
    check)` lines."""

    LINE = re.compile(r"cluster default: endpoint 127\.0\.0\.1:(\d+) is (down|up) \(health check\)")

    def __init__(self, procs, name):
        self.procs, self.name = procs, name

    def events(self):
        """[(port, "down"|"up")] in log order."""
        return [(int(m.group(1)), m.group(2)) for m in self.LINE.finditer(self.procs.log(self.name))]

    def wait(self, port, state, since, timeout):
        """Waits (polling, bounded) for a new `port is state` line after the first `since`
        events; returns the seconds it took, None if it did not come within timeout."""
        t0 = time.monotonic()
        if (port, state) in self.events()[since:]:
            return 0.0
        try:
            harness.wait_until(lambda: (port, state) in self.events()[since:], timeout)
        except TimeoutError:
            return None
        return time.monotonic() - t0


def spread(st, backends, n=CALLS):
    """n unary calls (32 in flight) on one channel: ({id: calls each backend saw meanwhile,
    from its own stats}, {id: replies by backend_id}); fails unless all are OK."""
    before = ec.unary_counts(backends)
    outs = ec.unary_calls(st, n, Req(payload=b"h"), timeout=T)
    after = ec.unary_counts(backends)
    expect(ec.by_code(outs) == {"OK": n}, f"codes {ec.by_code(outs)}")
    seen = {k: after[k] - before[k] for k in after}
    replies = ec.by_backend(outs)
    expect({k: v for k, v in seen.items() if v} == replies,
           f"backends' stats {seen} disagree with the replies {replies}")
    return seen


def expect_even(seen, ids, n=CALLS, slack=0.25):
    """Each of ids got n/len(ids) (+-slack of that), nobody else got any."""
    share = n / len(ids)
    lo, hi = share * (1 - slack), share * (1 + slack)
    expect(all(lo <= seen.get(i, 0) <= hi for i in ids) and
           sum(seen.get(i, 0) for i in ids) == n,
           f"want {n} calls evenly on {ids} ({lo:.0f}..{hi:.0f} each), got {seen}")


def sleep_until(t):
    left = t - time.monotonic()
    if left > 0:
        time.sleep(left)


def premise_flip(b):
    """echo_backend's health flips with SIGUSR1 / SIGUSR2 (the Echo service keeps answering)."""
    expect(ec.health_check(b.port) == "SERVING", f"{b.name} at start: {ec.health_check(b.port)}")
    b.send_signal(signal.SIGUSR1)
    harness.wait_until(lambda: ec.health_check(b.port) == "NOT_SERVING", 2, "NOT_SERVING")
    out = ec.unary_calls(ec.stub(ec.channel(b.port)), 1, Req(payload=b"p"), timeout=T)[0]
    expect(out.code == ec.Code.OK, f"Echo while NOT_SERVING: {out}")
    b.send_signal(signal.SIGUSR2)
    harness.wait_until(lambda: ec.health_check(b.port) == "SERVING", 2, "SERVING again")


def expect_all(*problems):
    """Fails with every problem that is not None (so a log check does not hide the calls)."""
    problems = [p for p in problems if p]
    expect(not problems, "; ".join(problems))


def logged_within(log, port, state, since, t0, window):
    """None if `port is state` was logged within window s of t0 (waits for it until then),
    else what went wrong."""
    took = log.wait(port, state, since, max(0.0, t0 + window - time.monotonic()))
    if took is not None:
        took = time.monotonic() - t0
        print(f"  info :{port} logged {state} {took * 1000:.0f} ms after the flip", flush=True)
        return None
    return f"no ':{port} is {state}' log line within {window * 1000:.0f} ms"


def flip_down(state):
    """SIGUSR1: logged down within 500 ms; after 500 ms it gets none of 400 calls."""
    log, b, st = state["log"], state["flip"], state["st"]
    since = len(log.events())
    t0 = time.monotonic()
    b.send_signal(signal.SIGUSR1)
    logged = logged_within(log, b.port, "down", since, t0, WINDOW_S)
    sleep_until(t0 + WINDOW_S)
    seen = spread(st, state["backends"])
    print(f"  info {seen}", flush=True)
    others = [x.name for x in state["backends"] if x is not b]
    downs = [e for e in log.events() if e[1] == "down" and e[0] != b.port]
    expect_all(seen[b.name] and f"{b.name} (NOT_SERVING) got {seen[b.name]} of {CALLS}: {seen}",
               logged, downs and f"other endpoints logged down: {downs}")
    expect_even(seen, others)


def control_without_health(procs, state):
    """The same backends behind a meshlet without health checks: the NOT_SERVING one still
    gets its 25% (the Echo service keeps answering), so flip_down's 0 is the checks' doing."""
    b = state["flip"]
    expect(ec.health_check(b.port) == "NOT_SERVING", f"{b.name}: {ec.health_check(b.port)}")
    _, port = procs.meshlet([x.port for x in state["backends"]], extra=["--threads", "1"],
                            name="meshlet-no-health")
    seen = spread(ec.stub(ec.channel(port)), state["backends"])
    expect_even(seen, [x.name for x in state["backends"]])


def flip_up(state):
    """SIGUSR2: logged up (one good check), then it gets its share of 400 calls again."""
    log, b, st = state["log"], state["flip"], state["st"]
    since = len(log.events())
    t0 = time.monotonic()
    b.send_signal(signal.SIGUSR2)
    logged = logged_within(log, b.port, "up", since, t0, 3.0)
    sleep_until(t0 + UP_WINDOW_S)
    seen = spread(st, state["backends"])
    print(f"  info {seen}", flush=True)
    expect_all(logged)
    expect_even(seen, [x.name for x in state["backends"]])


def premise_no_health(nh):
    expect(ec.health_check(nh.port) == "UNIMPLEMENTED", f"Check: {ec.health_check(nh.port)}")
    out = ec.unary_calls(ec.stub(ec.channel(nh.port)), 1, Req(payload=b"p"), timeout=T)[0]
    expect(out.code == ec.Code.OK and out.reply.backend_id == nh.name, f"Echo: {out}")


def unhealthy_after_drops_out(state2):
    """--unhealthy-after-ms 300: out within 500 ms of the flip (or of meshlet's start if
    that was later); meanwhile the no-health backend stays in."""
    log, u = state2["log"], state2["u"]
    t_flip = state2["u_started"] + UNHEALTHY_AFTER_S
    start = max(t_flip, state2["meshlet_ready"])
    print(f"  info meshlet ready {(state2['meshlet_ready'] - t_flip) * 1000:+.0f} ms from the "
          f"flip", flush=True)
    logged = logged_within(log, u.port, "down", 0, start, WINDOW_S)
    sleep_until(start + WINDOW_S)
    seen = spread(state2["st"], state2["backends"])
    print(f"  info {seen}", flush=True)
    expect_all(seen[u.name] and f"{u.name} (NOT_SERVING) got {seen[u.name]}: {seen}", logged)
    expect_even(seen, [x.name for x in state2["backends"] if x is not u])


def no_health_service_stays(state2):
    """Meshlet keeps probing the backend without a health service (Check -> UNIMPLEMENTED)
    and keeps it in rotation: it is never logged down and gets its share of 400 calls."""
    nh, log = state2["nh"], state2["log"]
    first = ec.backend_stats(nh)["calls"].get("Check", 0)
    # 5 more probes = 1 s: well past the 2 failures that would take it out.
    harness.wait_until(lambda: ec.backend_stats(nh)["calls"].get("Check", 0) >= first + 5,
                       5.0, f"5 more health probes at {nh.name}")
    seen = spread(state2["st"], state2["backends"])
    print(f"  info {seen}; probes at {nh.name}: "
          f"{ec.backend_stats(nh)['calls'].get('Check', 0)}", flush=True)
    expect_even(seen, [x.name for x in state2["backends"] if x is not state2["u"]])
    expect(not [e for e in log.events() if e[0] == nh.port],
           f"{nh.name} (:{nh.port}) logged: {[e for e in log.events() if e[0] == nh.port]}")


def unhealthy_after_back(state2):
    log, u = state2["log"], state2["u"]
    since = len(log.events())
    t0 = time.monotonic()
    u.send_signal(signal.SIGUSR2)
    logged = logged_within(log, u.port, "up", since, t0, 3.0)
    sleep_until(t0 + UP_WINDOW_S)
    seen = spread(state2["st"], state2["backends"])
    print(f"  info {seen}", flush=True)
    expect_all(logged)
    expect_even(seen, [x.name for x in state2["backends"]])


def watch_pushes_changes(procs, backends):
    """--health-watch with a 10 s interval: a Check loop could not notice a flip for seconds, a
    Watch stream hears it at once. Down within 300 ms of SIGUSR1, up within 300 ms of SIGUSR2,
    and calls follow."""
    b = backends[3]
    _, port = procs.meshlet([x.port for x in backends],
                            extra=["--threads", "1", "--health-watch",
                                   "--health-interval-ms", "10000"], name="meshlet-watch")
    log = Log(procs, "meshlet-watch")
    st = ec.stub(ec.channel(port))
    expect_even(spread(st, backends), [x.name for x in backends])
    since = len(log.events())
    t0 = time.monotonic()
    b.send_signal(signal.SIGUSR1)
    down = logged_within(log, b.port, "down", since, t0, 0.3)
    seen = spread(st, backends)
    since = len(log.events())
    t1 = time.monotonic()
    b.send_signal(signal.SIGUSR2)
    up = logged_within(log, b.port, "up", since, t1, 0.3)
    expect_all(down, up, seen[b.name] and f"{b.name} (NOT_SERVING) got {seen[b.name]}: {seen}")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        backends = [procs.echo_backend(i)[0] for i in ("b1", "b2", "b3", "b4")]
        flip = backends[1]
        c.run("premise_echo_backend_health_flips_on_sigusr1_sigusr2", premise_flip, flip)
        _, port = procs.meshlet([b.port for b in backends],
                                extra=["--threads", "1", "--health-interval-ms", "200"])
        state = {"log": Log(procs, "meshlet"), "flip": flip, "backends": backends,
                 "st": ec.stub(ec.channel(port))}
        c.run("all_4_in_rotation_at_start",
              lambda: expect_even(spread(state["st"], backends), [b.name for b in backends]))
        if c.run("not_serving_out_within_500ms_and_gets_0_of_400", flip_down, state):
            c.run("control_without_health_checks_not_serving_gets_25pct",
                  control_without_health, procs, state)
            c.run("serving_again_gets_calls_again", flip_up, state)

        c.run("watch_mode_down_and_up_within_300ms", watch_pushes_changes, procs, backends)

        nh = ec.start_python_backend(procs, __file__, "ok", "no-health")
        c.run("premise_no_health_service_check_unimplemented", premise_no_health, nh)
        u = procs.echo_backend("unhealthy-after", extra=["--unhealthy-after-ms", "300"])[0]
        # Its 300 ms count from just after it writes its port file, which Procs.echo_backend
        # polls for every 10 ms.
        u_started = time.monotonic() - 0.01
        good = [backends[0], backends[2]]
        _, port2 = procs.meshlet([good[0].port, u.port, good[1].port, nh.port],
                                 extra=["--threads", "1", "--health-interval-ms", "200"],
                                 name="meshlet-2")
        state2 = {"log": Log(procs, "meshlet-2"), "u": u, "nh": nh, "u_started": u_started,
                  "meshlet_ready": time.monotonic(), "backends": good + [u, nh],
                  "st": ec.stub(ec.channel(port2))}
        down = c.run("unhealthy_after_300ms_out_within_500ms", unhealthy_after_drops_out, state2)
        c.run("no_health_service_unimplemented_stays_in_rotation", no_health_service_stays, state2)
        if down:
            c.run("unhealthy_after_serving_again_gets_calls", unhealthy_after_back, state2)
    c.finish()


if __name__ == "__main__":
    main()
