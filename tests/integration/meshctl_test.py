#!/usr/bin/python3
"""meshctl against a fake meshlet.admin.v1.Admin server (python grpcio, in this process) that
answers with fixed, realistic responses and records what it was asked:
  - every command in table and JSON form, stdout compared with golden files in
    tests/integration/golden/meshctl/<command>.{txt,json} (MESHCTL_UPDATE_GOLDEN=1 rewrites them);
  - the request fields meshctl sends (weight / drain presence, cluster filter, bearer token);
  - failures as one stderr line and exit 1: an RPC error, nothing listening, a silent server, a
    server that is not HTTP/2, a malformed response; usage errors exit 2.

usage: meshctl_test.py   (MESHCTL_BIN: the binary; default: beside MESHLET_BIN, else
                          <repo>/build/meshctl)
"""
import difflib
import os
import socket
import subprocess
import sys
import threading
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def meshctl_bin():
    if os.environ.get("MESHCTL_BIN"):
        return os.environ["MESHCTL_BIN"]
    if os.environ.get("MESHLET_BIN"):  # ctest: meshctl is built next to meshlet
        return os.path.join(os.path.dirname(os.environ["MESHLET_BIN"]), "meshctl")
    return os.path.join(harness.REPO, "build", "meshctl")


MESHCTL = meshctl_bin()
GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "meshctl")
UPDATE = os.environ.get("MESHCTL_UPDATE_GOLDEN") == "1"

harness.gen_python("meshlet/admin/v1/admin.proto", os.path.join(harness.REPO, "proto"))
import grpc  # noqa: E402
from meshlet.admin.v1 import admin_pb2 as pb  # noqa: E402  (generated just above)
from meshlet.admin.v1 import admin_pb2_grpc as pb_grpc  # noqa: E402

CONFIG_YAML = """\
listeners:
  - name: default
    address: 127.0.0.1:8080
    cluster: default
  - name: internal
    address: 10.0.0.5:9090
    cluster: payments
clusters:
  - name: default
    lb_policy: round_robin
    runtime_endpoints: true
    endpoints: [127.0.0.1:9001]
  - name: payments
    lb_policy: peak_ewma
    endpoints: [payments.internal:8443]
    health_checks: {interval_ms: 5000, timeout_ms: 1000}
admin: {address: 127.0.0.1:15000}
metrics: {address: 127.0.0.1:15090}
"""


def endpoints():
    E = pb.Endpoint
    return [
        E(cluster="default", address="127.0.0.1:9001", source=pb.ENDPOINT_SOURCE_CONFIG,
          weight=1, eligible=True, health=pb.HEALTH_STATE_UNCHECKED, outlier=pb.OUTLIER_STATE_OK,
          in_flight=2, latency_ewma_ms=0.84, calls=617000, errors=12),
        E(cluster="default", address="127.0.0.1:9002", source=pb.ENDPOINT_SOURCE_ADMIN,
          weight=5, eligible=True, health=pb.HEALTH_STATE_UNCHECKED, outlier=pb.OUTLIER_STATE_OK,
          ejections=1, in_flight=1, latency_ewma_ms=1.2, calls=617567, errors=3),
        E(cluster="payments", address="10.1.2.3:8443", source=pb.ENDPOINT_SOURCE_DNS,
          weight=100, draining=True, health=pb.HEALTH_STATE_HEALTHY,
          outlier=pb.OUTLIER_STATE_OK, in_flight=7, latency_ewma_ms=12.345, calls=50000),
        E(cluster="payments", address="10.1.2.4:8443", source=pb.ENDPOINT_SOURCE_DNS,
          weight=100, health=pb.HEALTH_STATE_UNHEALTHY, outlier=pb.OUTLIER_STATE_EJECTED,
          ejections=3, latency_ewma_ms=250.5, calls=48765, errors=4321, gossip_unhealthy=True,
          gossip_reporter="node-c:7946"),
    ]


