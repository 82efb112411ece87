"""Upstream connection pooling: many calls share one h2c connection per endpoint, and an
endpoint's SETTINGS_MAX_CONCURRENT_STREAMS makes meshlet open another connection instead of
queueing calls behind the limit."""
import collections
import concurrent.futures

import grpc

import echo_client as ec
import harness


def calls_in_parallel(port, n, timeout):
    """n concurrent unary calls on one client channel; returns their status codes."""
    import echo_pb2
    with ec.channel(port) as ch:
        stub = ec.stub(ch)

        def one(_):
            try:
                stub.Unary(echo_pb2.EchoRequest(payload=b"p"), timeout=timeout)
                return grpc.StatusCode.OK
            except grpc.RpcError as e:
                return e.code()
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, range(n)))


def test_max_concurrent_streams_opens_connections(procs):
    stall = ec.StallServer(max_concurrent_streams=2)
    try:
        _, port = procs.meshlet([stall.port], extra=["--threads", "1"])
        codes = calls_in_parallel(port, 6, timeout=1.5)
        harness.wait_until(lambda: len(stall.requests) >= 6, timeout=5,
                           what="6 calls reaching the upstream")
        per_conn = collections.Counter(stall.conn_of_request)
        assert all(c == grpc.StatusCode.DEADLINE_EXCEEDED for c in codes), codes
        assert stall.connections >= 3, f"{stall.connections} connections for 6 calls at 2 each"
        assert max(per_conn.values()) <= 2, f"a connection carried more than 2: {per_conn}"
    finally:
        stall.stop()


def test_calls_share_one_connection(procs):
    stall = ec.StallServer()
    try:
        _, port = procs.meshlet([stall.port], extra=["--threads", "1"])
        calls_in_parallel(port, 20, timeout=1.0)
        harness.wait_until(lambda: len(stall.requests) >= 20, timeout=5,
                           what="20 calls reaching the upstream")
        assert stall.connections == 1, f"{stall.connections} connections for 20 calls"
    finally:
        stall.stop()


def main():
    harness.gen_python("echo.proto", harness.TESTKIT_PROTO_DIR)
    checks = harness.Checks()
    for name, fn in [("max_concurrent_streams_opens_connections",
                      test_max_concurrent_streams_opens_connections),
                     ("calls_share_one_connection", test_calls_share_one_connection)]:
        with harness.Procs() as procs:
            checks.run(name, fn, procs)
    checks.finish()


if __name__ == "__main__":
    main()
