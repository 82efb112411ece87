#!/usr/bin/python3
"""meshlet's passive outlier ejection on grpc-status, against real processes: 4 backends
behind `meshlet --threads 1 --outlier-base-ejection-ms 1500`, two of them bad (python grpcio
servers, this file run with --py-backend):
  - `trailers`: every call ends UNAVAILABLE in trailers after the response headers
    (ServerStream: HEADERS, DATA with one reply, HEADERS grpc-status 14; Unary: HEADERS,
    HEADERS grpc-status 14);
  - `trailers_only`: every call ends RESOURCE_EXHAUSTED as Trailers-Only (one HEADERS frame
    with END_STREAM and grpc-status 8).
Checks: the wire shapes themselves (premise); each bad backend gets exactly 5 calls (the
default --outlier-consecutive) and then none; the next 200 calls all succeed on the 2 good
ones; after the ejection time (1.5 s) each bad one gets calls again, not before; the same
with the defaults (outlier ejection is on without flags); with --no-outlier the bad ones
keep getting 25% each.

usage: outlier_test.py   (MESHLET_BIN / TESTKIT_BUILD from the environment, see harness.py)
       outlier_test.py --py-backend MODE ID PORT_FILE STATS_FILE   (a backend itself;
                       MODE: ok | trailers | trailers_only)
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402

import grpc  # noqa: E402

GOOD = ["g1", "g2"]
BAD_T = "bad-trailers"       # UNAVAILABLE in trailers
BAD_TO = "bad-trailers-only"  # RESOURCE_EXHAUSTED as Trailers-Only
CONSECUTIVE = 5               # meshlet's default --outlier-consecutive
BASE_S = 1.5                  # --outlier-base-ejection-ms 1500
T = 10  # per-call deadline (s)


def bad_servicer(mode, backend_id):
    class Bad(ec.echo_pb2_grpc.EchoServicer):
        def Unary(self, request, context):
            if mode == "trailers":
                context.send_initial_metadata(())  # headers first: the status goes in trailers
                context.abort(grpc.StatusCode.UNAVAILABLE, f"{backend_id}: unavailable")
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"{backend_id}: exhausted")

        def ServerStream(self, request, context):
            if mode == "trailers":
                yield ec.Reply(payload=request.payload, backend_id=backend_id, seq=0)
                context.abort(grpc.StatusCode.UNAVAILABLE, f"{backend_id}: unavailable")
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"{backend_id}: exhausted")
    return Bad()


if __name__ == "__main__" and sys.argv[1:2] == ["--py-backend"]:
    _mode, _id, _port_file, _stats_file = sys.argv[2:6]
    ec.serve_python_backend(_id, _port_file, _stats_file, bad_servicer(_mode, _id))
    sys.exit(0)


def stream_call(st, payload=b"o"):
    """One ServerStream call asking for one reply: (code name, [backend_id of each reply])."""
    ids = []
    try:
        for r in st.ServerStream(Req(payload=payload, reply_count=1), timeout=T):
            ids.append(r.backend_id)
        return "OK", ids
    except grpc.RpcError as e:
        return e.code().name, ids


def counts(backends):
    """{id: (Unary, ServerStream) calls seen} from every backend's stats."""
    out = {}
    for b in backends:
        c = ec.backend_stats(b)["calls"]
        out[b.name] = (c["Unary"], c["ServerStream"])
    return out


def delta(after, before):
    return {k: (after[k][0] - before[k][0], after[k][1] - before[k][1]) for k in after}