class FakeAdmin(pb_grpc.AdminServicer):
    """Fixed answers; every call recorded as (method, request, metadata dict). `fail` maps a
    method name to the (grpc.StatusCode, message) it answers with instead."""

    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []
        self.fail = {}
        self.gossip = True
        self.config_yaml = CONFIG_YAML

    def _record(self, method, request, context):
        with self.lock:
            self.calls.append((method, request, dict(context.invocation_metadata())))
        if method in self.fail:
            code, message = self.fail[method]
            context.abort(code, message)

    def last(self, method):
        with self.lock:
            for m, req, md in reversed(self.calls):
                if m == method:
                    return req, md
        raise AssertionError(f"the fake server got no {method} call")

    def GetStatus(self, request, context):
        self._record("GetStatus", request, context)
        return pb.GetStatusResponse(
            version="0.1.0", uptime_seconds=93784.5, threads=4,
            listeners=[pb.Listener(name="default", address="127.0.0.1:8080"),
                       pb.Listener(name="internal", address="10.0.0.5:9090")],
            config_source="/etc/meshlet/meshlet.yaml", admin_address="127.0.0.1:15000",
            metrics_address="127.0.0.1:15090", node_name="node-a:7946", active_streams=17,
            active_connections=5)

    def ListClusters(self, request, context):
        self._record("ListClusters", request, context)
        return pb.ListClustersResponse(clusters=[
            pb.Cluster(name="default", lb_policy="round_robin", endpoints=2,
                       eligible_endpoints=2, outlier_detection=True, runtime_endpoints=True,
                       requests=1234567, active_requests=3),
            pb.Cluster(name="payments", lb_policy="peak_ewma", endpoints=2,
                       eligible_endpoints=0, health_checks=True, outlier_detection=True,
                       requests=98765, active_requests=12)])

    def ListEndpoints(self, request, context):
        self._record("ListEndpoints", request, context)
        return pb.ListEndpointsResponse(endpoints=[
            e for e in endpoints() if not request.cluster or e.cluster == request.cluster])

    def SetEndpoint(self, request, context):
        self._record("SetEndpoint", request, context)
        e = next((e for e in endpoints()
                  if e.cluster == request.cluster and e.address == request.address), None)
        if e is None:
            context.abort(grpc.StatusCode.NOT_FOUND,
                          f"cluster {request.cluster!r} has no endpoint {request.address!r}")
        if request.weight:
            e.weight = request.weight
        if request.drain != pb.DRAIN_CHANGE_UNSPECIFIED:
            e.draining = request.drain == pb.DRAIN_CHANGE_DRAIN
            e.eligible = not e.draining
        return pb.SetEndpointResponse(endpoint=e)

    def AddEndpoint(self, request, context):
        self._record("AddEndpoint", request, context)
        return pb.AddEndpointResponse(endpoint=pb.Endpoint(
            cluster=request.cluster, address=request.address, source=pb.ENDPOINT_SOURCE_ADMIN,
            weight=request.weight or 1, eligible=True, health=pb.HEALTH_STATE_UNCHECKED,
            outlier=pb.OUTLIER_STATE_OK))

    def RemoveEndpoint(self, request, context):
        self._record("RemoveEndpoint", request, context)
        return pb.RemoveEndpointResponse()

    def ListMembers(self, request, context):
        self._record("ListMembers", request, context)
        if not self.gossip:
            return pb.ListMembersResponse(enabled=False)
        M = pb.Member
        return pb.ListMembersResponse(enabled=True, members=[
            M(name="node-a:7946", address="127.0.0.1:7946", state=pb.MEMBER_STATE_ALIVE,
              incarnation=3, self=True),
            M(name="node-b:7946", address="10.0.0.6:7946", state=pb.MEMBER_STATE_SUSPECT,
              incarnation=7),
            M(name="node-c:7946", address="10.0.0.7:7946", state=pb.MEMBER_STATE_DEAD,
              incarnation=2),
            M(name="node-d:7946", address="10.0.0.8:7946", state=pb.MEMBER_STATE_LEFT,
              incarnation=12)])

    def GetConfig(self, request, context):
        self._record("GetConfig", request, context)
        return pb.GetConfigResponse(yaml=self.config_yaml, source="/etc/meshlet/meshlet.yaml")

    def ReloadConfig(self, request, context):
        self._record("ReloadConfig", request, context)
        return pb.ReloadConfigResponse(clusters=2, routes=3, source="/etc/meshlet/meshlet.yaml")

    def Drain(self, request, context):
        self._record("Drain", request, context)
        return pb.DrainResponse(active_streams=17, grace_ms=10000)


