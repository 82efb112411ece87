#!/usr/bin/python3
"""meshlet under hostile or broken input: HTTP/1.1, random bytes, a torn preface and garbage
frames close that connection (GOAWAY where HTTP/2 was spoken) while a well-behaved gRPC
client keeps being served; non-gRPC requests get HTTP 415; a client that stops reading
costs meshlet about one flow-control window, not the backend's whole reply; bad flags exit
2 with one line naming the problem.

usage: abuse_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Req, expect  # noqa: E402

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
H2_ERRORS = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 6: "FRAME_SIZE_ERROR", 9: "COMPRESSION_ERROR"}


def frame(ftype, flags, sid, payload, length=None):
    n = len(payload) if length is None else length
    return n.to_bytes(3, "big") + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


class Served:
    """A well-behaved gRPC client on one long-lived connection, plus a fresh one each time."""

    def __init__(self, port):
        self.port, self.st, self.n = port, ec.stub(ec.channel(port)), 0

    def check(self):
        self.n += 1
        with ec.channel(self.port) as fresh:
            for st in (self.st, ec.stub(fresh)):
                r = st.Unary(Req(payload=b"ok%d" % self.n), timeout=5)
                expect(r.payload == b"ok%d" % self.n, f"bad reply {r}")


def send_and_expect_close(port, data, want_goaway):
    """Sends data on a fresh connection; the peer must close it within 5 s (after a GOAWAY
    with an error code if want_goaway). Returns what was read."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        try:
            s.sendall(data)
        except OSError:
            pass  # closed while we were still writing: also a close
        closed, got = ec.read_until_closed(s, timeout=5)
    expect(closed, f"connection still open after 5 s (read {len(got)} bytes)")
    if want_goaway:
        gos = [f for f in ec.frames_of(got) if f[0] == ec.GOAWAY and f[2] == 0]
        expect(gos, f"closed without GOAWAY; frames {[f[:3] for f in ec.frames_of(got)]}")
        code = int.from_bytes(gos[-1][3][4:8], "big")
        expect(code != 0, "GOAWAY with NO_ERROR for a broken peer")
        print(f"  GOAWAY {H2_ERRORS.get(code, code)}")
    else:
        print(f"  {len(got)} bytes before close")


