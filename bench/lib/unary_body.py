#!/usr/bin/python3
"""Writes an h2load request body: EchoRequest{payload = N bytes} in one gRPC message frame.

usage: unary_body.py PATH N
"""
import struct
import sys

n = int(sys.argv[2])
varint, v = b"", n
while True:
    b = v & 0x7F
    v >>= 7
    varint += bytes([b | (0x80 if v else 0)])
    if not v:
        break
msg = b"\x0a" + varint + b"p" * n if n else b""
with open(sys.argv[1], "wb") as f:
    f.write(b"\x00" + struct.pack(">I", len(msg)) + msg)
