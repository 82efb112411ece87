"""Client-side helpers for the scenario tests (balance, failover, abuse, shutdown):
grpcio channels and stubs for testkit's meshtest.Echo, batches of calls, echo_backend stats,
RSS of a process, and RawH2, a python-h2 client that shows what grpcio hides (GOAWAY,
Trailers-Only, :status, flow-control windows, grpc-timeout without a client-side deadline).
"""
import base64
import collections
import itertools
import json
import os
import select
import signal
import socket
import struct
import time

import grpc
import h2.config
import h2.connection
import h2.events
import h2.settings

import harness

harness.gen_python("echo.proto", harness.TESTKIT_PROTO_DIR)
import echo_pb2  # noqa: E402  (generated just above)
import echo_pb2_grpc  # noqa: E402

Req = echo_pb2.EchoRequest
Reply = echo_pb2.EchoReply
Code = grpc.StatusCode
MIB = 1 << 20
_channel_ids = itertools.count()


def channel(port, max_msg=None):
    """A channel of its own (one HTTP/2 connection: grpcio shares connections between
    channels with equal arguments, so each gets a unique one)."""
    opts = [("grpc.enable_http_proxy", 0), ("grpc.use_local_subchannel_pool", 1),
            ("meshlet.test_channel", next(_channel_ids))]
    if max_msg:
        opts += [("grpc.max_send_message_length", max_msg),
                 ("grpc.max_receive_message_length", max_msg)]
    return grpc.insecure_channel(f"127.0.0.1:{port}", options=opts)


def stub(ch):
    return echo_pb2_grpc.EchoStub(ch)


