#!/usr/bin/python3
"""meshlet's admin API (meshlet.admin.v1.Admin + grpc.health.v1.Health on --admin), driven by a
python grpcio client generated from proto/meshlet/admin/v1/admin.proto, against a running
meshlet in front of real testkit echo backends:
  - GetStatus / ListClusters / ListEndpoints / GetConfig / ListMembers report what runs;
  - SetEndpoint weight 3:1 under weighted_round_robin turns the next 1,000 calls into 750/250;
  - SetEndpoint drain: no new calls reach the drained endpoint while a slow call already on it
    finishes OK; undrain brings it back;
  - RemoveEndpoint takes an endpoint out, AddEndpoint brings a new backend in (calls reach it);
    a config cluster without runtime_endpoints refuses AddEndpoint (FAILED_PRECONDITION);
  - malformed requests: INVALID_ARGUMENT naming the field; unknown method: UNIMPLEMENTED;
  - --admin-token-file: mutating calls need `authorization: Bearer <token>` (none or a wrong one:
    PERMISSION_DENIED), reads do not;
  - ReloadConfig applies a changed file, rejects a broken one (FAILED_PRECONDITION, nothing
    changes) and refuses without --config;
  - grpc.health.v1 Check is NOT_SERVING until an endpoint passed a health check (clusters with
    checks), then SERVING; a Watch stream sees SERVING; Drain makes Check answer
    NOT_SERVING while a call in flight finishes, the Watch sees NOT_SERVING, and meshlet exits 0;
  - a second meshlet on the same --admin port fails to start (exit 1, one clear line);
  - meshctl drives real meshlets too: status, clusters, endpoints, config, members,
    set-weight (the split follows), drain/undrain-endpoint, add/remove-endpoint, reload (refused
    without --config: exit 1), drain (meshlet exits 0).

usage: admin_test.py   (MESHLET_BIN / TESTKIT_BUILD / MESHCTL_BIN from the environment)
"""
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_client as ec  # noqa: E402
import harness  # noqa: E402
from echo_client import Code, Req, expect  # noqa: E402

import grpc  # noqa: E402

harness.gen_python("meshlet/admin/v1/admin.proto", os.path.join(harness.REPO, "proto"))
from meshlet.admin.v1 import admin_pb2 as pb  # noqa: E402
from meshlet.admin.v1 import admin_pb2_grpc as pb_grpc  # noqa: E402

MESHCTL_BIN = os.environ.get("MESHCTL_BIN", os.path.join(harness.REPO, "build", "meshctl"))
T = 10


def admin_stub(port):
    return pb_grpc.AdminStub(grpc.insecure_channel(f"127.0.0.1:{port}"))


def code_of(fn, *args, **kw):
    """(status code name, details) of a call expected to fail, or ("OK", reply)."""
    try:
        return "OK", fn(*args, timeout=T, **kw)
    except grpc.RpcError as e:
        return e.code().name, e.details()


def split(mport, n):
    with ec.channel(mport) as ch:
        outs = ec.unary_calls(ec.stub(ch), n)
    expect(ec.by_code(outs) == {"OK": n}, f"calls: {ec.by_code(outs)}")
    return ec.by_backend(outs)


def endpoint(adm, cluster, address):
    eps = adm.ListEndpoints(pb.ListEndpointsRequest(cluster=cluster), timeout=T).endpoints
    for e in eps:
        if e.address == address:
            return e
    return None