def start_server(handlers):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=handlers)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def start_fake():
    fake = FakeAdmin()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_AdminServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return fake, server, port


class RawServer:
    """A TCP server on 127.0.0.1 that does `behave(conn)` with every connection: for servers
    that are silent, close at once or speak something else than HTTP/2."""

    def __init__(self, behave):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.behave = behave
        self.conns = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.behave(conn)
        except OSError:
            pass  # stop() closed the socket under it, or meshctl hung up

    def stop(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def h2_answer(respond):
    """A RawServer behaviour: speaks HTTP/2 (python h2) and, when a request has arrived whole,
    calls respond(conn, stream_id) to answer it with whatever frames the test needs."""
    import h2.config
    import h2.connection
    import h2.events

    def behave(sock):
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        sock.sendall(conn.data_to_send())
        while True:
            data = sock.recv(65536)
            if not data:
                return
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.StreamEnded):
                    respond(conn, ev.stream_id)
            sock.sendall(conn.data_to_send())
    return behave


def run(port, *args, env_extra=None, timeout=20):
    """Runs meshctl --admin 127.0.0.1:port args...; returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "MESHLET_ADMIN_TOKEN"}
    env.update(env_extra or {})
    p = subprocess.run([MESHCTL, "--admin", f"127.0.0.1:{port}", *args], capture_output=True,
                       env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def expect(ok, detail):
    if not ok:
        raise AssertionError(detail)


def expect_ok(rc, out, err):
    expect(rc == 0 and err == "", f"exit {rc}, stderr {err!r}")


def expect_one_error_line(rc, out, err, rc_want=1, contains=""):
    expect(rc == rc_want, f"exit {rc} (want {rc_want}), stderr {err!r}")
    expect(out == "", f"stdout not empty: {out!r}")
    expect(err.endswith("\n") and err.count("\n") == 1, f"not exactly one stderr line: {err!r}")
    expect(contains in err, f"stderr {err!r} lacks {contains!r}")


# Commands with golden output: (golden name, meshctl arguments).
GOLDEN = [
    ("status", ["status"]),
    ("clusters", ["clusters"]),
    ("endpoints", ["endpoints"]),
    ("set-weight", ["set-weight", "default", "127.0.0.1:9002", "7"]),
    ("drain-endpoint", ["drain-endpoint", "payments", "10.1.2.3:8443"]),
    ("undrain-endpoint", ["undrain-endpoint", "payments", "10.1.2.3:8443"]),
    ("add-endpoint", ["add-endpoint", "default", "127.0.0.1:9003", "--weight", "3"]),
    ("remove-endpoint", ["remove-endpoint", "default", "127.0.0.1:9003"]),
    ("members", ["members"]),
    ("config", ["config"]),
    ("reload", ["reload"]),
    ("drain", ["drain"]),
]


def compare_golden(name, actual):
    path = os.path.join(GOLDEN_DIR, name)
    if UPDATE:
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        with open(path, "w") as f:
            f.write(actual)
        return
    expect(os.path.exists(path), f"no golden file {path} (MESHCTL_UPDATE_GOLDEN=1 makes it)")
    with open(path) as f:
        want = f.read()
    if actual != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), actual.splitlines(True),
                                            "golden/" + name, "meshctl"))
        raise AssertionError("output differs from the golden file:\n" + diff)


def test_golden(port, args, name, fmt):
    extra = ["-o", "json"] if fmt == "json" else []
    rc, out, err = run(port, *args, *extra)
    expect_ok(rc, out, err)
    compare_golden(f"{name}.{fmt}", out)


def test_global_flags_after_command(port):
    rc, out, err = run(port, "clusters", "-o", "json")
    expect_ok(rc, out, err)
    expect('"lb_policy": "peak_ewma"' in out, out)


def test_endpoints_request(fake, port):
    rc, out, err = run(port, "endpoints", "payments")
    expect_ok(rc, out, err)
    req, _ = fake.last("ListEndpoints")
    expect(req.cluster == "payments", f"cluster {req.cluster!r}")
    expect("127.0.0.1:9001" not in out and "10.1.2.4:8443" in out, out)
    rc, out, err = run(port, "endpoints")
    expect_ok(rc, out, err)
    req, _ = fake.last("ListEndpoints")
    expect(req.cluster == "", f"cluster {req.cluster!r}")


def test_set_weight_request(fake, port):
    expect_ok(*run(port, "set-weight", "default", "127.0.0.1:9002", "42"))
    req, _ = fake.last("SetEndpoint")
    expect((req.cluster, req.address) == ("default", "127.0.0.1:9002"), str(req))
    expect(req.weight == 42, f"weight: {req}")
    expect(req.drain == pb.DRAIN_CHANGE_UNSPECIFIED, f"set-weight changed drain: {req}")


def test_drain_endpoint_request(fake, port):
    expect_ok(*run(port, "drain-endpoint", "payments", "10.1.2.3:8443"))
    req, _ = fake.last("SetEndpoint")
    expect((req.cluster, req.address) == ("payments", "10.1.2.3:8443"), str(req))
    expect(req.drain == pb.DRAIN_CHANGE_DRAIN, f"drain: {req}")
    expect(req.weight == 0, f"drain-endpoint sent a weight: {req}")
    expect_ok(*run(port, "undrain-endpoint", "payments", "10.1.2.3:8443"))
    req, _ = fake.last("SetEndpoint")
    expect(req.drain == pb.DRAIN_CHANGE_UNDRAIN, f"undrain: {req}")
    expect(req.weight == 0, f"undrain-endpoint sent a weight: {req}")


def test_add_remove_request(fake, port):
    expect_ok(*run(port, "add-endpoint", "default", "127.0.0.1:9005", "--weight", "9"))
    req, _ = fake.last("AddEndpoint")
    expect((req.cluster, req.address, req.weight) == ("default", "127.0.0.1:9005", 9), str(req))
    expect_ok(*run(port, "add-endpoint", "default", "127.0.0.1:9006"))
    req, _ = fake.last("AddEndpoint")
    expect(req.weight == 0, f"no --weight must send 0 (server default): {req}")
    expect_ok(*run(port, "remove-endpoint", "default", "127.0.0.1:9005"))
    req, _ = fake.last("RemoveEndpoint")
    expect((req.cluster, req.address) == ("default", "127.0.0.1:9005"), str(req))


def test_token(fake, port, tmp):
    token_file = os.path.join(tmp, "token")
    with open(token_file, "w") as f:
        f.write("  s3cret-token\n")
    expect_ok(*run(port, "--token-file", token_file, "drain"))
    _, md = fake.last("Drain")
    expect(md.get("authorization") == "Bearer s3cret-token", f"metadata {md}")
    expect_ok(*run(port, "reload", env_extra={"MESHLET_ADMIN_TOKEN": "from-env\n"}))
    _, md = fake.last("ReloadConfig")
    expect(md.get("authorization") == "Bearer from-env", f"metadata {md}")
    expect_ok(*run(port, "--token-file", token_file, "reload",
                   env_extra={"MESHLET_ADMIN_TOKEN": "from-env"}))
    _, md = fake.last("ReloadConfig")
    expect(md.get("authorization") == "Bearer s3cret-token", f"--token-file wins: {md}")
    expect_ok(*run(port, "status"))
    _, md = fake.last("GetStatus")
    expect("authorization" not in md, f"no token, yet {md}")


def test_gossip_off(fake, port):
    fake.gossip = False
    try:
        rc, out, err = run(port, "members")
    finally:
        fake.gossip = True
    expect_ok(rc, out, err)
    expect(out == "gossip is off (meshlet runs without --gossip-bind)\n", repr(out))


def test_large_config(fake, port):
    # 3 MiB: many times the stream window meshctl advertises, so its window updates must flow.
    fake.config_yaml = "".join(f"# line {i:07d} {'x' * 40}\n" for i in range(60000))
    try:
        rc, out, err = run(port, "config")
    finally:
        big, fake.config_yaml = fake.config_yaml, CONFIG_YAML
    expect_ok(rc, out, err)
    expect(out == big, f"got {len(out)} bytes of {len(big)}")


def test_rpc_error(fake, port):
    fake.fail["SetEndpoint"] = (grpc.StatusCode.PERMISSION_DENIED,
                                "mutating calls need a bearer token")
    try:
        rc, out, err = run(port, "set-weight", "default", "127.0.0.1:9002", "5")
    finally:
        fake.fail.clear()
    expect_one_error_line(rc, out, err)
    expect(err == "meshctl: SetEndpoint: PERMISSION_DENIED: mutating calls need a bearer token\n",
           repr(err))


def test_rpc_error_multiline_message(fake, port):
    fake.fail["ReloadConfig"] = (grpc.StatusCode.FAILED_PRECONDITION,
                                 "config invalid:\nclusters[0].lb_policy: unknown 'fastest'\n"
                                 "routes[1]: no cluster ‘x’")
    try:
        rc, out, err = run(port, "reload")
    finally:
        fake.fail.clear()
    expect_one_error_line(rc, out, err, contains="meshctl: ReloadConfig: FAILED_PRECONDITION: "
                          "config invalid: clusters[0].lb_policy: unknown 'fastest'")
    expect("‘x’" in err, f"UTF-8 in grpc-message lost: {err!r}")


def test_not_found(port):
    rc, out, err = run(port, "set-weight", "nope", "1.2.3.4:5", "3")
    expect_one_error_line(rc, out, err, contains="meshctl: SetEndpoint: NOT_FOUND: cluster 'nope'")


def test_unreachable():
    port = harness.free_port()
    rc, out, err = run(port, "status")
    expect_one_error_line(rc, out, err)
    want = f"meshctl: cannot reach meshlet admin at 127.0.0.1:{port}: Connection refused\n"
    expect(err == want, repr(err))


def test_silent_server_times_out():
    raw = RawServer(lambda conn: conn.recv(65536))  # reads the request, never answers
    try:
        rc, out, err = run(raw.port, "--timeout-ms", "300", "status")
    finally:
        raw.stop()
    expect_one_error_line(rc, out, err, contains="no response within 300 ms")


def test_server_closes_at_once():
    raw = RawServer(lambda conn: conn.close())
    try:
        rc, out, err = run(raw.port, "clusters")
    finally:
        raw.stop()
    expect_one_error_line(rc, out, err, contains="meshctl: ListClusters: meshlet admin at")


def test_http1_server():
    def http1(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()
    raw = RawServer(http1)
    try:
        rc, out, err = run(raw.port, "--timeout-ms", "2000", "status")
    finally:
        raw.stop()
    expect_one_error_line(rc, out, err, contains="answered in HTTP/1")


def test_not_http2_server():
    def garbage(conn):
        conn.recv(65536)
        conn.sendall(b"\x00" * 9 + b"\xff" * 100)  # a frame header, then nonsense
        conn.recv(65536)  # meshctl's GOAWAY
    raw = RawServer(garbage)
    try:
        rc, out, err = run(raw.port, "--timeout-ms", "5000", "status")
    finally:
        raw.stop()
    expect_one_error_line(rc, out, err, contains="HTTP/2 failed")


def test_bad_h2_answers():
    """Answers only a hand-made HTTP/2 server gives: a compressed message, an HTTP error
    without grpc-status, a reset stream, grpc-status in a Trailers-Only response."""
    ok_headers = [(":status", "200"), ("content-type", "application/grpc")]

    def compressed(conn, sid):
        conn.send_headers(sid, ok_headers)
        conn.send_data(sid, b"\x01\x00\x00\x00\x02\x08\x01")
        conn.send_headers(sid, [("grpc-status", "0")], end_stream=True)

    def http_503(conn, sid):
        conn.send_headers(sid, [(":status", "503")], end_stream=True)

    def reset(conn, sid):
        conn.send_headers(sid, ok_headers)
        conn.reset_stream(sid, error_code=2)

    def trailers_only(conn, sid):
        conn.send_headers(sid, ok_headers + [("grpc-status", "9"),
                                             ("grpc-message", "config%20has%0Aerrors")],
                          end_stream=True)

    cases = [
        (compressed, "meshctl: GetStatus: meshlet admin at 127.0.0.1:{}: bad response: "
                     "compressed message (no grpc-encoding was negotiated)\n"),
        (http_503, "meshctl: GetStatus: UNAVAILABLE: HTTP status 503 without grpc-status\n"),
        (reset, "meshctl: GetStatus: meshlet admin at 127.0.0.1:{}: reset the call "
                "(INTERNAL_ERROR)\n"),
        (trailers_only, "meshctl: GetStatus: FAILED_PRECONDITION: config has errors\n"),
    ]
    for respond, want in cases:
        raw = RawServer(h2_answer(respond))
        try:
            rc, out, err = run(raw.port, "status")
        finally:
            raw.stop()
        expect_one_error_line(rc, out, err)
        expect(err == want.format(raw.port), f"{respond.__name__}: {err!r}")


def test_malformed_response():
    # GetStatus answers bytes that are no GetStatusResponse (a truncated varint field);
    # GetConfig answers a response of the wrong type whose field 1 is a string of invalid UTF-8.
    raw_bytes = {"GetStatus": b"\x08\xff\xff", "GetConfig": b"\x0a\x02\xc3\x28"}
    handler = grpc.method_handlers_generic_handler("meshlet.admin.v1.Admin", {
        name: grpc.unary_unary_rpc_method_handler(lambda req, ctx, b=b: b,
                                                  request_deserializer=None,
                                                  response_serializer=None)
        for name, b in raw_bytes.items()})
    server, port = start_server([handler])
    try:
        for args, method in ((["status"], "GetStatus"), (["config", "-o", "json"], "GetConfig")):
            rc, out, err = run(port, *args)
            expect_one_error_line(rc, out, err, contains=f"meshctl: {method}: ")
            expect(f"malformed {method}Response" in err, repr(err))
    finally:
        server.stop(0)


def test_usage_errors(port):
    for args in (["frobnicate"], ["set-weight", "default", "127.0.0.1:9002", "heavy"],
                 ["set-weight", "default", "127.0.0.1:9002"], [], ["-o", "yaml", "status"],
                 ["--timeout-ms", "0", "status"], ["endpoints", "a", "b"]):
        rc, out, err = run(port, *args)
        expect_one_error_line(rc, out, err, rc_want=2, contains="meshctl: ")
    rc, out, err = run(port, "frobnicate")
    expect("frobnicate" in err, repr(err))
    p = subprocess.run([MESHCTL, "--admin", "nohostport", "status"], capture_output=True,
                       text=True, timeout=20)
    expect_one_error_line(p.returncode, p.stdout, p.stderr, rc_want=2, contains="--admin")


def main():
    checks = harness.Checks()
    if not os.path.exists(MESHCTL):
        checks.check("meshctl binary", False, f"{MESHCTL} does not exist (set MESHCTL_BIN)")
        checks.finish()
    fake, server, port = start_fake()
    try:
        with harness.Procs() as procs:
            for name, args in GOLDEN:
                for fmt in ("txt", "json"):
                    checks.run(f"golden {name}.{fmt}", test_golden, port, args, name, fmt)
            checks.run("global flags after the command", test_global_flags_after_command, port)
            checks.run("endpoints CLUSTER filters", test_endpoints_request, fake, port)
            checks.run("set-weight request", test_set_weight_request, fake, port)
            checks.run("drain/undrain-endpoint request", test_drain_endpoint_request, fake, port)
            checks.run("add/remove-endpoint request", test_add_remove_request, fake, port)
            checks.run("bearer token", test_token, fake, port, procs.tmp)
            checks.run("members with gossip off", test_gossip_off, fake, port)
            checks.run("config larger than the flow-control windows", test_large_config, fake,
                       port)
            checks.run("rpc error: one line, exit 1", test_rpc_error, fake, port)
            checks.run("rpc error with a multi-line message", test_rpc_error_multiline_message,
                       fake, port)
            checks.run("rpc error NOT_FOUND", test_not_found, port)
            checks.run("nothing listening: one line, exit 1", test_unreachable)
            checks.run("silent server: timeout, exit 1", test_silent_server_times_out)
            checks.run("server closes at once: exit 1", test_server_closes_at_once)
            checks.run("HTTP/1 server: exit 1", test_http1_server)
            checks.run("server speaking no HTTP/2: exit 1", test_not_http2_server)
            checks.run("bad HTTP/2 answers: exit 1", test_bad_h2_answers)
            checks.run("malformed response: exit 1", test_malformed_response)
            checks.run("usage errors exit 2", test_usage_errors, port)
    finally:
        server.stop(0)
    checks.finish()


if __name__ == "__main__":
    main()
