#!/usr/bin/python3
"""meshlet's retries (gRPC A6 semantics, budget) and its behaviour when a backend dies or
hangs, against real processes (issue 4, "Tests that must exist and pass"):

  - kill -9 of one of 4 echo_backends under steady load (32 unary calls in flight on one
    channel for ~3 s, each sleeping 50 ms at the backend so ~8 are in flight on the victim)
    with `--threads 1 --retry-on unavailable`: every call succeeds (a unary call never got
    response headers before it failed, so every lost attempt is retried), and the victim
    provably had calls in flight when it died. Control: the same without --retry-on loses
    some calls with UNAVAILABLE (the check can fail).
  - SIGSTOP of one of 4 backends (a hang), `--outlier-consecutive 3
    --outlier-base-ejection-ms 1000`: calls with grpc-timeout 300m (a raw h2 client, which
    enforces no deadline itself, so the status is meshlet's) that land on it end
    DEADLINE_EXCEEDED at ~300 ms; after 3 such timeouts it is ejected and the next 30 calls
    all succeed quickly on the others; after SIGCONT it serves calls again once the
    ejection time has passed (not before). SIGCONT is always sent in a finally.
  - grpc-previous-rpc-attempts: a python backend answering every call UNAVAILABLE as
    Trailers-Only next to an echo_backend echoing request metadata; every call succeeds,
    each attempt the bad one took reappears on the good one as a retry carrying
    grpc-previous-rpc-attempts: 1, first attempts carry none.
  - Retry budget: every backend answers UNAVAILABLE, `--retry-on unavailable
    --max-attempts 5 --no-outlier`; 400 calls cost at most 400 × 1.2 + 30 (+ slack)
    attempts at the backends, and at least 400 + 30 (the floor alone allows 30 retries).
    Premise: with the budget not binding, each of 5 calls gets all 5 attempts.
  - Statuses not configured are not retried: status INTERNAL with --retry-on unavailable
    is 1 attempt per call at the backends; control: UNAVAILABLE is 3 (--max-attempts' default).

usage: retry_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
       retry_test.py --py-backend MODE ID PORT_FILE STATS_FILE   (a backend itself;
                     MODE: unavailable)
"""
import collections
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402

import grpc  # noqa: E402

PREV = "grpc-previous-rpc-attempts"


def unavailable_servicer(backend_id):
    """Every call ends UNAVAILABLE as Trailers-Only (no headers before the status: the
    attempt is retriable); records the grpc-previous-rpc-attempts value of each call
    ("none" when absent) for the stats file (key "prev_attempts")."""
    lock = threading.Lock()
    seen = collections.Counter()

    class Unavailable(ec.echo_pb2_grpc.EchoServicer):
        def Unary(self, request, context):
            prev = dict(context.invocation_metadata()).get(PREV, "none")
            with lock:
                seen[prev] += 1
            context.abort(grpc.StatusCode.UNAVAILABLE, f"{backend_id}: unavailable")

    def extra():
        with lock:
            return {"prev_attempts": dict(seen)}
    return Unavailable(), extra


if __name__ == "__main__" and sys.argv[1:2] == ["--py-backend"]:
    _mode, _id, _port_file, _stats_file = sys.argv[2:6]
    assert _mode == "unavailable", _mode
    _servicer, _extra = unavailable_servicer(_id)
    ec.serve_python_backend(_id, _port_file, _stats_file, _servicer, extra_stats=_extra)
    sys.exit(0)


def unary_total(backends):
    """Unary calls (attempts) seen by the backends together."""
    return sum(ec.unary_counts(backends).values())


def outcome(st, req, timeout):
    t0 = time.monotonic()
    try:
        reply, code, details = st.Unary(req, timeout=timeout), Code.OK, ""
    except grpc.RpcError as e:
        reply, code, details = None, e.code(), e.details() or ""
    return ec.Outcome(code, reply, details, t0, time.monotonic())


# -- 1: kill -9 under steady load ------------------------------------------------------------

LOAD_CONCURRENCY = 32
LOAD_SECONDS = 3.0
LOAD_SLEEP_MS = 50  # each call takes >= 50 ms at the backend: ~8 in flight on each of 4