def reads(adm, mport, b1, b2):
    st = adm.GetStatus(pb.GetStatusRequest(), timeout=T)
    expect(st.version and st.threads == 1 and st.config_source == "flags"
           and [(l.name, l.address) for l in st.listeners] == [("default", f"127.0.0.1:{mport}")],
           f"GetStatus: {st}")
    expect(st.uptime_seconds > 0 and not st.draining, f"GetStatus: {st}")
    split(mport, 20)
    cl = adm.ListClusters(pb.ListClustersRequest(), timeout=T).clusters
    expect(len(cl) == 1 and cl[0].name == "default" and cl[0].endpoints == 2
           and cl[0].eligible_endpoints == 2 and cl[0].lb_policy == "weighted_round_robin"
           and cl[0].runtime_endpoints, f"ListClusters: {cl}")
    eps = adm.ListEndpoints(pb.ListEndpointsRequest(), timeout=T).endpoints
    expect(sorted(e.address for e in eps) == sorted([f"127.0.0.1:{b1.port}",
                                                     f"127.0.0.1:{b2.port}"]), f"{eps}")
    for e in eps:
        expect(e.source == pb.ENDPOINT_SOURCE_CONFIG and e.weight == 1 and e.eligible
               and e.health == pb.HEALTH_STATE_UNCHECKED and e.outlier == pb.OUTLIER_STATE_OK,
               f"endpoint {e}")
        expect(e.calls == 10 and e.errors == 0 and e.in_flight == 0 and e.latency_ewma_ms > 0,
               f"endpoint counters after 20 calls: {e}")
    expect(cl[0].requests == 20 and cl[0].active_requests == 0, f"cluster counters: {cl[0]}")
    cfg = adm.GetConfig(pb.GetConfigRequest(), timeout=T)
    expect(cfg.source == "flags" and "policy: weighted_round_robin" in cfg.yaml
           and f"127.0.0.1:{b1.port}" in cfg.yaml, f"GetConfig: {cfg.yaml}")
    mem = adm.ListMembers(pb.ListMembersRequest(), timeout=T)
    expect(not mem.enabled and not mem.members, f"ListMembers without gossip: {mem}")


def weights(adm, mport, b1, b2):
    r = adm.SetEndpoint(pb.SetEndpointRequest(cluster="default", address=f"127.0.0.1:{b1.port}",
                                              weight=3), timeout=T)
    expect(r.endpoint.weight == 3, f"SetEndpoint answered {r}")
    got = split(mport, 1000)
    expect(got == {"b1": 750, "b2": 250}, f"split after weight 3: {got}, want 750/250")
    adm.SetEndpoint(pb.SetEndpointRequest(cluster="default", address=f"127.0.0.1:{b1.port}",
                                          weight=1), timeout=T)
    got = split(mport, 1000)
    expect(got == {"b1": 500, "b2": 500}, f"split after weight 1: {got}, want 500/500")


def drain_endpoint(adm, mport, b1, b2):
    a1 = f"127.0.0.1:{b1.port}"
    with ec.channel(mport) as ch:
        st = ec.stub(ch)
        # Two slow calls: round robin puts one on each backend.
        before = ec.unary_counts([b1, b2])
        slow = [ec.start_unary(st, Req(payload=b"s", sleep_ms=1500), timeout=T) for _ in range(2)]
        ec.wait_backend_calls([b1, b2], "Unary", sum(before.values()) + 2)
        e = endpoint(adm, "default", a1)
        expect(e.in_flight == 1, f"in-flight on b1 with a slow call open: {e}")
        st_ = adm.GetStatus(pb.GetStatusRequest(), timeout=T)
        expect(st_.active_streams == 2 and st_.active_connections == 1, f"GetStatus: {st_}")
        r = adm.SetEndpoint(pb.SetEndpointRequest(cluster="default", address=a1,
                                                  drain=pb.DRAIN_CHANGE_DRAIN), timeout=T)
        expect(r.endpoint.draining and not r.endpoint.eligible, f"drained endpoint: {r}")
        outs = ec.unary_calls(st, 200)
        got = ec.by_backend(outs)
        expect(got == {"b2": 200}, f"calls while b1 drains: {got}")
        slow_outs = ec.finish(slow)
        expect(sorted(o.reply.backend_id for o in slow_outs if o.code == Code.OK) == ["b1", "b2"],
               f"slow calls opened before the drain: {slow_outs}")
    e = endpoint(adm, "default", a1)
    expect(e.draining and not e.eligible, f"ListEndpoints after drain: {e}")
    adm.SetEndpoint(pb.SetEndpointRequest(cluster="default", address=a1,
                                          drain=pb.DRAIN_CHANGE_UNDRAIN), timeout=T)
    got = split(mport, 100)
    expect(got == {"b1": 50, "b2": 50}, f"after undrain: {got}")


