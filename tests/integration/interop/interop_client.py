#!/usr/bin/python3
"""Python grpcio client for the gRPC interop test cases (grpc/grpc
doc/interop-test-descriptions.md), used by meshlet's interop tests.

Cases: empty_unary, large_unary, client_streaming, server_streaming, ping_pong,
empty_stream, custom_metadata, status_code_and_message, special_status_message,
unimplemented_method, unimplemented_service, cancel_after_begin,
cancel_after_first_response, timeout_on_sleeping_server; `all` runs them in that order.
Each case performs the spec's procedure and checks every assertion the spec makes (plus
the optional ones: payload bodies are all zeros, response types are COMPRESSABLE).

Usage: interop_client.py --server_host 127.0.0.1 --server_port N --test_case NAME|all
All cases of one run share ONE channel. Prints `PASS <case>` or `FAIL <case> <reason>`
per case; exit code 0 only if every case passed (2 for bad arguments).
"""
import argparse
import os
import queue
import sys

import grpc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402

harness.gen_python("interop.proto", harness.INTEROP_PROTO_DIR)
import interop_pb2 as pb  # noqa: E402
import interop_pb2_grpc as pb_grpc  # noqa: E402

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
# Request sizes and response sizes shared by client_streaming / ping_pong / server_streaming.
REQUEST_SIZES = (27182, 8, 1828, 45904)
RESPONSE_SIZES = (31415, 9, 2653, 58979)


class CaseFailed(Exception):
    pass


def expect(cond, what):
    """Fails the case unless cond. what: the reason, or a callable making it (use one when
    the reason asks a live call for code() or details(): those block until the call ends)."""
    if not cond:
        raise CaseFailed(what() if callable(what) else what)


def zeros(n):
    return pb.Payload(type=pb.COMPRESSABLE, body=bytes(n))


def check_payload(payload, size, what="response"):
    expect(payload.type == pb.COMPRESSABLE, f"{what} payload type {payload.type} != COMPRESSABLE")
    expect(len(payload.body) == size, f"{what} payload is {len(payload.body)} bytes, want {size}")
    expect(payload.body == bytes(size), f"{what} payload body is not all zeros")


def expect_status(err, code, details=None, what="call"):
    """err: the grpc.RpcError (or grpc.Call) the call ended with."""
    expect(err.code() == code, f"{what} ended with {err.code()} ({err.details()!r}), want {code}")
    if details is not None:
        expect(err.details() == details,
               f"{what} status message {err.details()!r}, want {details!r}")


def call_error(fn, what="call"):
    """Runs fn(); returns the grpc.RpcError it raised, fails the case if it succeeded."""
    try:
        fn()
    except grpc.RpcError as e:
        return e
    raise CaseFailed(f"{what} succeeded, an error status was expected")


def metadata_values(metadata, key):
    return [v for k, v in (metadata or ()) if k == key]


def check_echoed_metadata(call, what):
    initial = metadata_values(call.initial_metadata(), ECHO_INITIAL[0])
    expect(initial == [ECHO_INITIAL[1]],
           f"{what}: initial metadata {ECHO_INITIAL[0]} = {initial!r}, want [{ECHO_INITIAL[1]!r}]")
    trailing = metadata_values(call.trailing_metadata(), ECHO_TRAILING[0])
    expect(trailing == [ECHO_TRAILING[1]],
           f"{what}: trailing metadata {ECHO_TRAILING[0]} = {trailing!r}, "
           f"want [{ECHO_TRAILING[1]!r}]")


class Requests:
    """A request iterator fed step by step (for ping-pong and cancellation cases)."""
    _END = object()

    def __init__(self):
        self.q = queue.Queue()

    def send(self, req):
        self.q.put(req)

    def close(self):
        self.q.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self.q.get()
        if item is self._END:
            raise StopIteration
        return item


