#!/usr/bin/python3
"""meshlet balances each call (each HTTP/2 stream) of one client connection round-robin over
its upstreams and keeps gRPC intact on the way: all four call kinds, metadata (-bin values
byte-exact), trailers, statuses incl. Trailers-Only, 4 MiB messages, --threads 2.

usage: balance_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
"""
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import MIB, Code, Req, expect  # noqa: E402

IDS = ["b1", "b2", "b3", "b4"]
T = 20  # per-call deadline (s): a hang fails the check instead of the whole run


def served_by(backends, calls):
    """Runs calls(); returns ({id: Unary calls each backend saw meanwhile}, calls())."""
    before = ec.unary_counts(backends)
    res = calls()
    after = ec.unary_counts(backends)
    return {k: after[k] - before[k] for k in after}, res


def thousand_exactly_round_robin(st, backends):
    served, outs = served_by(backends, lambda: ec.unary_calls(st, 1000, Req(payload=b"rr")))
    expect(ec.by_code(outs) == {"OK": 1000}, f"codes {ec.by_code(outs)}")
    expect(all(o.reply.payload == b"rr" for o in outs), "a reply with the wrong payload")
    expect(ec.by_backend(outs) == {i: 250 for i in IDS}, f"backend_id of replies {ec.by_backend(outs)}")
    expect(served == {i: 250 for i in IDS}, f"backends' stats {served}")


def direct_all_on_one(st_direct, backends):
    """The tool itself: one connection straight to b1 puts all 1,000 on b1."""
    served, outs = served_by(backends, lambda: ec.unary_calls(st_direct, 1000))
    expect(ec.by_code(outs) == {"OK": 1000}, f"codes {ec.by_code(outs)}")
    expect(ec.by_backend(outs) == {"b1": 1000}, f"replies {ec.by_backend(outs)}")
    expect(served == {"b1": 1000, "b2": 0, "b3": 0, "b4": 0}, f"stats {served}")


def concurrent_slow(st):
    t0 = time.monotonic()
    calls = [ec.start_unary(st, Req(sleep_ms=300), timeout=T) for _ in range(200)]
    outs = ec.finish(calls)
    elapsed = time.monotonic() - t0
    expect(ec.by_code(outs) == {"OK": 200}, f"codes {ec.by_code(outs)}")
    ids = ec.by_backend(outs)
    expect(set(ids) == set(IDS) and all(40 <= n <= 60 for n in ids.values()), f"spread {ids}")
    # 200 x 300 ms is 60 s one after the other, 15 s per backend: in parallel it is ~0.3 s.
    expect(elapsed < 5, f"took {elapsed:.1f}s: calls were serialised")


def server_stream_many(st):
    rs = list(st.ServerStream(Req(reply_count=2000, reply_size=1000), timeout=T))
    expect([r.seq for r in rs] == list(range(2000)), f"{len(rs)} replies, seqs out of order")
    fill = [ec.filler(1000, s) for s in range(26)]
    expect(all(r.payload == fill[r.seq % 26] for r in rs), "reply payload corrupted")
    expect(len({r.backend_id for r in rs}) == 1, "one call answered by several backends")


def streams_balanced(st):
    ids = [next(iter(st.ServerStream(Req(reply_count=2), timeout=T))).backend_id for _ in range(4)]
    expect(sorted(ids) == IDS, f"4 consecutive streaming calls went to {ids}")


def client_stream(st):
    reqs = [Req(payload=b"%03d" % i) for i in range(300)]
    r = st.ClientStream(iter(reqs), timeout=T)
    expect(r.seq == 300 and r.payload == b"".join(q.payload for q in reqs), f"seq {r.seq}")


def bidi_ping_pong(st):
    """Each reply must arrive before the next request is sent: no buffering to half-close."""
    q = queue.Queue()
    call = st.Bidi(iter(q.get, None), timeout=T)
    for i in range(100):
        q.put(Req(payload=b"ping%d" % i, reply_count=1 + i % 3))
        for k in range(1 + i % 3):
            r = next(call)
            expect(r.payload == b"ping%d" % i, f"round {i}: got {r.payload!r}")
    q.put(None)
    expect(list(call) == [] and call.code() == Code.OK, f"end {call.code()}")


BIN = bytes(range(256))


def metadata_exact(st):
    md = [("x-text", "hello world"), ("x-rep", "1"), ("x-rep", "2"), ("x-blob-bin", BIN),
          ("x-grpc-test-echo-initial", "ini-value"),
          ("x-grpc-test-echo-trailing-bin", BIN[::-1])]
    r, call = st.Unary.with_call(Req(echo_metadata=True, trailers={"x-tr": "tv"}),
                                 metadata=md, timeout=T)
    m = r.metadata
    expect(m.get("x-text") == "hello world" and m.get("x-rep") == "1,2", f"request md {dict(m)}")
    expect(m.get("x-blob-bin") == ec.b64(BIN), f"-bin request value {m.get('x-blob-bin')}")
    expect(dict(call.initial_metadata()).get("x-grpc-test-echo-initial") == "ini-value",
           f"initial md {call.initial_metadata()}")
    tr = dict(call.trailing_metadata())
    expect(tr.get("x-grpc-test-echo-trailing-bin") == BIN[::-1], f"-bin trailer {tr}")
    expect(tr.get("x-tr") == "tv", f"trailers {tr}")


