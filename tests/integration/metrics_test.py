#!/usr/bin/python3
"""meshlet's Prometheus metrics, scraped by a real Prometheus server (/usr/bin/prometheus,
Debian package `prometheus`) run by this test on a free port with its own config and data
directory, scraping every second:
  - `one`: meshlet --threads 1 --metrics 127.0.0.1:0 in front of 2 echo_backends. 46 sequential
    calls: 30 OK, 6 NOT_FOUND, then 10 UNAVAILABLE (the backends answer what each request asks
    for). Round robin gives each backend 5 UNAVAILABLE in a row, so the outlier detector ejects
    the first (the second would pass the 50% cap). Once Prometheus has scraped after the calls:
    sum(meshlet_requests_total) == 46, the split by grpc_status and by classification is what
    the backends returned, each endpoint's requests equal the calls its backend saw, the
    latency histogram holds every call (the slow ones above 25 ms), 1 ejection and the
    endpoint's health "ejected", no stream active;
  - `two`: meshlet --threads 2: 16 client connections (spread over both threads), 5 calls each; the scrape sums both threads: 80 requests, 16 downstream
    connections, 4 upstream ones (each thread has its own connection to each backend);
  - exact accept balancing (`two`, the default --accept-balance): 16 connections opened one
    by one stay split within 1 between the threads (meshlet_io_thread_connections), and are
    counted out when closed;
  - `--metrics off`: nothing but the proxy listener listens; the port-0 line and the real
    port of a `--metrics 127.0.0.1:0` meshlet; a taken metrics port: exit 1, clear message.

usage: metrics_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Req, expect  # noqa: E402

PROMETHEUS = "/usr/bin/prometheus"
METRICS_LINE = re.compile(r"metrics on http://127\.0\.0\.1:(\d+)/metrics")
T = 10  # per-call deadline (s)
N_OK, N_NOT_FOUND, N_UNAVAILABLE, N_SLOW = 30, 6, 10, 4
SLOW_MS = 40


def metrics_port(procs, proc):
    """The port from meshlet's `metrics on http://127.0.0.1:PORT/metrics` line."""
    found = {}

    def logged():
        m = METRICS_LINE.search(procs.log(proc.name))
        if m:
            found["port"] = int(m.group(1))
        return bool(m)
    harness.wait_until(logged, 10, f"{proc.name}: metrics line", proc)
    return found["port"]


def listening_ports(pid):
    """TCP ports the process listens on (its socket inodes in /proc/net/tcp{,6}, state 0A)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


class Prometheus:
    """A real Prometheus scraping the given {job: metrics port} every second."""

    def __init__(self, procs, jobs):
        self.port = harness.free_port()
        cfg = os.path.join(procs.tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n")
            for job, port in jobs.items():
                f.write(f"  - job_name: {job}\n    static_configs:\n"
                        f"      - targets: ['127.0.0.1:{port}']\n")
        self.proc = procs.start([PROMETHEUS, f"--config.file={cfg}",
                                 f"--storage.tsdb.path={os.path.join(procs.tmp, 'tsdb')}",
                                 f"--web.listen-address=127.0.0.1:{self.port}"], "prometheus")
        harness.wait_until(self.ready, 60, "prometheus /-/ready", self.proc)

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, q):
        """Instant query: [(labels dict, float value)]."""
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?"
               + urllib.parse.urlencode({"query": q}))
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        expect(body.get("status") == "success", f"query {q}: {body}")
        return [(s["metric"], float(s["value"][1])) for s in body["data"]["result"]]

    def scalar(self, q):
        res = self.query(q)
        expect(len(res) == 1, f"{q}: want one sample, got {res}")
        return res[0][1]

    def by(self, q, label):
        return {m.get(label, ""): v for m, v in self.query(q)}

    def wait_scraped_after(self, job, t, timeout=20):
        """Waits until `job`'s latest scrape started after wall-clock time t."""
        def scraped():
            res = self.query(f'max(timestamp(meshlet_streams_active{{job="{job}"}}))')
            return bool(res) and res[0][1] > t
        harness.wait_until(scraped, timeout, f"a scrape of {job} after the calls", self.proc)


def sequential(st, req, n):
    return [ec.unary_calls(st, 1, req, timeout=T)[0] for _ in range(n)]


