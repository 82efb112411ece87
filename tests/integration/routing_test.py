#!/usr/bin/python3
"""meshlet's routes from --config against real echo_backends (clusters A: a1 a2, B: b1 b2,
canary: c1): a 90/10 weighted split, a route on the gRPC service and method, a header match,
SIGHUP hot reload (new weights apply to new calls while 50 long server streams finish
untouched; a broken file changes nothing), --check-config, and a bad --config at startup.

usage: routing_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402

CLUSTERS = {"A": ["a1", "a2"], "B": ["b1", "b2"], "canary": ["c1"]}
CLUSTER_OF = {b: c for c, ids in CLUSTERS.items() for b in ids}
CALLS = 2000
T = 20  # per-call deadline (s)
RELOADED, REJECTED = "config reloaded", "config reload rejected"

SPLIT_90_10 = """\
  - name: split
    split:
      - {cluster: A, weight: 90}
      - {cluster: B, weight: 10}
"""
SPLIT_10_90 = SPLIT_90_10.replace("90}", "x}").replace("10}", "90}").replace("x}", "10}")
BY_SERVICE = """\
  - name: echo-unary
    match: {service: meshtest.Echo, method: Unary}
    cluster: A
  - name: rest
    cluster: B
"""
BY_HEADER = """\
  - name: canary
    match:
      headers: {x-canary: "1"}
    cluster: canary
  - name: rest
    cluster: A