class SteadyLoad:
    """LOAD_CONCURRENCY threads making blocking unary calls on one channel back to back until
    stop() or the hard limit; .outs: Outcomes in the order they ended."""

    def __init__(self, st, req, limit_s=20.0, max_calls=100000):
        self.st, self.req, self.outs = st, req, []
        self.lock, self.stopped = threading.Lock(), threading.Event()
        self.hard_end, self.max_calls = time.monotonic() + limit_s, max_calls
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(LOAD_CONCURRENCY)]
        for t in self.threads:
            t.start()

    def _run(self):
        while not self.stopped.is_set() and time.monotonic() < self.hard_end:
            o = outcome(self.st, self.req, 5.0)
            with self.lock:
                self.outs.append(o)
                if len(self.outs) >= self.max_calls:
                    self.stopped.set()

    def count(self):
        with self.lock:
            return len(self.outs)

    def stop(self):
        self.stopped.set()
        for t in self.threads:
            t.join(timeout=10)
        expect(not any(t.is_alive() for t in self.threads), "load threads did not end")
        return list(self.outs)


def kill_under_load(procs, retry, tag):
    """One meshlet (--threads 1, --retry-on unavailable if retry) in front of 4 fresh
    echo_backends; 32 calls in flight; kill -9 of one backend ~1 s in; load for ~3 s in all.
    Returns (outcomes, kill time, victim id, lower bound of the victim's lost attempts)."""
    ids = [f"{tag}{i}" for i in range(1, 5)]
    backends = [procs.echo_backend(i)[0] for i in ids]
    extra = ["--threads", "1"] + (["--retry-on", "unavailable"] if retry else [])
    _, port = procs.meshlet([b.port for b in backends], extra=extra, name=f"meshlet-{tag}")
    st = ec.stub(ec.channel(port))
    # Connections to all 4 first, so the load starts balanced.
    warm = ec.unary_calls(st, 16, Req(payload=b"w"))
    expect(ec.by_code(warm) == {"OK": 16} and len(ec.by_backend(warm)) == 4, f"warm-up {warm}")
    victim = backends[0]
    load = SteadyLoad(st, Req(payload=b"L", sleep_ms=LOAD_SLEEP_MS))
    t_start = time.monotonic()
    try:
        harness.wait_until(lambda: load.count() >= 100 and time.monotonic() - t_start >= 1.0,
                           10, "load running for 1 s")
        # Calls the victim has started so far; those that never come back OK from it were
        # lost with it (in flight at the kill).
        started = ec.backend_stats(victim)["calls"]["Unary"]
        victim.kill()  # SIGKILL, by PID
        t_kill = time.monotonic()
        victim.wait()
        harness.wait_until(lambda: time.monotonic() - t_start >= LOAD_SECONDS, LOAD_SECONDS + 1,
                           "load duration")
    finally:
        outs = load.stop()
    ok_from_victim = ec.by_backend(outs).get(victim.name, 0)
    lost = started - ok_from_victim
    after = sum(1 for o in outs if o.ended > t_kill)
    print(f"  info [{tag}] {len(outs)} calls ({after} ended after the kill): {ec.by_code(outs)}; "
          f"served {ec.by_backend(outs)}; victim {victim.name} had started {started}, >= {lost} "
          f"lost in flight", flush=True)
    expect(after >= 100, f"only {after} calls ended after the kill: load too thin to judge")
    expect(lost >= 1, f"the victim had no call in flight at the kill (started {started}, "
           f"{ok_from_victim} OK from it): nothing to judge")
    return outs, t_kill, victim.name, lost


def kill9_with_retries(procs):
    outs = kill_under_load(procs, True, "kr")[0]
    failed = [o for o in outs if o.code != Code.OK]
    expect(not failed, f"{len(failed)} calls failed ({ec.by_code(outs)}), first {failed[:3]}")