def one_thread_counts(prom, st, backends, job="one"):
    before = ec.unary_counts(backends)
    outs = (sequential(st, Req(payload=b"ok"), N_OK - N_SLOW)
            + sequential(st, Req(payload=b"slow", sleep_ms=SLOW_MS), N_SLOW)
            + sequential(st, Req(payload=b"nf", status_code=5), N_NOT_FOUND)
            + sequential(st, Req(payload=b"un", status_code=14), N_UNAVAILABLE))
    t_end = time.time()
    calls = len(outs)
    client = ec.by_code(outs)
    seen = {k: v - before[k] for k, v in ec.unary_counts(backends).items()}
    expect(client == {"OK": N_OK, "NOT_FOUND": N_NOT_FOUND, "UNAVAILABLE": N_UNAVAILABLE},
           f"premise: the client got {client}")
    expect(sum(seen.values()) == calls, f"premise: the backends saw {seen}")
    prom.wait_scraped_after(job, t_end)
    sel = f'{{job="{job}"}}'
    total = prom.scalar(f"sum(meshlet_requests_total{sel})")
    statuses = prom.by(f"sum by (grpc_status) (meshlet_responses_total{sel})", "grpc_status")
    classes = prom.by(f"sum by (classification) (meshlet_responses_total{sel})",
                      "classification")
    per_ep = prom.by(f"sum by (endpoint) (meshlet_requests_total{sel})", "endpoint")
    lat_count = prom.scalar(f"sum(meshlet_response_latency_seconds_count{sel})")
    slow = prom.scalar(f'sum(meshlet_response_latency_seconds_bucket{{job="{job}",le="+Inf"}}) '
                       f'- sum(meshlet_response_latency_seconds_bucket{{job="{job}",le="0.025"}})')
    p50, p99 = (prom.scalar(f"histogram_quantile({q}, sum by (le) "
                            f"(meshlet_response_latency_seconds_bucket{sel}))") for q in (0.5, 0.99))
    ejections = prom.scalar(f"sum(meshlet_outlier_ejections_total{sel})")
    health = prom.by(f"sum by (state) (meshlet_endpoint_health{sel})", "state")
    active = prom.scalar(f"sum(meshlet_streams_active{sel})")
    print(f"  info requests {total}, by status {statuses}, by class {classes}, by endpoint "
          f"{per_ep}, latency count {lat_count} (>25ms: {slow}, p50 {p50:.4f}s, p99 {p99:.4f}s), ejections "
          f"{ejections}, health {health}, streams active {active}; backends saw {seen}",
          flush=True)
    expect(total == calls, f"sum(meshlet_requests_total) = {total}, {calls} calls made")
    expect(statuses == {"OK": N_OK, "NOT_FOUND": N_NOT_FOUND, "UNAVAILABLE": N_UNAVAILABLE},
           f"responses by grpc_status {statuses}")
    expect(classes == {"success": N_OK, "failure": N_NOT_FOUND + N_UNAVAILABLE},
           f"responses by classification {classes}")
    want_ep = {f"127.0.0.1:{b.port}": seen[b.name] for b in backends}
    expect(per_ep == want_ep, f"requests by endpoint {per_ep}, backends saw {want_ep}")
    expect(lat_count == calls, f"latency histogram count {lat_count}")
    expect(slow >= N_SLOW, f"{slow} calls above 25 ms, {N_SLOW} slept {SLOW_MS} ms")
    expect(p50 < 0.025 < p99, f"from the histogram: p50 {p50}, p99 {p99} ({N_SLOW} of {calls} "
                              f"calls slept {SLOW_MS} ms)")
    expect(ejections == 1, f"ejections {ejections}")
    expect(health == {"eligible": 1, "ejected": 1, "ineligible": 0}, f"health {health}")
    expect(active == 0, f"streams active {active}")


def two_threads_sum(prom, port, backends, job="two"):
    before = ec.unary_counts(backends)
    chans = [ec.channel(port) for _ in range(16)]
    try:
        outs = []
        for ch in chans:
            outs += sequential(ec.stub(ch), Req(payload=b"t"), 5)
        t_end = time.time()
        expect(ec.by_code(outs) == {"OK": 80}, f"premise: codes {ec.by_code(outs)}")
        prom.wait_scraped_after(job, t_end)
        sel = f'{{job="{job}"}}'
        total = prom.scalar(f"sum(meshlet_requests_total{sel})")
        conns = prom.by(f"sum by (side) (meshlet_connections_active{sel})", "side")
        seen = {k: v - before[k] for k, v in ec.unary_counts(backends).items()}
        print(f"  info requests {total}, connections {conns}, backends saw {seen}", flush=True)
        expect(total == 80, f"sum(meshlet_requests_total) = {total}, 80 calls made")
        expect(conns == {"downstream": 16, "upstream": 4},
               f"connections {conns}: want 16 downstream and 2 threads x 2 backends upstream")
    finally:
        for ch in chans:
            ch.close()


THREAD_CONNS = re.compile(r'^meshlet_io_thread_connections\{thread="(\d+)"\} (\S+)$', re.M)


def thread_connections(mport):
    """{thread index: open client connections} from meshlet's /metrics, read directly."""
    with urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=3) as r:
        text = r.read().decode()
    return {int(t): int(float(v)) for t, v in THREAD_CONNS.findall(text)}