"""


def config_yaml(port, backends, routes):
    """A config: listener 'main' on :port with every route in `routes` (YAML list items,
    each '  - name: X' ...), clusters A, B, canary of the echo_backends `backends`."""
    names = re.findall(r"^  - name: (\S+)$", routes, re.M)
    out = ("listeners:\n  - name: main\n"
           f"    address: 127.0.0.1:{port}\n    routes: [{', '.join(names)}]\nclusters:\n")
    for c, ids in CLUSTERS.items():
        eps = ", ".join(f"127.0.0.1:{backends[i].port}" for i in ids)
        out += f"  - name: {c}\n    endpoints: [{eps}]\n"
    return out + "routes:\n" + routes


def write_atomically(path, text):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.replace(path + ".new", path)


def start_meshlet(procs, backends, routes, name):
    """meshlet --config NAME.yaml with routes; waits until it accepts. Returns the process
    (.port, .config = the file's path)."""
    port = harness.free_port()
    path = os.path.join(procs.tmp, name + ".yaml")
    write_atomically(path, config_yaml(port, backends, routes))
    p = procs.start([harness.MESHLET_BIN, "--config", path], name)
    harness.wait_until(lambda: harness.port_accepts(port), what=f"{name} on :{port}", proc=p)
    p.port, p.config = port, path
    return p


def concurrent_calls(st, n, concurrency=32, req=None, metadata=None):
    """n unary calls, `concurrency` in flight all the time. Returns the Outcomes."""
    req = req or Req(payload=b"r")
    slots, pending = threading.Semaphore(concurrency), []
    for i in range(n):
        if not slots.acquire(timeout=T + 5):
            raise TimeoutError(f"no call finished in {T + 5}s (after {i} started)")
        p = ec.start_unary(st, req, timeout=T, metadata=metadata)
        p.future.add_done_callback(lambda _: slots.release())
        pending.append(p)
    return ec.finish(pending)


def clusters_of(outs):
    """{cluster: OK calls} of unary Outcomes; fails on any non-OK call."""
    expect(ec.by_code(outs) == {"OK": len(outs)}, f"codes {ec.by_code(outs)}")
    got = {}
    for b, n in ec.by_backend(outs).items():
        got[CLUSTER_OF.get(b, b)] = got.get(CLUSTER_OF.get(b, b), 0) + n
    return got


def expect_share_of_a(st, n, lo, hi, what):
    got = clusters_of(concurrent_calls(st, n))
    print(f"  info {what}: {got}", flush=True)
    expect(set(got) <= {"A", "B"}, f"{what}: calls outside A and B: {got}")
    expect(lo <= got.get("A", 0) <= hi, f"{what}: A got {got.get('A', 0)}/{n}, want {lo}..{hi}")


def split_90_10(procs, backends):
    m = start_meshlet(procs, backends, SPLIT_90_10, "meshlet-split")
    st = ec.stub(ec.channel(m.port))
    outs = concurrent_calls(st, CALLS)
    got = clusters_of(outs)
    print(f"  info split: {got} {ec.by_backend(outs)}", flush=True)
    expect(set(got) == {"A", "B"}, f"clusters used {got}")
    expect(1740 <= got["A"] <= 1860, f"A got {got['A']}/{CALLS}, want 90%+-3%")
    expect({"a1", "a2", "b1", "b2"} == set(ec.by_backend(outs)),
           f"not every endpoint of A and B used: {ec.by_backend(outs)}")


def stream_backends(call):
    """Consumes a streaming call; returns the set of backend_ids of its replies."""
    return {r.backend_id for r in call}


def by_service(procs, backends):
    m = start_meshlet(procs, backends, BY_SERVICE, "meshlet-service")
    st = ec.stub(ec.channel(m.port))
    unary = clusters_of(concurrent_calls(st, 100, concurrency=16))
    expect(unary == {"A": 100}, f"meshtest.Echo/Unary went to {unary}, want all on A")
    ss = [stream_backends(st.ServerStream(Req(reply_count=3), timeout=T)) for _ in range(20)]
    cs = [st.ClientStream(iter([Req(), Req()]), timeout=T).backend_id for _ in range(10)]
    bidi = [stream_backends(st.Bidi(iter([Req(), Req()]), timeout=T)) for _ in range(10)]
    got = {CLUSTER_OF.get(b, b) for s in ss + bidi for b in s} | {CLUSTER_OF.get(b, b) for b in cs}
    expect(got == {"B"}, f"ServerStream/ClientStream/Bidi went to {got}, want only B "
                         f"(ServerStream {ss[:4]}..., ClientStream {cs[:4]}...)")


def by_header(procs, backends):
    m = start_meshlet(procs, backends, BY_HEADER, "meshlet-header")
    st = ec.stub(ec.channel(m.port))
    for md, want in (([("x-canary", "1")], "canary"), (None, "A"), ([("x-canary", "0")], "A"),
                     ([("x-canary", "11")], "A"), ([("x-other", "1")], "A")):
        got = clusters_of(concurrent_calls(st, 50, concurrency=16, metadata=md))
        expect(got == {want: 50}, f"metadata {md}: went to {got}, want all on {want}")
    ss = [stream_backends(st.ServerStream(Req(reply_count=2), metadata=[("x-canary", "1")],
                                          timeout=T)) for _ in range(5)]
    expect(all(s == {"c1"} for s in ss), f"canary ServerStream went to {ss}")


def wait_log(procs, p, text, count, timeout=10):
    harness.wait_until(lambda: procs.log(p.name).count(text) >= count, timeout,
                       f"{count} x '{text}' in {p.name}'s log", p)


class LongStreams:
    """n ServerStream calls (reply_count x sleep_ms) on stub st, each consumed by a thread
    that records (code, seqs, backend ids, end time)."""

    def __init__(self, st, n, reply_count, sleep_ms):
        self.results, self.reply_count = [None] * n, reply_count
        req = Req(payload=b"long", reply_count=reply_count, sleep_ms=sleep_ms)
        self.threads = [threading.Thread(target=self._run, args=(st, req, i), daemon=True)
                        for i in range(n)]
        for t in self.threads:
            t.start()

    def _run(self, st, req, i):
        seqs, ids, code = [], set(), Code.OK
        try:
            for r in st.ServerStream(req, timeout=T):
                seqs.append(r.seq)
                ids.add(r.backend_id)
        except ec.grpc.RpcError as e:
            code = e.code()
        self.results[i] = (code, seqs, ids, time.monotonic())

    def ended_before(self, t):
        return sum(1 for r in self.results if r is not None and r[3] <= t)

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0, deadline - time.monotonic()))
        want = list(range(self.reply_count))
        bad = [r for r in self.results
               if r is None or r[0] != Code.OK or r[1] != want or len(r[2]) != 1]
        return [(r[0], len(r[1]), r[2]) if r else "unfinished" for r in bad]