def abuse_cases():
    rnd = random.Random(7)
    hpack_junk = bytes([0xFF] * 8) + bytes(rnd.getrandbits(8) for _ in range(24))
    return [
        ("http1_request", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n", False),
        ("random_bytes", b"\x16\x03\x01" + bytes(rnd.getrandbits(8) for _ in range(4096)), False),
        ("data_on_stream_0", PREFACE + EMPTY_SETTINGS + frame(0, 0, 0, b"abcd"), True),
        ("garbage_hpack", PREFACE + EMPTY_SETTINGS + frame(1, 0x5, 1, hpack_junk), True),
        ("oversized_frame", PREFACE + EMPTY_SETTINGS + frame(0, 0, 1, b"x" * 64, length=(1 << 24) - 1),
         True),
        ("random_frames", PREFACE + EMPTY_SETTINGS + bytes(rnd.getrandbits(8) for _ in range(2048)),
         True),
    ]


def torn_preface(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(PREFACE[:10])
    # and one that stops mid-preface but stays open: must not block anyone else
    s2 = socket.create_connection(("127.0.0.1", port), timeout=5)
    s2.sendall(PREFACE[:16])
    return s2


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def not_grpc_415(port, backends):
    before = ec.unary_counts(backends)
    c = ec.RawH2(port)
    try:
        base = [(b":scheme", b"http"), (b":authority", b"127.0.0.1:%d" % port)]
        get = c.request([(b":method", b"GET"), (b":path", b"/"), *base])
        text = c.request([(b":method", b"POST"), (b":path", b"/meshtest.Echo/Unary"), *base,
                          (b"content-type", b"text/plain")], b"hello")
        good = c.grpc_call("Unary", Req(payload=b"fine"), port=port)
        expect(c.pump(lambda: all(s.done for s in c.streams.values()), 5),
               f"no answers in 5 s (closed={c.closed}, goaway={c.goaway})")
        for name, sid in (("GET /", get), ("POST text/plain", text)):
            h = c.streams[sid].headers or {}
            expect(h.get(b":status") == b"415", f"{name}: {c.streams[sid].header_blocks}")
        g = c.streams[good]
        expect(g.status() == 0 and ec.grpc_messages(g.data)[0].payload == b"fine",
               f"gRPC call on the same connection: {g.header_blocks}")
    finally:
        c.close()
    after = ec.unary_counts(backends)
    calls = sum(after.values()) - sum(before.values())
    expect(calls == 1, f"backends saw {calls} Unary calls, want 1 (the 415s must not go upstream)")


def window_bounded(mproc, port, served):
    """Server streaming of 2000 x 64 KiB (125 MiB) to a client that reads its socket but
    never sends WINDOW_UPDATE: meshlet must stop reading upstream too."""
    big = Req(reply_count=2000, reply_size=64 << 10)
    warm = ec.RawH2(port)  # the same path once, fully read: warms allocator pools and buffers
    try:
        w = warm.grpc_call("ServerStream", Req(reply_count=200, reply_size=64 << 10), port=port)
        expect(warm.pump(lambda: warm.streams[w].done, 20), "warm-up stream did not finish")
    finally:
        warm.close()
    base = ec.rss_kib(mproc.pid)
    c = ec.RawH2(port, settings={ec.SETTINGS_INITIAL_WINDOW_SIZE: 16384}, auto_window=False)
    try:
        sid = c.grpc_call("ServerStream", big, port=port)
        s = c.streams[sid]
        expect(c.pump(lambda: len(s.data) >= 16384, 5), f"only {len(s.data)} bytes arrived")
        peak, deadline = base, time.monotonic() + 3  # the backend makes 125 MiB in ~1.2 s
        while time.monotonic() < deadline:
            c.pump(timeout=0.05)
            peak = max(peak, ec.rss_kib(mproc.pid))
        expect(c.error is None, f"meshlet broke flow control: {c.error}")
        expect(len(s.data) <= 65535, f"received {len(s.data)} bytes beyond our windows")
        expect(not c.closed and not s.done, "meshlet gave up on the stalled stream")
        grow = (peak - base) / 1024
        print(f"  RSS baseline {base / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB (+{grow:.1f})")
        expect(grow <= 8, f"RSS grew {grow:.1f} MiB over {base / 1024:.1f} MiB baseline")
        served.check()  # a stalled stream does not stall anyone else
    finally:
        c.close()
    served.check()


def bad_flags():
    port = harness.free_port()
    cases = [
        (["--listen", "nonsense", "--upstream", "127.0.0.1:1"], "listen"),
        (["--listen", f"127.0.0.1:{port}", "--upstream", ""], "upstream"),
        (["--listen", f"127.0.0.1:{port}", "--upstream", "127.0.0.1:1", "--no-such-flag", "1"],
         "no-such-flag"),
        (["--listen", f"127.0.0.1:{port}", "--upstream", "127.0.0.1:1", "--accept-balance",
          "fair"], "accept-balance"),
    ]
    for argv, word in cases:
        p = subprocess.run([harness.MESHLET_BIN, *argv], capture_output=True, text=True, timeout=10)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        expect(p.returncode == 2, f"{argv}: exit {p.returncode}, stderr {p.stderr!r}")
        expect(len(lines) == 1, f"{argv}: stderr is {len(lines)} lines: {p.stderr!r}")
        expect(word in lines[0], f"{argv}: {lines[0]!r} does not name {word!r}")
        expect(not harness.port_accepts(port), f"{argv}: something listens on :{port}")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        backends = [procs.echo_backend(i)[0] for i in ("a1", "a2")]
        mproc, port = procs.meshlet([b.port for b in backends])
        served = Served(port)
        c.run("served_before", served.check)
        fds = fd_count(mproc.pid)
        for name, data, goaway in abuse_cases():
            c.run(f"abuse_{name}_closed", send_and_expect_close, port, data, goaway)
            c.run(f"served_after_{name}", served.check)
        held = None
        try:
            held = torn_preface(port)
            c.run("served_after_torn_preface", served.check)
        finally:
            if held:
                held.close()
        c.run("not_grpc_gets_415", not_grpc_415, port, backends)
        c.run("stalled_reader_bounded_rss", window_bounded, mproc, port, served)
        # Every abusive or closed connection is gone again: no descriptor leaks.
        c.run("no_fd_leak", lambda: harness.wait_until(
            lambda: fd_count(mproc.pid) <= fds + 2, 5, f"fds back to ~{fds} ({fd_count(mproc.pid)})"))
        c.run("alive_at_end", lambda: expect(mproc.poll() is None, f"exit {mproc.returncode}"))
    c.run("bad_flags_exit_2_one_line", bad_flags)
    c.finish()


if __name__ == "__main__":
    main()