def exact_accept_balance(port, mport):
    """--threads 2 (exact accept balancing, the default): 16 client connections opened one
    by one; after each the threads' counts differ by at most 1 (the kernel's SO_REUSEPORT hash
    alone would stay that even at every step with probability ~0.4 %); all are counted out
    when they close."""
    harness.wait_until(lambda: sum(thread_connections(mport).values()) == 0, 10,
                       "no client connection left from earlier checks")
    chans = []
    try:
        for i in range(1, 17):
            ch = ec.channel(port)
            chans.append(ch)
            o = sequential(ec.stub(ch), Req(payload=b"x"), 1)
            expect(ec.by_code(o) == {"OK": 1}, f"connection {i}: {ec.by_code(o)}")
            split = thread_connections(mport)
            expect(sorted(split) == [0, 1] and sum(split.values()) == i,
                   f"after {i} connections the threads count {split}")
            expect(abs(split[0] - split[1]) <= 1, f"after {i} connections: split {split}")
        print(f"  info 16 connections split {thread_connections(mport)}", flush=True)
    finally:
        for ch in chans:
            ch.close()
    harness.wait_until(lambda: sum(thread_connections(mport).values()) == 0, 10,
                       "closed connections counted out")


def off_serves_nothing(procs, ports):
    p, port = procs.meshlet(ports, extra=["--threads", "1", "--metrics", "off", "--admin", "off"],
                            name="meshlet-off")
    on, on_port = procs.meshlet(ports, extra=["--threads", "1", "--admin", "off"],
                                name="meshlet-on")
    mport = metrics_port(procs, on)
    expect(listening_ports(on.pid) == {on_port, mport},
           f"premise: metrics on listens on {listening_ports(on.pid)}")
    outs = ec.unary_calls(ec.stub(ec.channel(port)), 5, Req(payload=b"x"), timeout=T)
    expect(ec.by_code(outs) == {"OK": 5}, f"calls through --metrics off: {ec.by_code(outs)}")
    expect(listening_ports(p.pid) == {port},
           f"--metrics off listens on {listening_ports(p.pid)}, want only :{port}")
    expect(not METRICS_LINE.search(procs.log(p.name)), "--metrics off logged a metrics URL")


def port0_logs_real_port(procs, proc):
    port = metrics_port(procs, proc)
    expect(port != 0 and harness.port_accepts(port), f"logged port {port} does not accept")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    expect("meshlet_requests_total" in text and "meshlet_streams_active" in text,
           f"/metrics on {port}: {text[:300]!r}")


def taken_port_exits_1(procs, ports, taken):
    p = procs.start([harness.MESHLET_BIN, "--listen", f"127.0.0.1:{harness.free_port()}",
                     "--upstream", ",".join(f"127.0.0.1:{x}" for x in ports),
                     "--metrics", f"127.0.0.1:{taken}"], "meshlet-taken")
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    log = procs.log(p.name)
    expect(rc == 1, f"exit {rc}, want 1; log {log!r}")
    expect(f"--metrics: cannot listen on 127.0.0.1:{taken}: Address already in use" in log,
           f"message {log!r}")


def main():
    c = harness.Checks()
    if not os.access(PROMETHEUS, os.X_OK):
        c.check("prometheus_installed", False, f"{PROMETHEUS} missing: apt-get install prometheus")
        c.finish()
    with harness.Procs() as procs:
        backends = [procs.echo_backend(b)[0] for b in ("b1", "b2")]
        ports = [b.port for b in backends]
        one, one_port = procs.meshlet(ports, extra=["--threads", "1"], name="meshlet-one")
        two, two_port = procs.meshlet(ports, extra=["--threads", "2"], name="meshlet-two")
        c.run("port_0_logs_metrics_url_with_the_real_port", port0_logs_real_port, procs, one)
        prom = Prometheus(procs, {"one": metrics_port(procs, one),
                                  "two": metrics_port(procs, two)})
        c.run("prometheus_scrapes_both", lambda: harness.wait_until(
            lambda: prom.by("up", "job") == {"one": 1, "two": 1}, 20, "both targets up"))
        c.run("requests_and_statuses_match_the_calls_threads_1", one_thread_counts, prom,
              ec.stub(ec.channel(one_port)), backends)
        c.run("threads_2_scrape_sums_both_threads", two_threads_sum, prom, two_port, backends)
        c.run("threads_2_exact_accept_balance_split_within_1", exact_accept_balance, two_port,
              metrics_port(procs, two))
        c.run("metrics_off_serves_nothing", off_serves_nothing, procs, ports)
        c.run("taken_metrics_port_exits_1_with_a_clear_message", taken_port_exits_1, procs,
              ports, metrics_port(procs, one))
    c.finish()


if __name__ == "__main__":
    main()