def remove_add(procs, adm, mport, b1, b2):
    a1 = f"127.0.0.1:{b1.port}"
    adm.RemoveEndpoint(pb.RemoveEndpointRequest(cluster="default", address=a1), timeout=T)
    got = split(mport, 100)
    expect(got == {"b2": 100}, f"after RemoveEndpoint b1: {got}")
    expect(endpoint(adm, "default", a1) is None, "b1 still listed after RemoveEndpoint")
    b3, p3 = procs.echo_backend("b3")
    r = adm.AddEndpoint(pb.AddEndpointRequest(cluster="default", address=f"127.0.0.1:{p3}"),
                        timeout=T)
    expect(r.endpoint.source == pb.ENDPOINT_SOURCE_ADMIN and r.endpoint.weight == 1,
           f"AddEndpoint answered {r}")
    got = split(mport, 100)
    expect(got == {"b2": 50, "b3": 50}, f"after AddEndpoint b3: {got}")
    code, _ = code_of(adm.AddEndpoint, pb.AddEndpointRequest(cluster="default",
                                                             address=f"127.0.0.1:{p3}"))
    expect(code == "ALREADY_EXISTS", f"adding b3 twice: {code}")
    adm.AddEndpoint(pb.AddEndpointRequest(cluster="default", address=a1), timeout=T)
    got = split(mport, 99)
    expect(got == {"b1": 33, "b2": 33, "b3": 33}, f"b1 back: {got}")
    code, _ = code_of(adm.RemoveEndpoint, pb.RemoveEndpointRequest(cluster="default",
                                                                   address="127.0.0.1:1"))
    expect(code == "NOT_FOUND", f"removing an unknown endpoint: {code}")


def invalid(adm, aport):
    cases = [
        (adm.SetEndpoint, pb.SetEndpointRequest(address="127.0.0.1:1", weight=2),
         "INVALID_ARGUMENT", "cluster"),
        (adm.SetEndpoint, pb.SetEndpointRequest(cluster="default", weight=2),
         "INVALID_ARGUMENT", "address"),
        (adm.SetEndpoint, pb.SetEndpointRequest(cluster="default", address="nohost", weight=2),
         "INVALID_ARGUMENT", "address"),
        (adm.SetEndpoint, pb.SetEndpointRequest(cluster="default", address="127.0.0.1:1",
                                                weight=5000), "INVALID_ARGUMENT", "weight"),
        (adm.SetEndpoint, pb.SetEndpointRequest(cluster="default", address="127.0.0.1:1"),
         "INVALID_ARGUMENT", "weight, drain"),
        (adm.AddEndpoint, pb.AddEndpointRequest(cluster="default", address="db.local:80"),
         "INVALID_ARGUMENT", "address"),
        (adm.SetEndpoint, pb.SetEndpointRequest(cluster="nope", address="127.0.0.1:1", weight=2),
         "NOT_FOUND", "cluster"),
        (adm.ListEndpoints, pb.ListEndpointsRequest(cluster="nope"), "NOT_FOUND", "cluster"),
    ]
    for fn, req, want, field in cases:
        code, details = code_of(fn, req)
        expect(code == want and details.startswith(field + ":"),
               f"{req!r}: {code} {details!r}, want {want} naming '{field}'")
    ch = grpc.insecure_channel(f"127.0.0.1:{aport}")
    raw = ch.unary_unary("/meshlet.admin.v1.Admin/SetEndpoint")
    code, details = code_of(raw, b"\xff\xff\xff")
    expect(code == "INVALID_ARGUMENT" and "malformed" in details, f"garbage body: {code} {details}")
    code, details = code_of(ch.unary_unary("/meshlet.admin.v1.Admin/Explode"), b"")
    expect(code == "UNIMPLEMENTED", f"unknown method: {code} {details}")