def filler(size, seq):
    """The payload echo_backend sends for reply_size (see echo_backend.cc)."""
    cycle = bytes(ord("a") + (i + seq) % 26 for i in range(26))
    return (cycle * (size // 26 + 1))[:size]


def expect(ok, detail):
    """Fails the current check (see harness.Checks.run) with detail unless ok."""
    if not ok:
        raise AssertionError(detail)


class Outcome:
    """What one call ended with: code (grpc.StatusCode), reply or details, how long it took
    and when it ended (time.monotonic())."""

    def __init__(self, code, reply, details, started, ended):
        self.code, self.reply, self.details = code, reply, details
        self.ended, self.elapsed = ended, ended - started

    def __repr__(self):
        return f"Outcome({self.code}, {self.details!r}, {self.elapsed:.3f}s)"


class Pending:
    """A unary call in flight (see start_unary); .future is grpcio's future."""

    def __init__(self, future):
        self.future, self.started, self.ended = future, time.monotonic(), None
        future.add_done_callback(self._done)

    def _done(self, _):
        self.ended = time.monotonic()

    def done(self):
        return self.future.done()

    def outcome(self):
        try:
            reply, code, details = self.future.result(), Code.OK, ""
        except grpc.RpcError as e:
            reply, code, details = None, e.code(), e.details() or ""
        return Outcome(code, reply, details, self.started, self.ended or time.monotonic())


def start_unary(st, req, timeout=10.0, metadata=None):
    """Starts one unary call; returns a Pending for finish()."""
    return Pending(st.Unary.future(req, timeout=timeout, metadata=metadata))


def finish(pending):
    """Waits for Pendings from start_unary; returns their Outcomes in order."""
    return [p.outcome() for p in pending]


def unary_calls(st, n, req=None, window=32, timeout=10.0):
    """n unary calls, at most `window` in flight; returns the Outcomes in call order."""
    req = req or Req(payload=b"hi")
    out, pending = [], collections.deque()
    for _ in range(n):
        if len(pending) >= window:
            out.append(pending.popleft().outcome())
        pending.append(start_unary(st, req, timeout))
    out.extend(p.outcome() for p in pending)
    return out


def by_backend(outcomes):
    return dict(collections.Counter(o.reply.backend_id for o in outcomes if o.code == Code.OK))


def by_code(outcomes):
    return dict(collections.Counter(o.code.name for o in outcomes))


def backend_stats(proc, timeout=5.0):
    """Fresh stats of an echo_backend started by Procs.echo_backend: SIGHUP makes it
    (re)write its stats file atomically; waits for the new file."""
    path = proc.stats_file
    if os.path.exists(path):
        os.unlink(path)
    proc.send_signal(signal.SIGHUP)
    harness.wait_until(lambda: os.path.exists(path), timeout, f"stats of {path}", proc)
    with open(path) as f:
        return json.load(f)


def unary_counts(backends):
    """{backend id: Unary calls it has seen} for echo_backend procs."""
    return {b.name: backend_stats(b)["calls"]["Unary"] for b in backends}


def wait_backend_calls(backends, method, n, timeout=10.0):
    """Waits until the backends together have started >= n calls of method (the calls
    are then in flight on them if they sleep); returns {id: count}."""
    counts = {}

    def seen():
        counts.update({b.name: backend_stats(b)["calls"][method] for b in backends})
        return sum(counts.values()) >= n
    harness.wait_until(seen, timeout, f"{n} {method} calls at the backends")
    return counts


def rss_kib(pid):
    """Resident set size of pid in KiB (VmRSS of /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_closed(port, timeout=5.0):
    """Waits until nothing accepts on port; True if so, False on timeout."""
    try:
        harness.wait_until(lambda: not harness.port_accepts(port), timeout, f":{port} closed")
        return True
    except TimeoutError:
        return False


def grpc_frame(msg):
    """One length-prefixed gRPC message (uncompressed)."""
    body = msg.SerializeToString()
    return struct.pack(">BI", 0, len(body)) + body


def grpc_messages(data):
    """Splits a DATA byte string into the EchoReply messages it holds."""
    out, i = [], 0
    while i + 5 <= len(data):
        n = struct.unpack(">I", data[i + 1:i + 5])[0]
        out.append(Reply.FromString(bytes(data[i + 5:i + 5 + n])))
        i += 5 + n
    return out


def b64(b):
    return base64.b64encode(b).decode()


class _Conn(h2.connection.H2Connection):
    """h2 closes its state machine on any GOAWAY and then rejects the frames of streams the
    peer is still finishing; a graceful GOAWAY (RFC 9113 §6.8) must not end those."""

    def _receive_goaway_frame(self, frame):
        state = self.state_machine.state
        frames, events = super()._receive_goaway_frame(frame)
        self.state_machine.state = state
        return frames, events


class Stream:
    def __init__(self):
        self.headers = None      # response headers {name: value}, bytes
        self.header_blocks = []  # (headers dict, ended the stream?) for each HEADERS received
        self.trailers = None
        self.data = bytearray()
        self.ended = False
        self.reset = None        # RST_STREAM error code from the peer

    @property
    def done(self):
        return self.ended or self.reset is not None

    def status(self):
        """grpc-status from trailers (or a Trailers-Only HEADERS), else None."""
        for h in (self.trailers, self.headers):
            if h and b"grpc-status" in h:
                return int(h[b"grpc-status"])
        return None

    def header(self, name):
        for h in (self.trailers, self.headers):
            if h and name in h:
                return h[name]
        return None


class RawH2:
    """A python-h2 client over a plain socket. Call pump() to read; events land in
    .streams, .goaway (last ConnectionTerminated), .closed (peer closed the socket)."""

    def __init__(self, port, settings=None, auto_window=True, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = _Conn(config=h2.config.H2Configuration(client_side=True,
                                                           header_encoding=None))
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.auto_window = auto_window
        self.streams, self.goaway, self.goaways, self.closed, self.error = {}, None, [], False, None
        self.flush()

    def flush(self):
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except OSError:
                self.closed = True

    def request(self, headers, body=b"", end_stream=True):
        sid = self.conn.get_next_available_stream_id()
        self.streams[sid] = Stream()
        self.conn.send_headers(sid, headers, end_stream=end_stream and not body)
        if body:
            self.conn.send_data(sid, body, end_stream=end_stream)
        self.flush()
        return sid

    def grpc_call(self, method, msg, extra=(), port=0):
        """Starts a meshtest.Echo call with one request message and half-closes."""
        return self.request([(b":method", b"POST"), (b":scheme", b"http"),
                             (b":path", b"/meshtest.Echo/" + method.encode()),
                             (b":authority", b"127.0.0.1:%d" % port),
                             (b"content-type", b"application/grpc"), (b"te", b"trailers"),
                             *extra], grpc_frame(msg))

    def cancel(self, sid):
        self.conn.reset_stream(sid, error_code=8)  # CANCEL
        self.flush()

    def close(self):
        self.sock.close()

    def pump(self, until=lambda: False, timeout=5.0):
        """Reads and handles frames until until() is true, the socket closes, or timeout;
        returns until()."""
        deadline = time.monotonic() + timeout
        while not until() and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not select.select([self.sock], [], [], min(left, 0.05))[0]:
                continue
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self.closed = True
                break
            try:
                events = self.conn.receive_data(data)
            except Exception as e:  # noqa: BLE001 - a protocol violation by the peer
                self.error = e
                self.closed = True
                break
            for ev in events:
                self._on(ev)
            self.flush()
        return until()

    def _on(self, ev):
        st = self.streams.get(getattr(ev, "stream_id", None))
        if isinstance(ev, h2.events.ConnectionTerminated):
            self.goaway = ev
            self.goaways.append(ev)
        elif st is None:
            return
        elif isinstance(ev, h2.events.ResponseReceived):
            st.headers = dict(ev.headers)
            st.header_blocks.append((st.headers, ev.stream_ended is not None))
        elif isinstance(ev, h2.events.TrailersReceived):
            st.trailers = dict(ev.headers)
            st.header_blocks.append((st.trailers, True))
        elif isinstance(ev, h2.events.DataReceived):
            st.data += ev.data
            if self.auto_window and ev.flow_controlled_length:
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            st.ended = True
        elif isinstance(ev, h2.events.StreamReset):
            st.reset = ev.error_code


def read_until_closed(sock, timeout=5.0, limit=1 << 20):
    """Reads a raw socket until the peer closes it (True) or timeout (False); returns
    (closed, bytes read)."""
    deadline, got = time.monotonic() + timeout, bytearray()
    while time.monotonic() < deadline and len(got) < limit:
        if not select.select([sock], [], [], min(0.05, max(0, deadline - time.monotonic())))[0]:
            continue
        try:
            data = sock.recv(1 << 16)
        except OSError:  # ECONNRESET: closed too
            return True, bytes(got)
        if not data:
            return True, bytes(got)
        got += data
    return False, bytes(got)


def frames_of(data):
    """Parses raw HTTP/2 frames: [(type, flags, stream id, payload)]; stops at a partial one."""
    out, i = [], 0
    while i + 9 <= len(data):
        n = int.from_bytes(data[i:i + 3], "big")
        if i + 9 + n > len(data):
            break
        out.append((data[i + 3], data[i + 4], int.from_bytes(data[i + 5:i + 9], "big") & 0x7FFFFFFF,
                    bytes(data[i + 9:i + 9 + n])))
        i += 9 + n
    return out


GOAWAY = 7
SETTINGS_INITIAL_WINDOW_SIZE = h2.settings.SettingCodes.INITIAL_WINDOW_SIZE


class StallServer:
    """An h2c upstream that takes every call and never answers it: shows what meshlet does
    on its own (deadlines, cancellation). Records each request's headers and each
    RST_STREAM it receives: .requests [(monotonic time, headers)], .resets [(time, code)].
    With max_concurrent_streams it advertises that SETTINGS value; .conn_of_request[i] is
    the index of the connection request i arrived on, .connections how many were accepted."""

    def __init__(self, max_concurrent_streams=None):
        import threading
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.requests, self.resets, self._stop = [], [], False
        self.max_concurrent_streams = max_concurrent_streams
        self.conn_of_request, self.connections, self._conn_index = [], 0, {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        conns = {}
        while not self._stop:
            ready = select.select([self.lsock, *conns], [], [], 0.05)[0]
            for s in ready:
                if s is self.lsock:
                    cs, _ = self.lsock.accept()
                    c = h2.connection.H2Connection(h2.config.H2Configuration(
                        client_side=False, header_encoding=None))
                    if self.max_concurrent_streams is not None:  # in the first SETTINGS
                        c.local_settings = h2.settings.Settings(client=False, initial_values={
                            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS:
                                self.max_concurrent_streams})
                    c.initiate_connection()
                    cs.sendall(c.data_to_send())
                    conns[cs] = c
                    self._conn_index[cs] = self.connections
                    self.connections += 1
                    continue
                try:
                    data = s.recv(1 << 16)
                    events = conns[s].receive_data(data) if data else None
                except Exception:  # noqa: BLE001 - a dropped or broken peer: forget it
                    events = None
                if events is None:
                    s.close()
                    del conns[s]
                    continue
                for ev in events:
                    if isinstance(ev, h2.events.RequestReceived):
                        self.requests.append((time.monotonic(), dict(ev.headers)))
                        self.conn_of_request.append(self._conn_index[s])
                    elif isinstance(ev, h2.events.StreamReset):
                        self.resets.append((time.monotonic(), ev.error_code))
                    elif isinstance(ev, h2.events.DataReceived):
                        conns[s].acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                s.sendall(conns[s].data_to_send())
        for s in conns:
            s.close()

    def stop(self):
        self._stop = True
        self._thread.join(timeout=2)
        self.lsock.close()


# grpc.health.v1 without the grpcio-health-checking package: HealthCheckRequest{service} is
# field 1 (string), HealthCheckResponse{status} field 1 (enum) on the wire.
HEALTH_STATUS = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def health_check(port, service="", timeout=2.0):
    """grpc.health.v1.Health/Check straight to 127.0.0.1:port: the serving status name
    ("SERVING", "NOT_SERVING", ...), or the status code name if the call fails
    (e.g. "UNIMPLEMENTED" for a server without the health service)."""
    svc = service.encode()
    assert len(svc) < 128, "one-byte length only"
    req = (b"\x0a" + bytes([len(svc)]) + svc) if svc else b""
    with channel(port) as ch:
        call = ch.unary_unary("/grpc.health.v1.Health/Check")  # bytes in, bytes out
        try:
            resp = call(req, timeout=timeout)
        except grpc.RpcError as e:
            return e.code().name
    return HEALTH_STATUS.get(resp[1] if len(resp) >= 2 and resp[0] == 0x08 else 0, "UNKNOWN")


def serve_python_backend(backend_id, port_file, stats_file, servicer, extra_stats=None):
    """Runs a python grpcio server with `servicer` (an echo_pb2_grpc.EchoServicer) as
    meshtest.Echo and no grpc.health service, until SIGTERM/SIGINT. Like echo_backend it
    writes its port to port_file atomically once listening and, on SIGHUP and at exit, its
    stats to stats_file: {"id","port","calls":{method: n, ...},"total"} where calls counts
    every call by method name as it starts (health probes too, e.g. "Check") and total
    counts the Echo calls; extra_stats, if given, is called then and the dict it returns is
    added to the stats (e.g. what the servicer recorded about the requests it saw). Meant for
    the --py-backend mode of a test script (see start_python_backend)."""
    import threading
    from concurrent import futures

    lock = threading.Lock()
    calls = {"Unary": 0, "ServerStream": 0, "ClientStream": 0, "Bidi": 0}

    class Count(grpc.ServerInterceptor):
        def intercept_service(self, continuation, details):
            name = details.method.rsplit("/", 1)[-1]
            with lock:
                calls[name] = calls.get(name, 0) + 1
            return continuation(details)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), interceptors=[Count()])
    echo_pb2_grpc.add_EchoServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")

    def write_atomically(path, text):
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)

    def write_stats(*_):
        with lock:
            snap = dict(calls)
        total = sum(snap.get(m, 0) for m in ("Unary", "ServerStream", "ClientStream", "Bidi"))
        stats = {"id": backend_id, "port": port, "calls": snap, "total": total}
        if extra_stats is not None:
            stats.update(extra_stats())
        write_atomically(stats_file, json.dumps(stats))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, write_stats)
    server.start()
    write_atomically(port_file, str(port))
    while not stop.wait(0.2):
        pass
    server.stop(0.5).wait()
    write_stats()


def start_python_backend(procs, script, mode, backend_id, timeout=30.0):
    """Starts `python3 script --py-backend MODE ID PORT_FILE STATS_FILE` (a script whose
    --py-backend mode calls serve_python_backend) under procs; waits for its port file.
    Returns the process with .port and .stats_file set, like Procs.echo_backend, so
    backend_stats / unary_counts work on it."""
    port_file = os.path.join(procs.tmp, backend_id + ".port")
    stats_file = os.path.join(procs.tmp, backend_id + ".stats.json")
    p = procs.start([harness.PYTHON, os.path.abspath(script), "--py-backend", mode, backend_id,
                     port_file, stats_file], backend_id)
    harness.wait_until(lambda: os.path.exists(port_file), timeout, f"{backend_id} port file", p)
    with open(port_file) as f:
        p.port = int(f.read().strip())
    p.stats_file = stats_file
    return p
