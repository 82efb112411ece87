#!/usr/bin/python3
"""Python grpcio implementation of grpc.testing.TestService for meshlet's interop tests.

It implements the server features of the gRPC interop spec (grpc/grpc
doc/interop-test-descriptions.md, "Server" section):
  EmptyCall, UnaryCall (response_size, response_type, fill_server_id),
  StreamingInputCall (aggregated payload size on half-close),
  StreamingOutputCall / FullDuplexCall (one response per ResponseParameters, honouring
  interval_us as a sleep before each response), HalfDuplexCall (replies after half-close),
  Echo Status (response_status -> call status code + message, nothing processed after it),
  Echo Metadata (x-grpc-test-echo-initial -> initial metadata,
  x-grpc-test-echo-trailing-bin -> trailing metadata, both byte-exact),
  CompressedResponse (response_compressed / ResponseParameters.compressed -> gzip).
UnimplementedCall is deliberately not implemented (the generated base answers
UNIMPLEMENTED) and UnimplementedService is not registered at all.
CompressedRequest (expect_compressed) is not checked: grpcio does not tell a handler
whether a request message was compressed.

Usage: interop_server.py --port N [--port-file FILE] [--id NAME]
  --port 0 picks a free port; --port-file receives the bound port (written atomically, once
  the server is listening). Binds 127.0.0.1 only. SIGTERM / SIGINT: stop, exit 0.
"""
import argparse
import os
import signal
import sys
import time
from concurrent import futures

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402

harness.gen_python("interop.proto", harness.INTEROP_PROTO_DIR)
import interop_pb2 as pb  # noqa: E402
import interop_pb2_grpc as pb_grpc  # noqa: E402

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
CODES = {c.value[0]: c for c in grpc.StatusCode}


def echo_metadata(context):
    """Echo Metadata: sends initial metadata now (before any message) and sets trailers."""
    initial, trailing = [], []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL:
            initial.append((key, value))
        elif key == ECHO_TRAILING:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def echo_status(context, request):
    """Echo Status: if the request carries response_status, ends the call with it.
    Returns True when the call has been ended (OK with a message) and the caller must stop."""
    if not request.HasField("response_status"):
        return False
    code = CODES.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
    message = request.response_status.message
    if code == grpc.StatusCode.OK:
        context.set_code(code)
        context.set_details(message)
        return True
    context.abort(code, message)  # raises; trailing metadata set before is kept
    return True


def make_payload(context, response_type, size):
    if response_type != pb.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      f"unsupported response_type {response_type}")
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"negative response size {size}")
    return pb.Payload(type=pb.COMPRESSABLE, body=bytes(size))


class TestService(pb_grpc.TestServiceServicer):
    """grpc.testing.TestService; UnimplementedCall is inherited (UNIMPLEMENTED)."""

    def __init__(self, server_id):
        self.server_id = server_id

    def EmptyCall(self, request, context):
        echo_metadata(context)
        return pb.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        if echo_status(context, request):
            return pb.SimpleResponse()
        resp = pb.SimpleResponse(
            payload=make_payload(context, request.response_type, request.response_size))
        if request.fill_server_id:
            resp.server_id = self.server_id
        if request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        return resp

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = 0
        for req in request_iterator:
            total += len(req.payload.body)
        return pb.StreamingInputCallResponse(aggregated_payload_size=total)

    def _respond(self, context, request):
        """Responses for one StreamingOutputCallRequest (interval_us sleeps before each)."""
        if any(p.compressed.value for p in request.response_parameters):
            context.set_compression(grpc.Compression.Gzip)
        for params in request.response_parameters:
            if params.interval_us > 0:
                time.sleep(params.interval_us / 1e6)
            if not params.compressed.value:
                context.disable_next_message_compression()
            yield pb.StreamingOutputCallResponse(
                payload=make_payload(context, request.response_type, params.size))

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        if echo_status(context, request):
            return
        yield from self._respond(context, request)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for req in request_iterator:
            if echo_status(context, req):
                return
            yield from self._respond(context, req)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        requests = list(request_iterator)
        for req in requests:
            if echo_status(context, req):
                return
            yield from self._respond(context, req)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True, help="0 = pick a free port")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--id", default="", help="SimpleResponse.server_id when fill_server_id")
    ap.add_argument("--workers", type=int, default=32)
    args = ap.parse_args()

    # Every thread started from here on inherits the blocked mask; main sigwait()s for them.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers))
    pb_grpc.add_TestServiceServicer_to_server(TestService(args.id), server)
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    if port == 0:
        print(f"interop_server: cannot bind 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    server.start()
    if args.port_file:
        tmp = f"{args.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.port_file)
    print(f"interop_server {args.id or '-'} listening on 127.0.0.1:{port}", flush=True)

    sig = signal.sigwait(stop_signals)
    print(f"interop_server: signal {sig}, stopping", flush=True)
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