def sighup_new_weights(procs, backends):
    """Weights 90/10 -> 10/90 by SIGHUP while 50 streams of ~2 s run on the same connection."""
    m = start_meshlet(procs, backends, SPLIT_90_10, "meshlet-reload")
    st = ec.stub(ec.channel(m.port))
    expect_share_of_a(st, 1000, 860, 940, "before reload (90/10)")
    ab = [backends[i] for i in ("a1", "a2", "b1", "b2")]
    before = sum(ec.wait_backend_calls(ab, "ServerStream", 0).values())
    streams = LongStreams(st, 50, reply_count=20, sleep_ms=100)
    ec.wait_backend_calls(ab, "ServerStream", before + 50)
    write_atomically(m.config, config_yaml(m.port, backends, SPLIT_10_90))
    m.send_signal(signal.SIGHUP)
    wait_log(procs, m, RELOADED, 1)
    reloaded_at = time.monotonic()
    expect(streams.ended_before(reloaded_at) == 0,
           f"{streams.ended_before(reloaded_at)} streams ended before the reload: test too slow")
    expect_share_of_a(st, CALLS, 140, 260, "new calls after reload (10/90)")
    bad = streams.join(T)
    expect(not bad, f"{len(bad)}/50 long streams broken by the reload: {bad[:5]}")
    expect(m.poll() is None, f"meshlet exited with {m.returncode}")
    expect(REJECTED not in procs.log(m.name), "a valid file was rejected")


def sighup_broken_file(procs, backends):
    m = start_meshlet(procs, backends, SPLIT_90_10, "meshlet-badreload")
    st = ec.stub(ec.channel(m.port))
    expect_share_of_a(st, 1000, 860, 940, "before reload (90/10)")
    # New weights and a route to a missing cluster: nothing of it may apply.
    broken = SPLIT_10_90 + "      - {cluster: nope, weight: 5}\n"
    write_atomically(m.config, config_yaml(m.port, backends, broken))
    m.send_signal(signal.SIGHUP)
    wait_log(procs, m, REJECTED, 1)
    write_atomically(m.config, config_yaml(m.port, backends, SPLIT_10_90) + "routes: [\n")
    m.send_signal(signal.SIGHUP)
    wait_log(procs, m, REJECTED, 2)
    expect(m.poll() is None, f"meshlet exited with {m.returncode}")
    log = procs.log(m.name)
    expect(RELOADED not in log, "a broken file was reported as reloaded")
    why = [ln for ln in log.splitlines() if REJECTED in ln and m.config + ":" in ln]
    expect(len(why) >= 2, f"rejections without the file's FILE:LINE:COL error: {log[-600:]}")
    expect_share_of_a(st, CALLS, 1740, 1860, "after rejected reloads (still 90/10)")
    st2 = ec.stub(ec.channel(m.port))
    expect_share_of_a(st2, 500, 420, 480, "new connection after rejected reloads")


# A config with three problems; each marker names the offending token on its line.
BROKEN = """\
listeners:
  - name: main
    address: 127.0.0.1:{port}
    routes: [split]
clusters:
  - name: A
    colour: blue
    endpoints: [127.0.0.1:1]
routes:
  - name: split
    split:
      - {{cluster: A, weight: 0}}
      - {{cluster: nope, weight: 10}}
"""
BROKEN_AT = [("colour: blue", "colour"), ("weight: 0", "0"), ("cluster: nope", "nope")]


