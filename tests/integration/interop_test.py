#!/usr/bin/python3
"""gRPC interop tests through meshlet: every combination of client in {python, cpp} and
server in {python, cpp} runs the standard interop cases (grpc/grpc
doc/interop-test-descriptions.md) with meshlet in the middle.

For each combination: start two interop servers of the chosen kind (--port 0 --port-file),
start meshlet in front of both (harness Procs.meshlet), run the client with
`--test_case all` against meshlet's port, and record each case as a check named
`<client>-><server> <case>`. A case the client did not report fails; so does a server or
meshlet that died during the run, or a server that does not exit 0 on SIGTERM.

Peers:
  python  tests/integration/interop/interop_server.py, interop_client.py (grpcio)
  cpp     $INTEROP_BUILD/interop_server, $INTEROP_BUILD/interop_client (grpc++)
A missing binary (cpp peer, or meshlet) fails that combination with one FAIL line naming
it: nothing is skipped silently.

Options:
  --direct        run each client straight against one server, no meshlet (validates the
                  interop peers themselves)
  --only KIND     only combinations whose client and server are both KIND (python|cpp)
  --timeout S     limit for one client run (default 180 s)
Output: PASS/FAIL lines, then 'N passed, N failed'; exit code 1 if anything failed.
"""
import argparse
import os
import re
import subprocess

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
PY_SERVER = os.path.join(HERE, "interop", "interop_server.py")
PY_CLIENT = os.path.join(HERE, "interop", "interop_client.py")
KINDS = ("python", "cpp")
# The contract with both clients: the cases `--test_case all` must report, in order.
CASES = ["empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong",
         "empty_stream", "custom_metadata", "status_code_and_message",
         "special_status_message", "unimplemented_method", "unimplemented_service",
         "cancel_after_begin", "cancel_after_first_response", "timeout_on_sleeping_server"]
RESULT = re.compile(r"^(PASS|FAIL) (\S+)(?: (.*))?$")


def server_argv(kind, port_file, server_id):
    flags = ["--port", "0", "--port-file", port_file, "--id", server_id]
    if kind == "python":
        return [harness.PYTHON, PY_SERVER, *flags]
    return [os.path.join(harness.INTEROP_BUILD, "interop_server"), *flags]


def client_argv(kind, port):
    flags = ["--server_host", "127.0.0.1", "--server_port", str(port), "--test_case", "all"]
    if kind == "python":
        return [harness.PYTHON, PY_CLIENT, *flags]
    return [os.path.join(harness.INTEROP_BUILD, "interop_client"), *flags]


def missing_binaries(client, server, direct):
    """Executables this combination needs that do not exist (python scripts always do)."""
    needed = [server_argv(server, "-", "-")[0], client_argv(client, 0)[0]]
    if not direct:
        needed.append(harness.MESHLET_BIN)
    return [p for p in dict.fromkeys(needed)
            if p != harness.PYTHON and not (os.path.isfile(p) and os.access(p, os.X_OK))]


def tail(procs, name, lines=8):
    try:
        text = procs.log(name)
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join("    | " + line for line in text.splitlines()[-lines:])


def start_server(procs, kind, name):
    port_file = os.path.join(procs.tmp, name + ".port")
    p = procs.start(server_argv(kind, port_file, name), name)
    harness.wait_until(lambda: os.path.exists(port_file), what=f"{name} port file", proc=p)
    with open(port_file) as f:
        p.port = int(f.read().strip())
    return p


def parse_results(output):
    """{case: (ok, reason)} from the client's PASS/FAIL lines."""
    results = {}
    for line in output.splitlines():
        m = RESULT.match(line.strip())
        if m:
            ok, case, reason = m.group(1) == "PASS", m.group(2), m.group(3) or ""
            if case in results and results[case][0] != ok:
                ok, reason = False, f"reported both PASS and FAIL ({reason})"
            results[case] = (ok, reason)
    return results


def run_combo(checks, client, server, args):
    combo = f"{client}->{server}"
    missing = missing_binaries(client, server, args.direct)
    if missing:
        checks.check(f"{combo} setup", False,
                     "missing binary: " + ", ".join(missing) + " (not built?)")
        return
    with harness.Procs() as procs:
        servers, watched = [], []
        try:
            for i in (1,) if args.direct else (1, 2):
                servers.append(start_server(procs, server, f"{server}-server-{i}"))
            watched = list(servers)
            if args.direct:
                port = servers[0].port
            else:
                mesh, port = procs.meshlet([s.port for s in servers])
                watched.append(mesh)
        except (RuntimeError, TimeoutError, OSError) as e:
            checks.check(f"{combo} setup", False, str(e))
            for p in procs.procs:
                print(f"  log of {p.name}:\n{tail(procs, p.name)}", flush=True)
            return

        cl = procs.start(client_argv(client, port), "client")
        timed_out = False
        try:
            cl.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            procs.stop(cl, timeout=2)
        output = procs.log("client")
        results = parse_results(output)

        for case in CASES:
            if case in results:
                ok, reason = results[case]
                checks.check(f"{combo} {case}", ok, reason)
            else:
                why = (f"timed out after {args.timeout}s" if timed_out
                       else f"client exited with {cl.returncode}")
                checks.check(f"{combo} {case}", False, f"no result reported ({why})")
        all_passed = all(results.get(c, (False,))[0] for c in CASES)
        if not timed_out and (cl.returncode == 0) != all_passed:
            checks.check(f"{combo} client exit code", False,
                         f"exit code {cl.returncode} but cases all passed: {all_passed}")
        unknown = sorted(set(results) - set(CASES))
        if unknown:
            print(f"  note: {combo} client also reported {', '.join(unknown)}", flush=True)

        for p in watched:
            if p.poll() is not None:
                checks.check(f"{combo} {p.name} alive", False,
                             f"exited with {p.returncode} during the run\n{tail(procs, p.name)}")
        for p in servers:
            if p.poll() is None:
                rc = procs.stop(p)
                if rc != 0:
                    checks.check(f"{combo} {p.name} stop", False,
                                 f"exit code {rc} on SIGTERM, want 0\n{tail(procs, p.name)}")
        if not all_passed:
            print(f"  client output ({combo}):\n{tail(procs, 'client', 40)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--direct", action="store_true", help="no meshlet: client -> one server")
    ap.add_argument("--only", choices=KINDS, help="only peers of this kind")
    ap.add_argument("--timeout", type=float, default=180.0, help="limit for one client run")
    args = ap.parse_args()
    kinds = [args.only] if args.only else list(KINDS)
    checks = harness.Checks()
    for client in kinds:
        for server in kinds:
            run_combo(checks, client, server, args)
    checks.finish()


if __name__ == "__main__":
    main()