def kill9_control_without_retry_on(procs):
    """Proves the check above can fail: without --retry-on the calls in flight on the victim
    are lost with UNAVAILABLE (connect failures after the kill are still retried)."""
    outs, t_kill, _, lost = kill_under_load(procs, False, "kc")
    failed = [o for o in outs if o.code != Code.OK]
    expect(failed, f"no call failed without --retry-on ({ec.by_code(outs)}): the kill-9 check "
           f"could not tell retries from none")
    expect(all(o.code == Code.UNAVAILABLE for o in failed), f"failures {ec.by_code(failed)}")
    expect(len(failed) <= lost + LOAD_CONCURRENCY,
           f"{len(failed)} failures, far more than the ~{lost} calls in flight on the victim")
    late = max(o.ended - t_kill for o in failed)
    expect(late < 1.0, f"a failure ended {late:.2f}s after the kill")


# -- 2: SIGSTOP (hang) -----------------------------------------------------------------------

DEADLINE_S = 0.3
CONSECUTIVE = 3      # --outlier-consecutive 3
EJECTION_S = 1.0     # --outlier-base-ejection-ms 1000


def raw_call(h, port, timeout_hdr, pump_s):
    """One unary call on RawH2 h with grpc-timeout timeout_hdr (no client-side deadline):
    (grpc-status or None, backend_id or None, elapsed s)."""
    t0 = time.monotonic()
    sid = h.grpc_call("Unary", Req(payload=b"s"), [(b"grpc-timeout", timeout_hdr)], port)
    h.pump(lambda: h.streams[sid].done, pump_s)
    el = time.monotonic() - t0
    s = h.streams.pop(sid)
    msgs = ec.grpc_messages(s.data) if s.done else []
    return (s.status() if s.done else None), (msgs[0].backend_id if msgs else None), el


def sigstop_hang(procs):
    ids = ["h1", "h2", "h3", "h4"]
    backends = [procs.echo_backend(i)[0] for i in ids]
    _, port = procs.meshlet([b.port for b in backends],
                            extra=["--threads", "1", "--outlier-consecutive", str(CONSECUTIVE),
                                   "--outlier-base-ejection-ms", str(int(EJECTION_S * 1000))],
                            name="meshlet-stop")
    h = ec.RawH2(port)
    victim = backends[1]
    stopped = False
    try:
        warm = [raw_call(h, port, b"5S", 6) for _ in range(16)]
        expect(all(s == 0 for s, _, _ in warm) and {b for _, b, _ in warm} == set(ids),
               f"warm-up {warm}")
        os.kill(victim.pid, signal.SIGSTOP)
        stopped = True
        # Sequential calls (each judged before the next is balanced) until CONSECUTIVE time
        # out, then 30 more that must all succeed quickly on the others.
        timeouts, seq, t_ejected = [], [], None
        for _ in range(8 * CONSECUTIVE):
            st, b, el = raw_call(h, port, b"300m", 3)
            seq.append((st, b, round(el, 3)))
            if st != 0:
                timeouts.append((st, el))
                if len(timeouts) == CONSECUTIVE:
                    t_ejected = time.monotonic()
                    break
        expect(t_ejected is not None, f"not {CONSECUTIVE} timeouts in {len(seq)} calls: {seq}")
        print(f"  info calls until ejection (status, backend, s): {seq}", flush=True)
        expect(all(st == 4 for st, _ in timeouts), f"not DEADLINE_EXCEEDED: {timeouts}")
        expect(all(DEADLINE_S - 0.02 <= el <= DEADLINE_S + 0.3 for _, el in timeouts),
               f"timed-out calls took {[round(el, 3) for _, el in timeouts]} s, want "
               f"~{DEADLINE_S} s")
        expect(all(b in ids and b != victim.name for st, b, _ in seq if st == 0),
               f"OK calls from {seq}")
        after = [raw_call(h, port, b"300m", 3) for _ in range(30)]
        since = time.monotonic() - t_ejected
        expect(since < EJECTION_S - 0.2, f"30 calls took {since:.2f}s: too slow to judge")
        bad = [c for c in after if c[0] != 0 or c[2] > 0.2]
        expect(not bad, f"after the ejection: {len(bad)} of 30 calls not OK fast: {bad[:5]}")
        spread = collections.Counter(b for _, b, _ in after)
        expect(set(spread) == set(ids) - {victim.name}, f"after the ejection: served {spread}")
        os.kill(victim.pid, signal.SIGCONT)
        stopped = False
        # Back once the ejection time has passed, not before; every call meanwhile OK.
        probes, back = [], None
        limit = time.monotonic() + EJECTION_S + 4
        while back is None and time.monotonic() < limit:
            st, b, el = raw_call(h, port, b"2S", 3)
            probes.append((st, b))
            expect(st == 0, f"probe {len(probes)} after SIGCONT: {(st, b, el)}")
            if b == victim.name:
                back = time.monotonic() - t_ejected
            else:
                time.sleep(0.005)  # a poll interval (as in harness.wait_until), not a wait
        expect(back is not None, f"{victim.name} got no call in {EJECTION_S + 4}s after "
               f"SIGCONT ({len(probes)} probes)")
        print(f"  info {victim.name} served again {back:.3f}s after its ejection "
              f"({len(probes)} probes)", flush=True)
        expect(EJECTION_S - 0.1 <= back <= EJECTION_S + 1.0,
               f"back after {back:.3f}s, want {EJECTION_S}s (-0.1/+1.0)")
        more = [raw_call(h, port, b"2S", 3) for _ in range(20)]
        served = collections.Counter(b for _, b, _ in more)
        expect(all(c[0] == 0 for c in more) and set(served) == set(ids),
               f"after its return: {more}")
    finally:
        if stopped:
            os.kill(victim.pid, signal.SIGCONT)
        h.close()