class Cases:
    def __init__(self, channel, rpc_timeout):
        self.stub = pb_grpc.TestServiceStub(channel)
        self.unimpl = pb_grpc.UnimplementedServiceStub(channel)
        self.t = rpc_timeout  # a bound for every call that should end on its own

    def empty_unary(self):
        resp, call = self.stub.EmptyCall.with_call(pb.Empty(), timeout=self.t)
        expect(isinstance(resp, pb.Empty), f"response is {type(resp).__name__}, not Empty")
        expect(resp.ByteSize() == 0, "response is not the empty message")
        expect_status(call, grpc.StatusCode.OK)

    def large_unary(self):
        req = pb.SimpleRequest(response_type=pb.COMPRESSABLE, response_size=314159,
                               payload=zeros(271828))
        resp, call = self.stub.UnaryCall.with_call(req, timeout=self.t)
        expect_status(call, grpc.StatusCode.OK)
        check_payload(resp.payload, 314159)

    def client_streaming(self):
        reqs = [pb.StreamingInputCallRequest(payload=zeros(n)) for n in REQUEST_SIZES]
        resp, call = self.stub.StreamingInputCall.with_call(iter(reqs), timeout=self.t)
        expect_status(call, grpc.StatusCode.OK)
        expect(resp.aggregated_payload_size == 74922,
               f"aggregated_payload_size {resp.aggregated_payload_size}, want 74922")

    def server_streaming(self):
        req = pb.StreamingOutputCallRequest(
            response_type=pb.COMPRESSABLE,
            response_parameters=[pb.ResponseParameters(size=n) for n in RESPONSE_SIZES])
        call = self.stub.StreamingOutputCall(req, timeout=self.t)
        resps = list(call)
        expect_status(call, grpc.StatusCode.OK)
        expect(len(resps) == 4, f"{len(resps)} responses, want 4")
        for i, (resp, n) in enumerate(zip(resps, RESPONSE_SIZES)):
            check_payload(resp.payload, n, f"response {i}")

    def ping_pong(self):
        reqs = Requests()
        call = self.stub.FullDuplexCall(reqs, timeout=self.t)
        try:
            for i, (n_in, n_out) in enumerate(zip(REQUEST_SIZES, RESPONSE_SIZES)):
                reqs.send(pb.StreamingOutputCallRequest(
                    response_type=pb.COMPRESSABLE,
                    response_parameters=[pb.ResponseParameters(size=n_out)],
                    payload=zeros(n_in)))
                resp = next(call, None)
                expect(resp is not None, lambda:
                       f"stream ended after {i} responses ({call.code()}: {call.details()!r})")
                check_payload(resp.payload, n_out, f"response {i}")
        finally:
            reqs.close()
        rest = list(call)
        expect(not rest, f"{4 + len(rest)} responses, want 4")
        expect_status(call, grpc.StatusCode.OK)

    def empty_stream(self):
        call = self.stub.FullDuplexCall(iter(()), timeout=self.t)
        resps = list(call)
        expect_status(call, grpc.StatusCode.OK)
        expect(not resps, f"{len(resps)} responses, want 0")

    def custom_metadata(self):
        md = (ECHO_INITIAL, ECHO_TRAILING)
        req = pb.SimpleRequest(response_type=pb.COMPRESSABLE, response_size=314159,
                               payload=zeros(271828))
        resp, call = self.stub.UnaryCall.with_call(req, metadata=md, timeout=self.t)
        expect_status(call, grpc.StatusCode.OK, what="UnaryCall")
        check_payload(resp.payload, 314159, "UnaryCall response")
        check_echoed_metadata(call, "UnaryCall")

        req = pb.StreamingOutputCallRequest(
            response_type=pb.COMPRESSABLE,
            response_parameters=[pb.ResponseParameters(size=314159)], payload=zeros(271828))
        call = self.stub.FullDuplexCall(iter([req]), metadata=md, timeout=self.t)
        resps = list(call)
        expect_status(call, grpc.StatusCode.OK, what="FullDuplexCall")
        expect(len(resps) == 1, f"FullDuplexCall: {len(resps)} responses, want 1")
        check_payload(resps[0].payload, 314159, "FullDuplexCall response")
        check_echoed_metadata(call, "FullDuplexCall")

    def _echo_status(self, code, message, duplex):
        status = pb.EchoStatus(code=code, message=message)
        want = next(c for c in grpc.StatusCode if c.value[0] == code)
        err = call_error(lambda: self.stub.UnaryCall(
            pb.SimpleRequest(response_status=status), timeout=self.t), "UnaryCall")
        expect_status(err, want, message, "UnaryCall")
        if duplex:
            call = self.stub.FullDuplexCall(
                iter([pb.StreamingOutputCallRequest(response_status=status)]), timeout=self.t)
            err = call_error(lambda: list(call), "FullDuplexCall")
            expect_status(err, want, message, "FullDuplexCall")

    def status_code_and_message(self):
        self._echo_status(2, "test status message", duplex=True)

    def special_status_message(self):
        self._echo_status(2, SPECIAL_MESSAGE, duplex=False)

    def unimplemented_method(self):
        err = call_error(lambda: self.stub.UnimplementedCall(pb.Empty(), timeout=self.t),
                         "TestService/UnimplementedCall")
        expect_status(err, grpc.StatusCode.UNIMPLEMENTED)

    def unimplemented_service(self):
        err = call_error(lambda: self.unimpl.UnimplementedCall(pb.Empty(), timeout=self.t),
                         "UnimplementedService/UnimplementedCall")
        expect_status(err, grpc.StatusCode.UNIMPLEMENTED)

    def cancel_after_begin(self):
        reqs = Requests()  # sends nothing until closed
        try:
            fut = self.stub.StreamingInputCall.future(reqs, timeout=self.t)
            expect(fut.cancel(), lambda: "cancel() refused: the call had already ended "
                   f"({fut.code()}: {fut.details()!r})")
            try:
                fut.result()
                raise CaseFailed("result() returned a response after cancel()")
            except grpc.FutureCancelledError:
                pass
            expect(fut.cancelled(), "future does not report cancelled()")
            expect_status(fut, grpc.StatusCode.CANCELLED)
        finally:
            reqs.close()

    def cancel_after_first_response(self):
        reqs = Requests()
        try:
            call = self.stub.FullDuplexCall(reqs, timeout=self.t)
            reqs.send(pb.StreamingOutputCallRequest(
                response_type=pb.COMPRESSABLE,
                response_parameters=[pb.ResponseParameters(size=31415)], payload=zeros(27182)))
            resp = next(call, None)
            expect(resp is not None, lambda: f"no response ({call.code()}: {call.details()!r})")
            check_payload(resp.payload, 31415)
            expect(call.cancel(), lambda: "cancel() refused: the call had already ended "
                   f"({call.code()}: {call.details()!r})")
            err = call_error(lambda: list(call))
            expect_status(err, grpc.StatusCode.CANCELLED)
            expect_status(call, grpc.StatusCode.CANCELLED)
        finally:
            reqs.close()

    def timeout_on_sleeping_server(self):
        reqs = Requests()  # never half-closes before the deadline: the server keeps waiting
        try:
            call = self.stub.FullDuplexCall(reqs, timeout=0.001)
            reqs.send(pb.StreamingOutputCallRequest(payload=zeros(27182)))
            err = call_error(lambda: list(call))
            expect_status(err, grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            reqs.close()


CASES = ["empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong",
         "empty_stream", "custom_metadata", "status_code_and_message",
         "special_status_message", "unimplemented_method", "unimplemented_service",
         "cancel_after_begin", "cancel_after_first_response", "timeout_on_sleeping_server"]


def one_line(text):
    return " ".join(str(text).split()) or "(no detail)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server_host", default="127.0.0.1")
    ap.add_argument("--server_port", type=int, required=True)
    ap.add_argument("--test_case", default="all", help="a case name or 'all'")
    ap.add_argument("--rpc_timeout", type=float, default=30.0,
                    help="deadline (s) for calls that should end on their own")
    args = ap.parse_args()
    names = CASES if args.test_case == "all" else [args.test_case]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        print(f"unknown test case {unknown[0]!r}; known: all, {', '.join(CASES)}",
              file=sys.stderr)
        return 2

    failed = 0
    with grpc.insecure_channel(f"{args.server_host}:{args.server_port}") as channel:
        cases = Cases(channel, args.rpc_timeout)
        for name in names:
            try:
                getattr(cases, name)()
                print(f"PASS {name}", flush=True)
            except CaseFailed as e:
                failed += 1
                print(f"FAIL {name} {one_line(e)}", flush=True)
            except grpc.RpcError as e:
                failed += 1
                print(f"FAIL {name} unexpected status {e.code()}: {one_line(repr(e.details()))}",
                      flush=True)
            except Exception as e:  # noqa: BLE001 - any other error fails this case only
                failed += 1
                print(f"FAIL {name} {type(e).__name__}: {one_line(e)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