def status_exact(st):
    msg = "precondition failed: 100% ünïcode, \"quoted\""
    try:
        st.Unary(Req(status_code=9, status_message=msg, trailers={"x-why": "because",
                                                                  "x-why-bin": "\x00\x01"}),
                 timeout=T)
        expect(False, "expected FAILED_PRECONDITION")
    except ec.grpc.RpcError as e:
        tr = dict(e.trailing_metadata())
        expect((e.code(), e.details()) == (Code.FAILED_PRECONDITION, msg), f"{e.code()} {e.details()!r}")
        expect(tr.get("x-why") == "because" and tr.get("x-why-bin") == b"\x00\x01", f"trailers {tr}")
    call = st.ServerStream(Req(reply_count=3, status_code=8, status_message="full",
                               trailers={"x-s": "t"}), timeout=T)
    got = []
    try:
        got.extend(r.seq for r in call)
        expect(False, "expected RESOURCE_EXHAUSTED")
    except ec.grpc.RpcError as e:
        expect(got == [0, 1, 2] and e.code() == Code.RESOURCE_EXHAUSTED and e.details() == "full"
               and dict(e.trailing_metadata()).get("x-s") == "t", f"{got} {e}")


def trailers_only(port):
    """A status with no replies arrives as one HEADERS frame with END_STREAM (Trailers-Only)."""
    c = ec.RawH2(port)
    try:
        a = c.grpc_call("Unary", Req(status_code=5, status_message="gone"), port=port)
        b = c.grpc_call("ServerStream", Req(reply_count=-1, status_code=7, status_message="no"),
                        port=port)
        ok = c.grpc_call("ServerStream", Req(reply_count=-1), port=port)
        expect(c.pump(lambda: all(s.done for s in c.streams.values()), 10), "no answer in 10 s")
        for sid, code, text in ((a, 5, b"gone"), (b, 7, b"no"), (ok, 0, None)):
            s = c.streams[sid]
            expect(len(s.header_blocks) == 1 and s.header_blocks[0][1] and not s.data,
                   f"stream {sid}: not Trailers-Only: {s.header_blocks} data {len(s.data)}")
            h = s.header_blocks[0][0]
            expect(h.get(b":status") == b"200" and s.status() == code and
                   h.get(b"grpc-message") == text, f"stream {sid}: {h}")
    finally:
        c.close()


def four_mib(st):
    def step(what, fn):
        t0 = time.monotonic()
        try:
            return fn()
        except ec.grpc.RpcError as e:
            expect(False, f"{what}: {e.code()} {e.details()!r} after {time.monotonic() - t0:.1f}s")
    big = os.urandom(4 * MIB)
    r = step("4 MiB request", lambda: st.Unary(Req(payload=big), timeout=T))
    expect(r.payload == big, f"4 MiB echo came back as {len(r.payload)} bytes")
    r = step("4 MiB reply", lambda: st.Unary(Req(payload=b"x", reply_size=4 * MIB), timeout=T))
    expect(r.payload == ec.filler(4 * MIB, 0), f"4 MiB reply came back as {len(r.payload)} bytes")
    rs = step("3 x 4 MiB stream",
              lambda: list(st.ServerStream(Req(reply_count=3, reply_size=4 * MIB), timeout=T)))
    expect([len(x.payload) for x in rs] == [4 * MIB] * 3, "3 x 4 MiB stream")


def threads2_balance(procs, backends):
    _, port = procs.meshlet([b.port for b in backends], extra=["--threads", "2"], name="meshlet-t2")
    st = ec.stub(ec.channel(port))
    thousand_exactly_round_robin(st, backends)


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        backends = [procs.echo_backend(i)[0] for i in IDS]
        _, port = procs.meshlet([b.port for b in backends], extra=["--lb", "round_robin"])
        st = ec.stub(ec.channel(port, max_msg=64 * MIB))
        c.run("direct_1000_unary_all_on_b1", direct_all_on_one,
              ec.stub(ec.channel(backends[0].port)), backends)
        c.run("unary_1000_one_connection_250_each", thousand_exactly_round_robin, st, backends)
        c.run("unary_200_concurrent_slow_spread", concurrent_slow, st)
        c.run("server_stream_2000_replies", server_stream_many, st)
        c.run("streaming_calls_balanced", streams_balanced, st)
        c.run("client_stream_300_requests", client_stream, st)
        c.run("bidi_ping_pong", bidi_ping_pong, st)
        c.run("metadata_and_bin_byte_exact", metadata_exact, st)
        c.run("status_and_trailers_exact", status_exact, st)
        c.run("trailers_only_intact", trailers_only, port)
        c.run("four_mib_messages", four_mib, st)
        c.run("threads2_unary_1000_250_each", threads2_balance, procs, backends)
    c.finish()


if __name__ == "__main__":
    main()