# -- 3: grpc-previous-rpc-attempts -----------------------------------------------------------

def trailers_only(bad):
    """Premise: the python backend answers UNAVAILABLE as Trailers-Only on the wire."""
    h = ec.RawH2(bad.port)
    try:
        sid = h.grpc_call("Unary", Req(payload=b"w"), port=bad.port)
        expect(h.pump(lambda: h.streams[sid].done, 5), "no answer")
        s = h.streams[sid]
        blocks = [(hd.get(b"grpc-status"), end) for hd, end in s.header_blocks]
        expect(blocks == [(b"14", True)] and not s.data, f"header blocks {blocks}")
    finally:
        h.close()


def previous_attempts(procs, bad):
    good, _ = procs.echo_backend("pa-good")
    _, port = procs.meshlet([bad.port, good.port],
                            extra=["--threads", "1", "--retry-on", "unavailable", "--no-outlier"],
                            name="meshlet-prev")
    st = ec.stub(ec.channel(port))
    before = ec.backend_stats(bad)
    outs = [outcome(st, Req(payload=b"p", echo_metadata=True), 10) for _ in range(10)]
    after = ec.backend_stats(bad)
    expect(all(o.code == Code.OK and o.reply.backend_id == "pa-good" for o in outs),
           f"outcomes {outs}")
    bad_attempts = after["calls"]["Unary"] - before["calls"]["Unary"]
    prev_at_bad = collections.Counter(after["prev_attempts"])
    prev_at_bad.subtract(before.get("prev_attempts", {}))
    prev_at_good = collections.Counter(o.reply.metadata.get(PREV, "none") for o in outs)
    print(f"  info attempts at the failing backend {bad_attempts} "
          f"({PREV} there: {dict(+prev_at_bad)}); at the good one: {dict(prev_at_good)}",
          flush=True)
    expect(bad_attempts >= 1, "no call went to the failing backend: nothing was retried")
    expect(+prev_at_bad == collections.Counter(none=bad_attempts),
           f"the failing backend saw {dict(+prev_at_bad)}, want only first attempts")
    expect(prev_at_good == collections.Counter({"1": bad_attempts, "none": 10 - bad_attempts}),
           f"{PREV} at the good backend {dict(prev_at_good)}, want '1' on the {bad_attempts} "
           f"retried calls and none on the others")


# -- 4: retry budget -------------------------------------------------------------------------

N_BUDGET = 400
FLOOR = 30  # 3 retries/s × 10 s


def all_fail_meshlet(procs, bads, name):
    _, port = procs.meshlet([b.port for b in bads],
                            extra=["--threads", "1", "--retry-on", "unavailable",
                                   "--max-attempts", "5", "--no-outlier"], name=name)
    return ec.stub(ec.channel(port))