def with_token(procs, b1):
    token_file = os.path.join(procs.tmp, "token")
    with open(token_file, "w") as f:
        f.write("s3cret-token\n")
    aport = harness.free_port()
    m, mport = procs.meshlet([b1.port], name="meshlet-token",
                             extra=["--admin", f"127.0.0.1:{aport}", "--admin-token-file", token_file])
    adm = admin_stub(aport)
    req = pb.SetEndpointRequest(cluster="default", address=f"127.0.0.1:{b1.port}", weight=2)
    code, details = code_of(adm.SetEndpoint, req)
    expect(code == "PERMISSION_DENIED" and "Bearer" in details, f"no token: {code} {details}")
    code, details = code_of(adm.SetEndpoint, req, metadata=[("authorization", "Bearer wrong")])
    expect(code == "PERMISSION_DENIED", f"wrong token: {code} {details}")
    code, details = code_of(adm.Drain, pb.DrainRequest())
    expect(code == "PERMISSION_DENIED", f"Drain without token: {code} {details}")
    code, r = code_of(adm.SetEndpoint, req, metadata=[("authorization", "Bearer s3cret-token")])
    expect(code == "OK" and r.endpoint.weight == 2, f"right token: {code} {r}")
    code, r = code_of(adm.GetStatus, pb.GetStatusRequest())
    expect(code == "OK", f"GetStatus needs no token: {code} {r}")
    expect(m.poll() is None, "meshlet died")
    # An unreadable token file stops meshlet before it starts anything.
    p = subprocess.run([harness.MESHLET_BIN, "--listen", f"127.0.0.1:{harness.free_port()}",
                        "--upstream", f"127.0.0.1:{b1.port}", "--admin-token-file",
                        os.path.join(procs.tmp, "missing")], capture_output=True, text=True,
                       timeout=10)
    expect(p.returncode == 2 and "admin-token-file" in p.stderr, f"{p.returncode} {p.stderr!r}")


def reload_config(procs, b1, b2):
    path = os.path.join(procs.tmp, "reload.yaml")

    def write(text):
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    mport, aport = harness.free_port(), harness.free_port()
    base = f"""
listeners:
  - name: main
    address: 127.0.0.1:{mport}
    routes: [all]
clusters:
  - name: echo
    endpoints: ["127.0.0.1:{b1.port}"]
routes:
  - name: all
    cluster: echo
"""
    write(base)
    m = procs.start([harness.MESHLET_BIN, "--config", path, "--admin", f"127.0.0.1:{aport}"],
                    "meshlet-reload")
    harness.wait_until(lambda: harness.port_accepts(aport) and harness.port_accepts(mport),
                       what="meshlet-reload", proc=m)
    adm = admin_stub(aport)
    code, details = code_of(adm.AddEndpoint, pb.AddEndpointRequest(
        cluster="echo", address=f"127.0.0.1:{b2.port}"))
    expect(code == "FAILED_PRECONDITION" and "runtime_endpoints" in details,
           f"AddEndpoint on a config cluster: {code} {details}")
    write(base.replace(f'["127.0.0.1:{b1.port}"]', f'["127.0.0.1:{b1.port}", "127.0.0.1:{b2.port}"]'))
    r = adm.ReloadConfig(pb.ReloadConfigRequest(), timeout=T)
    expect(r.clusters == 1 and r.routes == 1 and r.source == path, f"ReloadConfig: {r}")
    got = split(mport, 100)
    expect(got == {"b1": 50, "b2": 50}, f"after reload: {got}")
    write(base + "\n  - name: broken\n    cluster: nowhere\n")
    code, details = code_of(adm.ReloadConfig, pb.ReloadConfigRequest())
    expect(code == "FAILED_PRECONDITION" and "nowhere" in details, f"broken file: {code} {details}")
    got = split(mport, 100)
    expect(got == {"b1": 50, "b2": 50}, f"after a rejected reload: {got}")
    cfg = adm.GetConfig(pb.GetConfigRequest(), timeout=T)
    expect(cfg.source == path and f"127.0.0.1:{b2.port}" in cfg.yaml, f"GetConfig: {cfg}")


def reload_without_file(adm):
    code, details = code_of(adm.ReloadConfig, pb.ReloadConfigRequest())
    expect(code == "FAILED_PRECONDITION" and "--config" in details, f"{code} {details}")


