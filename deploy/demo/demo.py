#!/usr/bin/python3
"""meshlet's demo: the hot-partition problem and its fix, on one machine.

Starts 4 grpc++ echo backends (../shared/testkit) and meshlet in front of them, makes
1,000 unary calls over ONE client connection through meshlet, and prints how many calls
each backend served. Then makes the same 1,000 calls straight to one backend (what an L4
balancer does with a long-lived HTTP/2 connection) for contrast. Finally shows what meshctl
(the admin CLI) says about the endpoints, and that a weight set at runtime changes the spread.
Everything runs on 127.0.0.1 and is stopped at the end.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "integration"))
import harness  # noqa: E402

CALLS = 1000


def spread(port, calls):
    import grpc
    import echo_pb2
    import echo_pb2_grpc
    counts = {}
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:  # one HTTP/2 connection
        stub = echo_pb2_grpc.EchoStub(ch)
        for i in range(calls):
            reply = stub.Unary(echo_pb2.EchoRequest(payload=b"x" * 64), timeout=10)
            counts[reply.backend_id] = counts.get(reply.backend_id, 0) + 1
    return counts


def table(title, counts, backends):
    print(f"\n{title}")
    print(f"  {'backend':<10}{'calls':>7}  share")
    for b in backends:
        n = counts.get(b, 0)
        print(f"  {b:<10}{n:>7}  {'#' * (n * 40 // CALLS)}")


def meshctl(admin_port, *args):
    """Runs build/meshctl against the demo's meshlet; its output, or why not."""
    path = os.path.join(harness.REPO, "build", "meshctl")
    if not os.path.exists(path):
        return f"({path} is not built)"
    p = subprocess.run([path, "--admin", f"127.0.0.1:{admin_port}", *args],
                       capture_output=True, text=True, timeout=10)
    return (p.stdout + p.stderr).rstrip()


def main():
    harness.gen_python("echo.proto", harness.TESTKIT_PROTO_DIR)
    ids = ["b1", "b2", "b3", "b4"]
    with harness.Procs() as procs:
        ports = [procs.echo_backend(b)[1] for b in ids]
        admin = harness.free_port()
        _, mport = procs.meshlet(ports, extra=["--threads", "1", "--lb", "weighted_round_robin",
                                               "--admin", f"127.0.0.1:{admin}"])
        print(f"4 echo backends on ports {ports}; meshlet on {mport}, admin API on {admin}")
        via = spread(mport, CALLS)
        direct = spread(ports[0], CALLS)
        print(f"\n$ meshctl endpoints\n{meshctl(admin, 'endpoints')}")
        print(f"\n$ meshctl set-weight default 127.0.0.1:{ports[0]} 7\n"
              f"{meshctl(admin, 'set-weight', 'default', f'127.0.0.1:{ports[0]}', '7')}")
        weighted = spread(mport, CALLS)
    table(f"{CALLS} calls on one connection THROUGH meshlet (weighted round robin, equal weights):", via, ids)
    table(f"{CALLS} calls on one connection straight to b1 (what L4 balancing gives):",
          direct, ids)
    table(f"{CALLS} calls THROUGH meshlet after b1's weight became 7 (7:1:1:1):", weighted, ids)
    ok = sorted(via.values()) == [CALLS // 4] * 4
    print("\nspread through meshlet: " + ("even, 250 each" if ok else f"UNEVEN {via}"))
    weighted_ok = weighted == {"b1": 700, "b2": 100, "b3": 100, "b4": 100}
    print("after set-weight: " + ("700/100/100/100" if weighted_ok else f"UNEXPECTED {weighted}"))
    return 0 if ok and weighted_ok else 1


if __name__ == "__main__":
    sys.exit(main())