def wire_shapes(bad_t, bad_to):
    """Premise: the bad backends really answer in trailers / Trailers-Only on the wire."""
    def one(port, method):
        h = ec.RawH2(port)
        try:
            sid = h.grpc_call(method, Req(payload=b"w", reply_count=1), port=port)
            expect(h.pump(lambda: h.streams[sid].done, 5), f":{port} {method}: no end")
            return h.streams[sid]
        finally:
            h.close()
    s = one(bad_t.port, "ServerStream")
    blocks = [(hd.get(b"grpc-status"), end) for hd, end in s.header_blocks]
    expect(blocks == [(None, False), (b"14", True)] and len(ec.grpc_messages(s.data)) == 1,
           f"{BAD_T} ServerStream: header blocks {blocks}, {len(s.data)} data bytes")
    s = one(bad_t.port, "Unary")
    blocks = [(hd.get(b"grpc-status"), end) for hd, end in s.header_blocks]
    expect(blocks == [(None, False), (b"14", True)], f"{BAD_T} Unary: header blocks {blocks}")
    for method in ("ServerStream", "Unary"):
        s = one(bad_to.port, method)
        blocks = [(hd.get(b"grpc-status"), end) for hd, end in s.header_blocks]
        expect(blocks == [(b"8", True)] and not s.data,
               f"{BAD_TO} {method}: header blocks {blocks}, {len(s.data)} data bytes (want "
               f"Trailers-Only)")


class Ejection:
    """What ejected_after_5 saw, for the checks after it."""

    def __init__(self):
        self.ended = {}  # bad id -> time.monotonic() when its 5th failure reached the client


def ejected_after_5(st, backends, ej=None):
    """Sequential ServerStream calls (one in flight: each failure is judged before the next
    call is balanced): each bad backend gets exactly CONSECUTIVE calls, then none."""
    before = counts(backends)
    seen = {BAD_T: 0, BAD_TO: 0}
    ended, outs = {}, []
    for i in range(60):
        code, ids = stream_call(st)
        outs.append((code, ids))
        bad = BAD_T if code == "UNAVAILABLE" else BAD_TO if code == "RESOURCE_EXHAUSTED" else None
        if code == "OK":
            expect(len(ids) == 1 and ids[0] in GOOD, f"call {i}: OK from {ids}")
        else:
            expect(bad is not None, f"call {i}: unexpected {code} {ids}")
            expect(bad != BAD_T or ids == [BAD_T], f"call {i}: UNAVAILABLE after replies {ids}")
            seen[bad] += 1
            if seen[bad] == CONSECUTIVE:
                ended[bad] = time.monotonic()
    d = delta(counts(backends), before)
    print(f"  info calls at the backends (Unary, ServerStream): {d}", flush=True)
    expect(seen == {BAD_T: CONSECUTIVE, BAD_TO: CONSECUTIVE},
           f"failed calls seen by the client {seen}, want {CONSECUTIVE} each")
    expect(d[BAD_T] == (0, CONSECUTIVE) and d[BAD_TO] == (0, CONSECUTIVE),
           f"bad backends saw {d[BAD_T]} / {d[BAD_TO]}, want (0, {CONSECUTIVE}) each")
    last_fail = max(i for i, (code, _) in enumerate(outs) if code != "OK")
    expect(last_fail < 4 * CONSECUTIVE + 4, f"last failure at call {last_fail}: ejected late")
    expect(sum(d[g][1] for g in GOOD) == 60 - 2 * CONSECUTIVE, f"good backends saw {d}")
    if ej is not None:
        ej.ended = ended


def next_200_on_good(st, backends, ej):
    """Right after both ejections: 200 calls (32 in flight) all succeed on g1/g2."""
    before = counts(backends)
    outs = ec.unary_calls(st, 200, Req(payload=b"n"), timeout=T)
    done = time.monotonic()
    d = delta(counts(backends), before)
    ids = ec.by_backend(outs)
    print(f"  info {ids}, done {done - min(ej.ended.values()):.2f}s after the first ejection",
          flush=True)
    # Not meshlet's fault, but then an ejection may have ended during the calls.
    expect(done - min(ej.ended.values()) < BASE_S,
           f"200 calls ended {done - min(ej.ended.values()):.2f}s after the ejection: too slow "
           f"to judge ({ec.by_code(outs)}, {d})")
    expect(ec.by_code(outs) == {"OK": 200}, f"codes {ec.by_code(outs)}")
    expect(set(ids) == set(GOOD) and all(80 <= ids[g] <= 120 for g in GOOD), f"spread {ids}")
    expect(d[BAD_T] == (0, 0) and d[BAD_TO] == (0, 0), f"bad backends saw calls: {d}")