def broken_config(procs, port):
    """Writes BROKEN; returns (path, [(line, column)] of its problems, 1-based)."""
    text = BROKEN.format(port=port)
    path = os.path.join(procs.tmp, "broken.yaml")
    write_atomically(path, text)
    lines, where = text.splitlines(), []
    for marker, token in BROKEN_AT:
        n = next(i for i, line in enumerate(lines) if marker in line)
        where.append((n + 1, lines[n].index(marker) + marker.index(token) + 1))
    return path, where


def diagnostics(path, text, where):
    """Every non-empty line of text is 'path:LINE:COL: message'; returns problems or ''."""
    got = [ln for ln in text.splitlines() if ln.strip()]
    pat = re.compile(re.escape(path) + r":(\d+):(\d+): \S")
    odd = [ln for ln in got if not pat.match(ln)]
    if odd:
        return f"lines not FILE:LINE:COL: message: {odd}"
    at = sorted((int(m.group(1)), int(m.group(2))) for m in map(pat.match, got))
    if at != sorted(where):
        return f"problems reported at {at}, want {sorted(where)}: {got}"
    return ""


def check_config(procs, backends):
    good = os.path.join(procs.tmp, "good.yaml")
    write_atomically(good, config_yaml(harness.free_port(), backends, SPLIT_90_10 + BY_HEADER))
    example = os.path.join(harness.REPO, "deploy", "meshlet.example.yaml")
    for path in (good, example):
        r = subprocess.run([harness.MESHLET_BIN, "--check-config", path], capture_output=True,
                           text=True, timeout=30)
        expect(r.returncode == 0, f"{path}: exit {r.returncode}, stderr {r.stderr!r}")
    path, where = broken_config(procs, harness.free_port())
    r = subprocess.run([harness.MESHLET_BIN, "--check-config", path], capture_output=True,
                       text=True, timeout=30)
    expect(r.returncode == 2, f"broken file: exit {r.returncode}, stderr {r.stderr!r}")
    problem = diagnostics(path, r.stderr, where)
    expect(not problem, problem)


def bad_config_at_startup(procs):
    port = harness.free_port()
    path, where = broken_config(procs, port)
    p = procs.start([harness.MESHLET_BIN, "--config", path], "meshlet-badstart")
    listened = False
    deadline = time.monotonic() + 15
    while p.poll() is None and time.monotonic() < deadline:
        listened = listened or harness.port_accepts(port)
        time.sleep(0.01)
    expect(p.poll() is not None, "meshlet still running 15 s after a bad --config")
    expect(p.returncode == 2, f"exit {p.returncode}, want 2")
    expect(not listened and not harness.port_accepts(port), f"something listened on :{port}")
    # Log lines may carry a prefix (time, level): take each from the file name on.
    lines = [ln[ln.index(path + ":"):] for ln in procs.log(p.name).splitlines()
             if path + ":" in ln]
    problem = diagnostics(path, "\n".join(lines), where)
    expect(not problem, problem)


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        backends = {i: procs.echo_backend(i)[0] for ids in CLUSTERS.values() for i in ids}
        c.run("split_90_10_over_2000_calls", split_90_10, procs, backends)
        c.run("route_on_service_and_method", by_service, procs, backends)
        c.run("route_on_header_x_canary", by_header, procs, backends)
        c.run("sighup_new_weights_keep_50_streams", sighup_new_weights, procs, backends)
        c.run("sighup_broken_file_changes_nothing", sighup_broken_file, procs, backends)
        c.run("check_config_good_0_broken_2_with_positions", check_config, procs, backends)
        c.run("bad_config_at_startup_exit_2_nothing_listens", bad_config_at_startup, procs)
    c.finish()


if __name__ == "__main__":
    main()
