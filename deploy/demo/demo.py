#!/usr/bin/python3
"""meshlet's demo: the hot-partition problem and its fix, on one machine.

Starts 4 grpc++ echo backends (../shared/testkit) and meshlet in front of them, makes
1,000 unary calls over ONE client connection through meshlet, and prints how many calls
each backend served. Then makes the same 1,000 calls straight to one backend (what an L4
balancer does with a long-lived HTTP/2 connection) for contrast. Everything runs on
127.0.0.1 and is stopped at the end.
"""
import os
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


def main():
    harness.gen_python("echo.proto", harness.TESTKIT_PROTO_DIR)
    ids = ["b1", "b2", "b3", "b4"]
    with harness.Procs() as procs:
        ports = [procs.echo_backend(b)[1] for b in ids]
        _, mport = procs.meshlet(ports, extra=["--threads", "1"])
        print(f"4 echo backends on ports {ports}; meshlet on {mport}")
        via = spread(mport, CALLS)
        direct = spread(ports[0], CALLS)
    table(f"{CALLS} calls on one connection THROUGH meshlet (per-call round robin):", via, ids)
    table(f"{CALLS} calls on one connection straight to b1 (what L4 balancing gives):",
          direct, ids)
    ok = sorted(via.values()) == [CALLS // 4] * 4
    print("\nspread through meshlet: " + ("even, 250 each" if ok else f"UNEVEN {via}"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