def health_and_drain(procs, b1):
    aport = harness.free_port()
    m, mport = procs.meshlet([b1.port], name="meshlet-drain",
                             extra=["--admin", f"127.0.0.1:{aport}"])
    expect(ec.health_check(aport) == "SERVING", "Check before the drain")
    expect(ec.health_check(aport, "meshlet.admin.v1.Admin") == "SERVING", "Check of the service")
    expect(ec.health_check(aport, "no.such.Service") == "NOT_FOUND", "Check of an unknown service")
    seen = []
    ch = grpc.insecure_channel(f"127.0.0.1:{aport}")
    watch = ch.unary_stream("/grpc.health.v1.Health/Watch")(b"", timeout=30)

    def read_watch():
        try:
            for resp in watch:
                seen.append(ec.HEALTH_STATUS.get(resp[1] if len(resp) >= 2 else 0, "UNKNOWN"))
        except grpc.RpcError:
            pass
    reader = threading.Thread(target=read_watch, daemon=True)
    reader.start()
    harness.wait_until(lambda: seen == ["SERVING"], 5, "Watch: SERVING")
    with ec.channel(mport) as cch:
        slow = ec.start_unary(ec.stub(cch), Req(payload=b"d", sleep_ms=1500), timeout=T)
        ec.wait_backend_calls([b1], "Unary", 1)
        r = admin_stub(aport).Drain(pb.DrainRequest(), timeout=T)
        expect(r.active_streams == 1, f"Drain answered {r}")
        harness.wait_until(lambda: ec.health_check(aport) == "NOT_SERVING", 5,
                           "Check NOT_SERVING during the drain")
        expect(not slow.done(), "the slow call ended before the drain test could look")
        harness.wait_until(lambda: "NOT_SERVING" in seen, 5, "Watch: NOT_SERVING")
        out = slow.outcome()
        expect(out.code == Code.OK, f"the call in flight during the drain: {out}")
    m.wait(timeout=10)
    expect(m.returncode == 0, f"exit code after Drain: {m.returncode}")
    watch.cancel()
    ch.close()


def readiness_waits_for_a_passed_check(procs):
    """With health checks, Check is NOT_SERVING until some endpoint passed one."""
    b, _ = procs.echo_backend("hb")
    b.send_signal(signal.SIGUSR1)  # the backend's health: NOT_SERVING (its calls still work)
    harness.wait_until(lambda: ec.health_check(b.port) == "NOT_SERVING", 5, "backend NOT_SERVING")
    aport = harness.free_port()
    m, _ = procs.meshlet([b.port], name="meshlet-ready",
                         extra=["--admin", f"127.0.0.1:{aport}", "--health-interval-ms", "100"])
    for _ in range(10):  # a second of probes, all failing
        expect(ec.health_check(aport) == "NOT_SERVING", "SERVING before any check passed")
        time.sleep(0.1)
    b.send_signal(signal.SIGUSR2)  # healthy again
    harness.wait_until(lambda: ec.health_check(aport) == "SERVING", 5,
                       "SERVING once a check passed")
    e = admin_stub(aport).ListEndpoints(pb.ListEndpointsRequest(), timeout=T).endpoints[0]
    expect(e.health == pb.HEALTH_STATE_HEALTHY and e.eligible, f"endpoint after the pass: {e}")


def port_taken(procs, b1):
    aport = harness.free_port()
    first, _ = procs.meshlet([b1.port], name="meshlet-first",
                             extra=["--admin", f"127.0.0.1:{aport}"])
    p = subprocess.run([harness.MESHLET_BIN, "--listen", f"127.0.0.1:{harness.free_port()}",
                        "--upstream", f"127.0.0.1:{b1.port}", "--admin", f"127.0.0.1:{aport}",
                        "--metrics", "127.0.0.1:0"], capture_output=True, text=True, timeout=10)
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    expect(p.returncode == 1 and len(lines) == 1 and f"{aport}" in lines[0],
           f"second meshlet on the admin port: {p.returncode} {p.stderr!r}")
    # meshctl drain stops the first one gracefully.
    p = subprocess.run([MESHCTL_BIN, "--admin", f"127.0.0.1:{aport}", "drain"],
                       capture_output=True, text=True, timeout=T)
    expect(p.returncode == 0, f"meshctl drain: {p.returncode} {p.stderr!r}")
    first.wait(timeout=T)
    expect(first.returncode == 0, f"exit code after meshctl drain: {first.returncode}")


