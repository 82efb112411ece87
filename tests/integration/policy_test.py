#!/usr/bin/python3
"""meshlet's load-balancing policies against real backends, one client connection with many
calls in flight (so that load matters):
  - three fast echo_backends and one backend that answers every call 50 ms late (a python
    grpcio Echo server, this file run with --slow-backend): least_request and peak_ewma send
    it < 10% of 2,000 calls, round_robin 25% (+-1%);
  - ring_hash on x-user-id (from --config): each of 20 keys stays on one backend for 100
    calls, and the keys spread over more than one backend;
  - weighted_round_robin with endpoint weights 3:1 (from --config): 75% (+-3%) of 2,000.

usage: policy_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
       policy_test.py --slow-backend ID PORT_FILE DELAY_MS   (the slow backend itself)
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FAST = ["f1", "f2", "f3"]
SLOW = "slow"
SLOW_MS = 50
CALLS = 2000
CONCURRENCY = 32
T = 20  # per-call deadline (s)


def slow_backend_main(backend_id, port_file, delay_ms):
    """meshtest.Echo that sleeps delay_ms before every reply, whatever the request says.
    Writes its port to port_file (atomically) once listening; SIGTERM stops it."""
    from concurrent import futures

    import grpc
    # A private stub directory: the test process may be rewriting the shared cache now.
    harness.gen_python("echo.proto", harness.TESTKIT_PROTO_DIR)
    import echo_pb2
    import echo_pb2_grpc

    delay = delay_ms / 1000.0

    class SlowEcho(echo_pb2_grpc.EchoServicer):
        def Unary(self, request, context):
            time.sleep(delay)
            return echo_pb2.EchoReply(payload=request.payload, backend_id=backend_id)

        def ServerStream(self, request, context):
            for seq in range(max(1, request.reply_count)):
                time.sleep(delay)
                yield echo_pb2.EchoReply(payload=request.payload, backend_id=backend_id,
                                         seq=seq)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=128))
    echo_pb2_grpc.add_EchoServicer_to_server(SlowEcho(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    server.stop(0.5).wait()


if __name__ == "__main__" and sys.argv[1:2] == ["--slow-backend"]:
    slow_backend_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    sys.exit(0)

import echo_client as ec  # noqa: E402  (not in the slow backend: see harness.gen_python)
from echo_client import Req, expect  # noqa: E402


def start_slow_backend(procs, backend_id, delay_ms):
    port_file = os.path.join(procs.tmp, backend_id + ".port")
    p = procs.start([harness.PYTHON, os.path.abspath(__file__), "--slow-backend", backend_id,
                     port_file, str(delay_ms)], backend_id)
    harness.wait_until(lambda: os.path.exists(port_file), 30, f"{backend_id} port file", p)
    with open(port_file) as f:
        p.port = int(f.read().strip())
    return p


def start_meshlet_config(procs, yaml_text, port, name, extra=()):
    """Writes yaml_text to NAME.yaml, starts `meshlet --config` (plus `extra` flags) and waits
    until :port accepts. Returns the process."""
    path = os.path.join(procs.tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(yaml_text)
    p = procs.start([harness.MESHLET_BIN, "--config", path, *extra], name)
    harness.wait_until(lambda: harness.port_accepts(port), what=f"{name} on :{port}", proc=p)
    p.port = port
    return p


def one_cluster_yaml(port, lb, endpoints):
    """A listener on :port whose one route sends everything to cluster `c`.
    endpoints: [(port, weight)]."""
    eps = "\n".join(f"      - {{address: 127.0.0.1:{p}, weight: {w}}}" for p, w in endpoints)
    return (f"listeners:\n"
            f"  - name: main\n"
            f"    address: 127.0.0.1:{port}\n"
            f"    routes: [all]\n"
            f"clusters:\n"
            f"  - name: c\n"
            f"    lb: {lb}\n"
            f"    endpoints:\n{eps}\n"
            f"routes:\n"
            f"  - name: all\n"
            f"    cluster: c\n")


def concurrent_calls(st, n, concurrency=CONCURRENCY, req=None, metadata=lambda i: None):
    """n unary calls with `concurrency` of them in flight all the time: a finished call is
    replaced at once (unlike ec.unary_calls, which waits on the oldest). Returns Outcomes
    in call order."""
    req = req or Req(payload=b"p")
    slots = threading.Semaphore(concurrency)
    pending = []
    for i in range(n):
        if not slots.acquire(timeout=T + 5):
            raise TimeoutError(f"no call finished in {T + 5}s (after {i} started)")
        p = ec.start_unary(st, req, timeout=T, metadata=metadata(i))
        p.future.add_done_callback(lambda _: slots.release())
        pending.append(p)
    return ec.finish(pending)


def share_of_slow(port):
    """2,000 calls on one fresh connection; returns (calls the slow backend answered, by
    backend, elapsed s)."""
    st = ec.stub(ec.channel(port))
    t0 = time.monotonic()
    outs = concurrent_calls(st, CALLS)
    elapsed = time.monotonic() - t0
    expect(ec.by_code(outs) == {"OK": CALLS}, f"codes {ec.by_code(outs)}")
    ids = ec.by_backend(outs)
    expect(set(ids) <= set(FAST) | {SLOW}, f"unknown backends {ids}")
    print(f"  info {ids} in {elapsed:.2f}s", flush=True)
    return ids.get(SLOW, 0), ids, elapsed


def avoids_slow(procs, ports, policy):
    _, port = procs.meshlet(ports, extra=["--lb", policy], name="meshlet-" + policy)
    slow, ids, _ = share_of_slow(port)
    expect(slow < CALLS // 10, f"{policy}: slow backend got {slow}/{CALLS} (>= 10%): {ids}")
    expect(set(ids) == set(FAST) | ({SLOW} if slow else set()), f"a fast backend unused: {ids}")


def round_robin_ignores_latency(procs, ports):
    _, port = procs.meshlet(ports, extra=["--lb", "round_robin"], name="meshlet-round_robin")
    slow, ids, _ = share_of_slow(port)
    expect(480 <= slow <= 520, f"round_robin: slow backend got {slow}/{CALLS}, want 25%+-1%: {ids}")
    expect(all(480 <= ids.get(b, 0) <= 520 for b in FAST), f"round_robin: fast spread {ids}")


def slow_backend_is_slow(slow):
    """The premise: every call to the slow backend takes >= 50 ms."""
    st = ec.stub(ec.channel(slow.port))
    outs = [ec.start_unary(st, Req(payload=b"s", sleep_ms=0), timeout=T) for _ in range(10)]
    outs = ec.finish(outs)
    expect(ec.by_code(outs) == {"OK": 10}, f"codes {ec.by_code(outs)}")
    expect(all(o.reply.backend_id == SLOW for o in outs), "wrong backend_id")
    expect(min(o.elapsed for o in outs) >= SLOW_MS / 1000, f"fastest call {min(o.elapsed for o in outs)}")


def ring_hash_sticky(procs, backends):
    port = harness.free_port()
    yaml_text = one_cluster_yaml(port, "{policy: ring_hash, hash_header: x-user-id}",
                                 [(b.port, 1) for b in backends])
    start_meshlet_config(procs, yaml_text, port, "meshlet-ring_hash")
    st = ec.stub(ec.channel(port))
    keys = [f"user-{k}" for k in range(20)]
    outs = concurrent_calls(st, 20 * 100, metadata=lambda i: [("x-user-id", keys[i % 20])])
    expect(ec.by_code(outs) == {"OK": 2000}, f"codes {ec.by_code(outs)}")
    seen = {k: {} for k in keys}
    for i, o in enumerate(outs):
        s = seen[keys[i % 20]]
        s[o.reply.backend_id] = s.get(o.reply.backend_id, 0) + 1
    moved = {k: s for k, s in seen.items() if len(s) != 1}
    expect(not moved, f"{len(moved)} keys answered by several backends, e.g. "
                      f"{dict(list(moved.items())[:3])}")
    used = {next(iter(s)) for s in seen.values()}
    print(f"  info 20 keys on {sorted(used)}", flush=True)
    expect(len(used) > 1, f"all 20 keys on one backend {used}: no hashing")


def weighted_3_to_1(procs, backends, threads=1, connections=1):
    """With several I/O threads each runs its own policy instance: the weights must hold on
    every thread, so the total over several connections (spread by SO_REUSEPORT) too."""
    heavy, light = backends[0], backends[1]
    port = harness.free_port()
    yaml_text = one_cluster_yaml(port, "{policy: weighted_round_robin}",
                                 [(heavy.port, 3), (light.port, 1)])
    start_meshlet_config(procs, yaml_text, port, f"meshlet-wrr-t{threads}",
                         extra=["--threads", str(threads)])
    outs = []
    for _ in range(connections):
        st = ec.stub(ec.channel(port))
        outs += concurrent_calls(st, CALLS // connections)
    expect(ec.by_code(outs) == {"OK": CALLS}, f"codes {ec.by_code(outs)}")
    ids = ec.by_backend(outs)
    print(f"  info {ids}", flush=True)
    expect(set(ids) <= {heavy.name, light.name}, f"unknown backends {ids}")
    expect(1440 <= ids.get(heavy.name, 0) <= 1560, f"weight 3 got {ids} of {CALLS}, want 75%+-3%")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        fast = [procs.echo_backend(i)[0] for i in FAST]
        slow = start_slow_backend(procs, SLOW, SLOW_MS)
        ports = [b.port for b in fast] + [slow.port]
        c.run("slow_backend_takes_50ms", slow_backend_is_slow, slow)
        c.run("round_robin_slow_backend_25pct", round_robin_ignores_latency, procs, ports)
        c.run("least_request_slow_backend_under_10pct", avoids_slow, procs, ports,
              "least_request")
        c.run("peak_ewma_slow_backend_under_10pct", avoids_slow, procs, ports, "peak_ewma")
        c.run("ring_hash_20_keys_sticky", ring_hash_sticky, procs, fast)
        c.run("weighted_round_robin_3_to_1", weighted_3_to_1, procs, fast)
        c.run("weighted_round_robin_3_to_1_threads2_4_connections", weighted_3_to_1, procs,
              fast, 2, 4)
    c.finish()


if __name__ == "__main__":
    main()
