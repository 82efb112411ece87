"""Process harness for meshlet's integration tests: free ports, readiness waits, and
processes that are always stopped (by PID) when the test ends.

Paths come from the environment (set by ctest, see tests/integration/CMakeLists.txt):
  MESHLET_BIN    the meshlet binary            (default: <repo>/build/meshlet)
  TESTKIT_BUILD  echo_backend / echo_load dir  (default: <repo>/build/testkit)
  INTEROP_BUILD  grpc++ interop server/client  (default: <repo>/build/tests/integration)
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MESHLET_BIN = os.environ.get("MESHLET_BIN", os.path.join(REPO, "build", "meshlet"))
TESTKIT_BUILD = os.environ.get("TESTKIT_BUILD", os.path.join(REPO, "build", "testkit"))
INTEROP_BUILD = os.environ.get("INTEROP_BUILD",
                               os.path.join(REPO, "build", "tests", "integration"))
PYTHON = "/usr/bin/python3"


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(pred, timeout=15.0, what="condition", proc=None):
    """Polls pred() until true; fails early if proc exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode} first")
        time.sleep(0.01)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Procs:
    """Starts processes and stops every one of them (by PID) on exit."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="meshlet-it-")
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        for p in reversed(self.procs):
            self.stop(p, timeout=5)
        # Logs stay for a failed block (an exception) or when MESHLET_KEEP_LOGS is set.
        if exc_type is None and not os.environ.get("MESHLET_KEEP_LOGS"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def log_path(self, name):
        return os.path.join(self.tmp, name + ".log")

    def start(self, argv, name, env=None):
        argv = list(argv)
        if argv and argv[0] == MESHLET_BIN:
            # Tests run side by side: the admin API and metrics move off their fixed default
            # ports unless a test chose addresses itself.
            for flag in ("--admin", "--metrics"):
                if flag not in argv and "--check-config" not in argv:
                    argv += [flag, "127.0.0.1:0"]
        log = open(self.log_path(name), "wb")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env)
        p.name = name
        self.procs.append(p)
        return p

    def log(self, name):
        with open(self.log_path(name), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, p, sig=signal.SIGTERM, timeout=10):
        """Sends sig, waits, then SIGKILL. Returns the exit code."""
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(sig)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def echo_backend(self, backend_id, extra=()):
        """Starts testkit's echo_backend on a free port; returns (proc, port)."""
        port_file = os.path.join(self.tmp, backend_id + ".port")
        stats_file = os.path.join(self.tmp, backend_id + ".stats.json")
        p = self.start([os.path.join(TESTKIT_BUILD, "echo_backend"), "--port", "0",
                        "--id", backend_id, "--port-file", port_file,
                        "--stats-file", stats_file, *extra], backend_id)
        wait_until(lambda: os.path.exists(port_file), what=f"{backend_id} port file", proc=p)
        with open(port_file) as f:
            port = int(f.read().strip())
        p.port = port
        p.stats_file = stats_file
        return p, port

    def meshlet(self, upstreams, extra=(), name="meshlet", port=None):
        """Starts meshlet on a free port in front of upstreams ([port] or ["h:p"]);
        waits until it accepts; returns (proc, port)."""
        port = port or free_port()
        ups = ",".join(u if isinstance(u, str) else f"127.0.0.1:{u}" for u in upstreams)
        p = self.start([MESHLET_BIN, "--listen", f"127.0.0.1:{port}", "--upstream", ups,
                        *extra], name)
        wait_until(lambda: port_accepts(port), what=f"{name} on :{port}", proc=p)
        p.port = port
        return p, port


class Checks:
    """Collects named checks; prints PASS/FAIL lines and 'N passed, N failed'."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}", flush=True)
        return ok

    def run(self, name, fn, *args):
        """Runs fn(*args); an exception or a False return is a failure."""
        try:
            res = fn(*args)
            return self.check(name, res is None or bool(res), "" if res is None else str(res))
        except Exception as e:  # noqa: BLE001 - a test failure, reported with its cause
            return self.check(name, False, f"{type(e).__name__}: {e}")

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed or not self.passed else 0)


def gen_python(proto_file, include_dir, out_dir=None):
    """Generates python grpcio stubs for proto_file (path relative to include_dir) with
    grpc_tools and puts their directory on sys.path. By default the directory is fresh and
    owned by this process (removed at exit): tests start concurrently, and a shared cache that
    protoc rewrites in place lets a concurrent importer read a half-written module."""
    if out_dir is None:
        import atexit
        out_dir = tempfile.mkdtemp(prefix="meshlet-pygen-")
        atexit.register(shutil.rmtree, out_dir, True)
    os.makedirs(out_dir, exist_ok=True)
    from grpc_tools import protoc  # python3-grpc-tools
    rc = protoc.main(["grpc_tools.protoc", f"-I{include_dir}", f"--python_out={out_dir}",
                      f"--grpc_python_out={out_dir}", os.path.join(include_dir, proto_file)])
    if rc != 0:
        raise RuntimeError(f"protoc failed for {proto_file}")
    if out_dir not in sys.path:
        sys.path.insert(0, out_dir)
    return out_dir


INTEROP_PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proto")
TESTKIT_PROTO_DIR = os.path.join(os.path.dirname(REPO), "shared", "testkit", "proto")