def meshctl(aport, mport, b1, b2):
    if not os.path.exists(MESHCTL_BIN):
        raise AssertionError(f"{MESHCTL_BIN} is not built")

    def run(*args):
        p = subprocess.run([MESHCTL_BIN, "--admin", f"127.0.0.1:{aport}", *args],
                           capture_output=True, text=True, timeout=T)
        expect(p.returncode == 0, f"meshctl {' '.join(args)}: {p.returncode} {p.stderr!r}")
        return p.stdout
    out = json.loads(run("-o", "json", "endpoints", "default"))
    addrs = sorted(e["address"] for e in out["endpoints"])
    expect(addrs == sorted([f"127.0.0.1:{b1.port}", f"127.0.0.1:{b2.port}"]), f"{out}")
    run("set-weight", "default", f"127.0.0.1:{b2.port}", "3")
    got = split(mport, 400)
    expect(got == {"b1": 100, "b2": 300}, f"after meshctl set-weight 3: {got}")
    run("set-weight", "default", f"127.0.0.1:{b2.port}", "1")
    table = run("endpoints")
    expect(f"127.0.0.1:{b1.port}" in table and f"127.0.0.1:{b2.port}" in table, table)
    run("drain-endpoint", "default", f"127.0.0.1:{b2.port}")
    got = split(mport, 100)
    expect(got == {"b1": 100}, f"after meshctl drain-endpoint: {got}")
    run("undrain-endpoint", "default", f"127.0.0.1:{b2.port}")
    expect("flags" in run("status"), "meshctl status")
    clusters = json.loads(run("-o", "json", "clusters"))["clusters"]
    expect([c["name"] for c in clusters] == ["default"] and clusters[0]["endpoints"] == 2,
           f"meshctl clusters: {clusters}")
    expect("weighted_round_robin" in run("config"), "meshctl config")
    expect(json.loads(run("-o", "json", "members")).get("enabled", False) is False,
           "meshctl members without gossip")
    # Runtime endpoints: a third address in, calls reach nothing new (nothing listens there:
    # it is only listed), then out again.
    spare = f"127.0.0.1:{harness.free_port()}"
    run("add-endpoint", "default", spare, "--weight", "2")
    listed = json.loads(run("-o", "json", "endpoints", "default"))["endpoints"]
    expect(any(e["address"] == spare and e["weight"] == 2 and e["source"] == "ENDPOINT_SOURCE_ADMIN"
               for e in listed), f"after meshctl add-endpoint: {listed}")
    run("remove-endpoint", "default", spare)
    listed = json.loads(run("-o", "json", "endpoints", "default"))["endpoints"]
    expect(all(e["address"] != spare for e in listed), f"after meshctl remove-endpoint: {listed}")
    p = subprocess.run([MESHCTL_BIN, "--admin", f"127.0.0.1:{aport}", "reload"],
                       capture_output=True, text=True, timeout=T)
    expect(p.returncode == 1 and "FAILED_PRECONDITION" in p.stderr,
           f"meshctl reload without --config: {p.returncode} {p.stderr!r}")


def main():
    checks = harness.Checks()
    with harness.Procs() as procs:
        b1, _ = procs.echo_backend("b1")
        b2, _ = procs.echo_backend("b2")
        aport = harness.free_port()
        m, mport = procs.meshlet([b1.port, b2.port],
                                 extra=["--threads", "1", "--lb", "weighted_round_robin",
                                        "--admin", f"127.0.0.1:{aport}"])
        adm = admin_stub(aport)
        checks.run("reads: GetStatus, ListClusters, ListEndpoints, GetConfig, ListMembers",
                   reads, adm, mport, b1, b2)
        checks.run("SetEndpoint weight 3:1 -> next 1000 calls split 750/250", weights, adm, mport,
                   b1, b2)
        checks.run("SetEndpoint drain: no new calls, the open call finishes; undrain",
                   drain_endpoint, adm, mport, b1, b2)
        checks.run("malformed requests: INVALID_ARGUMENT naming the field", invalid, adm, aport)
        checks.run("ReloadConfig without --config: FAILED_PRECONDITION", reload_without_file, adm)
        checks.run("meshctl drives the running meshlet", meshctl, aport, mport, b1, b2)
        checks.run("RemoveEndpoint / AddEndpoint at runtime", remove_add, procs, adm, mport, b1,
                   b2)
        checks.run("--admin-token-file: mutating calls need the bearer token", with_token, procs,
                   b1)
        checks.run("ReloadConfig: applies a good file, rejects a broken one", reload_config,
                   procs, b1, b2)
        checks.run("readiness: NOT_SERVING until a health check passed",
                   readiness_waits_for_a_passed_check, procs)
        checks.run("a second meshlet on the same --admin port exits 1; meshctl drain",
                   port_taken, procs, b1)
        checks.run("health: SERVING; Drain -> NOT_SERVING while a call finishes; exit 0",
                   health_and_drain, procs, b1)
        checks.check("meshlet still running", m.poll() is None)
    checks.finish()


if __name__ == "__main__":
    main()