def budget_premise_5_attempts(procs, bads):
    """With the budget not binding (5 calls: 20 retries < the 30-token floor), each call gets
    its 5 attempts: what limits the 400 calls below is the budget, not --max-attempts."""
    st = all_fail_meshlet(procs, bads, "meshlet-budget-premise")
    for i in range(5):
        before = unary_total(bads)
        o = outcome(st, Req(payload=b"b"), 10)
        n = unary_total(bads) - before
        expect(o.code == Code.UNAVAILABLE, f"call {i}: {o}")
        expect(n == 5, f"call {i}: {n} attempts at the backends, want 5")


def budget_bounds_attempts(procs, bads):
    st = all_fail_meshlet(procs, bads, "meshlet-budget")
    before = unary_total(bads)
    t0 = time.monotonic()
    outs = ec.unary_calls(st, N_BUDGET, Req(payload=b"b"), window=32, timeout=10)
    took = time.monotonic() - t0
    attempts = unary_total(bads) - before
    cap = N_BUDGET * 1.2 + FLOOR
    print(f"  info {N_BUDGET} calls in {took:.2f}s: {ec.by_code(outs)}; {attempts} attempts at "
          f"the backends (budget cap {cap:.0f}; no budget would allow {5 * N_BUDGET})",
          flush=True)
    expect(ec.by_code(outs) == {"UNAVAILABLE": N_BUDGET}, f"codes {ec.by_code(outs)}")
    expect(took < 9, f"took {took:.2f}s: deposits may have left the 10 s window")
    expect(attempts <= cap + 3, f"{attempts} attempts > {cap:.0f} (+3): the budget leaks")
    expect(attempts >= N_BUDGET + FLOOR,
           f"{attempts} attempts < {N_BUDGET + FLOOR}: not even the floor's retries happened")


# -- 5: statuses not configured are not retried ----------------------------------------------

def not_configured_not_retried(procs):
    backends = [procs.echo_backend(i)[0] for i in ("n1", "n2")]
    _, port = procs.meshlet([b.port for b in backends],
                            extra=["--threads", "1", "--retry-on", "unavailable", "--no-outlier"],
                            name="meshlet-internal")
    st = ec.stub(ec.channel(port))
    per_call = {}
    # Control first: the configured status is retried (3 attempts, the default max), so the
    # attempt count can tell; then INTERNAL, which must take exactly 1.
    for code, want_code, want in ((14, Code.UNAVAILABLE, 3), (13, Code.INTERNAL, 1)):
        seen = []
        for i in range(5):
            before = unary_total(backends)
            o = outcome(st, Req(payload=b"i", status_code=code, status_message=f"s{code}"), 10)
            n = unary_total(backends) - before
            seen.append(n)
            expect(o.code == want_code, f"status {code}, call {i}: {o}")
            expect(n == want, f"status {code}, call {i}: {n} attempts at the backends, "
                   f"want {want}")
        per_call[code] = seen
    print(f"  info attempts per call: UNAVAILABLE {per_call[14]}, INTERNAL {per_call[13]}",
          flush=True)


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        c.run("kill9_1_of_4_under_load_with_retries_no_call_fails", kill9_with_retries, procs)
        c.run("control_kill9_without_retry_on_loses_calls", kill9_control_without_retry_on,
              procs)
        c.run("sigstop_deadline_exceeded_at_300ms_ejected_after_3_back_after_sigcont",
              sigstop_hang, procs)
        bads = [ec.start_python_backend(procs, __file__, "unavailable", i)
                for i in ("u1", "u2")]
        c.run("premise_python_backend_unavailable_trailers_only", trailers_only, bads[0])
        c.run("retry_carries_grpc_previous_rpc_attempts_1", previous_attempts, procs, bads[0])
        c.run("premise_budget_not_binding_5_attempts_per_call", budget_premise_5_attempts,
              procs, bads)
        c.run("retry_budget_400_calls_attempts_within_1.2n_plus_30", budget_bounds_attempts,
              procs, bads)
        c.run("internal_not_retried_1_attempt_unavailable_3", not_configured_not_retried, procs)
    c.finish()


if __name__ == "__main__":
    main()