def bad_ones_return(st, backends, ej):
    """After the ejection time each bad backend gets calls again (not before ~1.5 s)."""
    before = counts(backends)
    back = {}

    def probe():
        o = ec.unary_calls(st, 1, Req(payload=b"r"), timeout=T)[0]
        now = time.monotonic()
        bad = {Code.UNAVAILABLE: BAD_T, Code.RESOURCE_EXHAUSTED: BAD_TO}.get(o.code)
        if bad and bad not in back:
            back[bad] = now - ej.ended[bad]
        expect(o.code == Code.OK or bad, f"probe ended {o}")
        return len(back) == 2
    harness.wait_until(probe, BASE_S + 3.5, "both bad backends to get a call again")
    d = delta(counts(backends), before)
    print(f"  info back after {({k: round(v, 3) for k, v in back.items()})} s; calls {d}",
          flush=True)
    expect(all(BASE_S - 0.1 <= s <= BASE_S + 1.0 for s in back.values()),
           f"returned after {back} s, want {BASE_S}s (-0.1/+1.0)")
    expect(sum(d[BAD_T]) >= 1 and sum(d[BAD_TO]) >= 1, f"backend stats {d}")


def defaults_eject(procs, ports, backends):
    """No outlier flags at all: ejection is on, after 5 failures."""
    _, port = procs.meshlet(ports, extra=["--threads", "1"], name="meshlet-defaults")
    ejected_after_5(ec.stub(ec.channel(port)), backends)


def no_outlier_keeps_25pct(procs, ports, backends):
    _, port = procs.meshlet(ports, extra=["--threads", "1", "--no-outlier",
                                          "--outlier-base-ejection-ms", "1500"],
                            name="meshlet-no-outlier")
    st = ec.stub(ec.channel(port))
    before = counts(backends)
    outs = ec.unary_calls(st, 400, Req(payload=b"x"), window=1, timeout=T)
    d = delta(counts(backends), before)
    codes = ec.by_code(outs)
    print(f"  info codes {codes}, calls {d}", flush=True)
    expect(90 <= codes.get("UNAVAILABLE", 0) <= 110 and
           90 <= codes.get("RESOURCE_EXHAUSTED", 0) <= 110, f"codes {codes}")
    expect(all(90 <= d[b][0] <= 110 for b in (BAD_T, BAD_TO)), f"bad backends' share {d}")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        good = [procs.echo_backend(g)[0] for g in GOOD]
        bad_t = ec.start_python_backend(procs, __file__, "trailers", BAD_T)
        bad_to = ec.start_python_backend(procs, __file__, "trailers_only", BAD_TO)
        backends = good + [bad_t, bad_to]
        ports = [good[0].port, bad_t.port, good[1].port, bad_to.port]
        c.run("premise_unavailable_in_trailers_resource_exhausted_trailers_only", wire_shapes,
              bad_t, bad_to)
        _, port = procs.meshlet(ports, extra=["--threads", "1",
                                              "--outlier-base-ejection-ms", "1500"])
        st = ec.stub(ec.channel(port))
        ej = Ejection()
        if c.run("each_bad_backend_ejected_after_5_calls", ejected_after_5, st, backends, ej):
            if c.run("next_200_calls_all_ok_on_the_2_good", next_200_on_good, st, backends, ej):
                c.run("bad_backends_return_after_1500ms", bad_ones_return, st, backends, ej)
        c.run("outlier_ejection_on_by_default", defaults_eject, procs, ports, backends)
        c.run("no_outlier_bad_backends_keep_25pct", no_outlier_keeps_25pct, procs, ports,
              backends)
    c.finish()


if __name__ == "__main__":
    main()
