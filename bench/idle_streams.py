#!/usr/bin/python3
"""Idle streams: opens many gRPC calls through a proxy and leaves them open (bench/run.sh idle).

usage: idle_streams.py --port P --streams N [--per-conn K] [--sleep-ms MS] [--ready-file F]
                       [--headers-only] [--hold-seconds S]

Opens ceil(N / K) h2c connections to 127.0.0.1:P (K is lowered to the server's
MAX_CONCURRENT_STREAMS) and on each starts its share of meshtest.Echo/Unary calls: HEADERS,
then one DATA frame holding an EchoRequest{sleep_ms: MS} (the testkit echo_backend then holds
the call MS before answering), never END_STREAM. With --headers-only no DATA is sent (the
backend then never sees a complete request). Once every stream's frames were written it writes
F (JSON: streams, conns) and holds the connections open, answering PING and SETTINGS, until
SIGTERM/SIGINT or S seconds; then prints one JSON line (streams opened, reset by the peer,
answered) and exits 0. Loopback only.
"""
import argparse
import asyncio
import json
import os
import signal
import struct
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings


def echo_request(sleep_ms):
    # EchoRequest{sleep_ms = 4 (varint)} in one gRPC message frame.
    n, varint = sleep_ms, b""
    while True:
        b = n & 0x7F
        n >>= 7
        varint += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    msg = b"\x20" + varint
    return b"\x00" + struct.pack(">I", len(msg)) + msg


class Totals:
    def __init__(self):
        self.opened = self.reset = self.answered = self.conns = 0


async def one_connection(port, count, body, totals, per_conn_cap):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
    conn.local_settings = h2.settings.Settings(client=True, initial_values={
        h2.settings.SettingCodes.ENABLE_PUSH: 0,
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20,
    })
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    # The server's SETTINGS first: its MAX_CONCURRENT_STREAMS bounds what we may open.
    got_settings = False
    while not got_settings:
        data = await reader.read(65536)
        if not data:
            raise RuntimeError("the server closed the connection before its SETTINGS")
        for ev in conn.receive_data(data):
            got_settings = got_settings or isinstance(ev, h2.events.RemoteSettingsChanged)
        writer.write(conn.data_to_send())
    cap = min(count, per_conn_cap, conn.remote_settings.max_concurrent_streams)
    if cap < count:
        raise RuntimeError("%d streams asked on one connection, the server allows %d" % (count, cap))
    headers = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/meshtest.Echo/Unary"),
               (b":authority", b"127.0.0.1:%d" % port), (b"content-type", b"application/grpc"),
               (b"te", b"trailers")]
    for _ in range(count):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, headers, end_stream=False)
        if body:
            conn.send_data(sid, body, end_stream=False)
        totals.opened += 1
        if totals.opened % 256 == 0:
            writer.write(conn.data_to_send())
            await writer.drain()
    writer.write(conn.data_to_send())
    await writer.drain()
    totals.conns += 1

    async def pump():
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.StreamReset):
                    totals.reset += 1
                elif isinstance(ev, h2.events.ResponseReceived):
                    totals.answered += 1
            out = conn.data_to_send()
            if out:
                writer.write(out)

    task = asyncio.ensure_future(pump())
    return writer, task


async def main_async(a):
    totals = Totals()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    body = b"" if a.headers_only else echo_request(a.sleep_ms)
    conns = []
    left = a.streams
    while left > 0:
        n = min(left, a.per_conn)
        conns.append(await one_connection(a.port, n, body, totals, a.per_conn))
        left -= n
    if a.ready_file:
        tmp = a.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"streams": totals.opened, "conns": totals.conns}, f)
        os.rename(tmp, a.ready_file)
    try:
        await asyncio.wait_for(stop.wait(), timeout=a.hold_seconds)
    except asyncio.TimeoutError:
        pass
    for writer, task in conns:
        task.cancel()
        writer.close()
    print(json.dumps({"streams": totals.opened, "conns": totals.conns, "reset_by_peer": totals.reset,
                      "answered": totals.answered}), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--streams", type=int, required=True)
    p.add_argument("--per-conn", type=int, default=2500, help="streams per connection (2500)")
    p.add_argument("--sleep-ms", type=int, default=600000, help="EchoRequest.sleep_ms (600000)")
    p.add_argument("--headers-only", action="store_true")
    p.add_argument("--ready-file")
    p.add_argument("--hold-seconds", type=float, default=3600)
    a = p.parse_args()
    if a.streams < 1 or a.per_conn < 1:
        sys.exit("idle_streams.py: --streams and --per-conn must be >= 1")
    asyncio.run(main_async(a))


if __name__ == "__main__":
    main()
