#!/usr/bin/python3
"""meshlet's gossip membership (SWIM + Lifeguard over UDP/TCP) between real processes on
127.0.0.1, each `meshlet --gossip-bind 127.0.0.1:P --node-name nX`:
  - 5 members join through one seed and all see 5 alive; kill -9 one, and the other 4 list it
    dead (measured; DESIGN's probe interval 1 s and suspicion 4 s at N=5 give ~5-6 s);
    restarted under the same name and address it rejoins with a higher incarnation; a SIGTERM
    leaves gracefully (the others list it `left` at once, not dead after a suspicion);
  - with a key ring (--gossip-key): members whose rings list the same keys in different order
    (a rotation in progress) form one cluster; datagrams sealed with a wrong key, random
    garbage, oversize datagrams, stale timestamps and unsigned envelopes are counted by reason
    in meshlet_gossip_packets_total{direction="in",result=...} and change nothing (a forged
    "dead" about a live member kills no one), while the same envelope sealed with the right
    key is accepted (the premise: only the key differs);
  - a bad key file stops meshlet at start: one line on stderr, exit code 2.
Membership is read from the admin API's ListMembers; the info log lines (`gossip: member NAME
at ADDR is dead (incarnation N)`) are checked to say the same.

usage: gossip_test.py   (MESHLET_BIN from the environment, see harness.py)
"""
import base64
import hashlib
import hmac
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PROTO_DIR = os.path.join(harness.REPO, "proto")
harness.gen_python("meshlet/mesh/v1/gossip.proto", PROTO_DIR)
from meshlet.mesh.v1 import gossip_pb2  # noqa: E402

import grpc  # noqa: E402
harness.gen_python("meshlet/admin/v1/admin.proto", PROTO_DIR)
from meshlet.admin.v1 import admin_pb2, admin_pb2_grpc  # noqa: E402

DEAD_WITHIN_S = 10.0   # the bound checked; the figure itself is printed
STATES = {1: "alive", 2: "suspect", 3: "dead", 4: "left"}
LOG_LINE = re.compile(r"gossip: member (\S+) at (\S+) (joined|is alive again|is suspect|is dead|"
                      r"left) \(incarnation (\d+)\)")
LOG_STATE = {"joined": "alive", "is alive again": "alive", "is suspect": "suspect",
             "is dead": "dead", "left": "left"}


def expect(ok, detail):
    if not ok:
        raise AssertionError(detail)


# --- starting members ----------------------------------------------------------------------------

class Member:
    def __init__(self, proc, name, log, gport, aport, mport):
        self.proc, self.name, self.log, self.gport = proc, name, log, gport
        self.aport, self.mport = aport, mport


def start_member(procs, name, gport=None, seeds=(), key=None, log=None):
    """A meshlet gossiping on 127.0.0.1:gport as `name`; waits for `gossip on` in its log."""
    gport = gport or harness.free_port()
    aport, mport = harness.free_port(), harness.free_port()
    log = log or name
    args = ["--threads", "1", "--gossip-bind", f"127.0.0.1:{gport}", "--node-name", name,
            "--admin", f"127.0.0.1:{aport}", "--metrics", f"127.0.0.1:{mport}"]
    args += ["--gossip-key", key] if key else ["--gossip-insecure"]
    if seeds:
        args += ["--gossip-join", ",".join(f"127.0.0.1:{s}" for s in seeds)]
    # The upstream is never called: a free port stands in for a backend.
    p, _ = procs.meshlet([harness.free_port()], extra=args, name=log)
    harness.wait_until(lambda: "gossip on 127.0.0.1:" in procs.log(log), 10,
                       f"{name}: gossip on", proc=p)
    return Member(p, name, log, gport, aport, mport)


# --- observing membership ----------------------------------------------------------------------

def admin_view(m):
    """{name: (state, incarnation)} of the other members, from the admin API's ListMembers."""
    with grpc.insecure_channel(f"127.0.0.1:{m.aport}") as ch:
        r = admin_pb2_grpc.AdminStub(ch).ListMembers(admin_pb2.ListMembersRequest(), timeout=2)
    expect(r.enabled, f"{m.name}: ListMembers says gossip is off")
    return {x.name: (STATES.get(x.state, "?"), x.incarnation) for x in r.members if not x.self}


def log_view(procs, m):
    """{name: (state, incarnation)} of the other members, from m's info log lines (last one
    wins): the log must tell the same story as the admin API."""
    out = {}
    for g in LOG_LINE.finditer(procs.log(m.log)):
        out[g.group(1)] = (LOG_STATE[g.group(3)], int(g.group(4)))
    return out


def view(procs, m):
    return admin_view(m)


def states(procs, members, target):
    return {m.name: view(procs, m).get(target, (None, 0))[0] for m in members}


# --- metrics -------------------------------------------------------------------------------------

def scrape(m):
    with urllib.request.urlopen(f"http://127.0.0.1:{m.mport}/metrics", timeout=3) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        g = re.match(r'(meshlet_gossip_\w+)\{([^}]*)\} ([0-9.e+]+)$', line)
        if g:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', g.group(2))))
            out[(g.group(1), labels)] = float(g.group(3))
    return out


def packets_in(metrics, result):
    return metrics.get(("meshlet_gossip_packets_total",
                        (("direction", "in"), ("result", result))), 0.0)


def members_gauge(metrics, state):
    return metrics.get(("meshlet_gossip_members", (("state", state),)), -1.0)


# --- scenario (a): join, crash, rejoin, leave -------------------------------------------------------

def five_join(procs, ctx):
    seed = start_member(procs, "n1")
    others = [start_member(procs, f"n{i}", seeds=[seed.gport]) for i in range(2, 6)]
    ctx["members"] = [seed] + others
    names = {m.name for m in ctx["members"]}
    t0 = time.monotonic()
    harness.wait_until(lambda: all({k for k, (s, _) in view(procs, m).items() if s == "alive"}
                                   == names - {m.name} for m in ctx["members"]), 15,
                       "every member to see the 4 others alive")
    print(f"  info all 5 see each other alive {time.monotonic() - t0:.2f}s after the last start",
          flush=True)
    harness.wait_until(lambda: all(members_gauge(scrape(m), "alive") == 5
                                   for m in ctx["members"]), 5,
                       "meshlet_gossip_members{state=alive} == 5 everywhere")


def kill9_dead(procs, ctx):
    victim = ctx["members"][2]  # n3
    rest = [m for m in ctx["members"] if m is not victim]
    ctx["old_incarnation"] = {m.name: view(procs, m)[victim.name][1] for m in rest}
    victim.proc.kill()
    victim.proc.wait()
    t0 = time.monotonic()
    seen = {}

    def all_dead():
        for m in rest:
            if m.name not in seen and view(procs, m).get(victim.name, (None,))[0] == "dead":
                seen[m.name] = time.monotonic() - t0
        return len(seen) == len(rest)
    try:
        harness.wait_until(all_dead, DEAD_WITHIN_S + 5, "the 4 others to list n3 dead")
    finally:
        print(f"  info n3 listed dead after {({k: round(v, 2) for k, v in seen.items()})} s",
              flush=True)
    expect(max(seen.values()) <= DEAD_WITHIN_S,
           f"dead after {max(seen.values()):.2f}s, want <= {DEAD_WITHIN_S}s")
    harness.wait_until(lambda: all(log_view(procs, m).get(victim.name, (None,))[0] == "dead"
                                   for m in rest), 2, "an info line `member n3 ... is dead` in each log")
    ctx["victim"], ctx["rest"] = victim, rest


def restart_rejoins(procs, ctx):
    victim, rest = ctx["victim"], ctx["rest"]
    t0 = time.monotonic()
    back = start_member(procs, victim.name, gport=victim.gport, seeds=[rest[0].gport],
                        log="n3-restarted")
    ctx["members"][2] = back

    def rejoined():
        return all(view(procs, m).get(victim.name, (None, 0))[0] == "alive" and
                   view(procs, m)[victim.name][1] > ctx["old_incarnation"][m.name] for m in rest)
    harness.wait_until(rejoined, 10, "the 4 others to see n3 alive with a higher incarnation")
    incs = {m.name: view(procs, m)[victim.name][1] for m in rest}
    print(f"  info n3 back after {time.monotonic() - t0:.2f}s, incarnation "
          f"{ctx['old_incarnation']} -> {incs}", flush=True)
    harness.wait_until(lambda: {k for k, (s, _) in view(procs, back).items() if s == "alive"}
                       == {m.name for m in rest}, 10, "restarted n3 to see the 4 others alive")


def sigterm_leaves(procs, ctx):
    leaver = ctx["members"][4]  # n5
    rest = [m for m in ctx["members"] if m is not leaver]
    t0 = time.monotonic()
    leaver.proc.send_signal(signal.SIGTERM)  # the leave is announced when the drain begins
    harness.wait_until(lambda: all(view(procs, m).get(leaver.name, (None,))[0] == "left"
                                   for m in rest), 3, "the others to list n5 left")
    t_left = time.monotonic() - t0
    code = procs.stop(leaver.proc)
    print(f"  info n5 listed left by all {t_left:.2f}s after SIGTERM; exited "
          f"{time.monotonic() - t0:.2f}s after it", flush=True)
    expect(code == 0, f"n5 exited {code}")
    expect("leaving the mesh" in procs.log(leaver.log), "n5 did not log its leave")


# --- scenario (b): authentication -------------------------------------------------------------------

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 116))
KEY_WRONG = b"w" * 32


def key_file(procs, name, keys):
    path = os.path.join(procs.tmp, name)
    with open(path, "w") as f:
        f.write("# gossip key ring: the first key signs\n")
        for k in keys:
            f.write(base64.b64encode(k).decode() + "\n")
    return path


def seal(payload, key, sent_at_ms=None, channel=1):
    sent_at_ms = int(time.time() * 1000) if sent_at_ms is None else sent_at_ms
    e = gossip_pb2.Envelope(payload=payload, sent_at_ms=sent_at_ms)
    if key is not None:
        msg = b"meshlet-gossip-v1" + bytes([channel]) + struct.pack(">Q", sent_at_ms) + payload
        e.mac = hmac.new(key, msg, hashlib.sha256).digest()
    return e.SerializeToString()


def forged_dead(target, source="intruder"):
    """A Packet that, if believed, declares `target` dead at a high incarnation."""
    p = gossip_pb2.Packet()
    # `from` is a python keyword: the field is set through the constructor's kwargs.
    p.messages.add().dead.CopyFrom(gossip_pb2.Dead(node=target.encode(), incarnation=1000,
                                                   **{"from": source.encode()}))
    return p.SerializeToString()


def harmless_ack():
    p = gossip_pb2.Packet()
    p.messages.add().ack.seq = 4242
    return p.SerializeToString()


def keyed_cluster(procs, ctx):
    """n1 rings [A, B], n2 [B, A], n3 [A, B]: a rotation in progress still converges."""
    ab = key_file(procs, "ab.keys", [KEY_A, KEY_B])
    ba = key_file(procs, "ba.keys", [KEY_B, KEY_A])
    k1 = start_member(procs, "k1", key=ab)
    k2 = start_member(procs, "k2", key=ba, seeds=[k1.gport])
    k3 = start_member(procs, "k3", key=ab, seeds=[k1.gport])
    ctx["keyed"] = [k1, k2, k3]
    names = {"k1", "k2", "k3"}
    harness.wait_until(lambda: all({k for k, (s, _) in view(procs, m).items() if s == "alive"}
                                   == names - {m.name} for m in ctx["keyed"]), 15,
                       "k1, k2, k3 to see each other alive")
    m = scrape(k1)
    expect(packets_in(m, "bad_mac") == 0, f"bad_mac between rotating members: {m}")


def bad_packets_dropped(procs, ctx):
    k1, k2, k3 = ctx["keyed"]
    before = scrape(k1)
    view_before = view(procs, k1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = ("127.0.0.1", k1.gport)
    sent = {"bad_mac": 0, "malformed": 0, "oversize": 0, "replay": 0, "missing_mac": 0}
    rng = random.Random(5)
    for _ in range(20):  # a forged "k2 is dead", sealed under a key nobody has
        sock.sendto(seal(forged_dead("k2"), KEY_WRONG), target)
        sent["bad_mac"] += 1
    for _ in range(20):  # random bytes
        sock.sendto(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 1200))), target)
        sent["malformed"] += 1
    for _ in range(5):   # a right-key envelope, but larger than 1400 bytes
        sock.sendto(seal(harmless_ack() + b"\0" * 1500, KEY_A), target)
        sent["oversize"] += 1
    for _ in range(5):   # right key, timestamp 60 s old
        sock.sendto(seal(forged_dead("k2"), KEY_A, int(time.time() * 1000) - 60_000), target)
        sent["replay"] += 1
    for _ in range(5):   # no MAC at all
        sock.sendto(seal(forged_dead("k2"), None), target)
        sent["missing_mac"] += 1
    # Premise: the same sealing with the right key is accepted (counted ok), so the refusals
    # above are about the key, the bytes, the size and the time, not a wrong envelope format.
    ok_before = packets_in(before, "ok")
    sock.sendto(seal(harmless_ack(), KEY_A), target)
    sock.close()

    def counted():
        m = scrape(k1)
        return all(packets_in(m, r) - packets_in(before, r) >= n for r, n in sent.items())
    try:
        harness.wait_until(counted, 5, "k1 to count every bad datagram by reason")
    finally:
        m = scrape(k1)
        print("  info k1 counted " + ", ".join(
            f"{r} +{packets_in(m, r) - packets_in(before, r):.0f}" for r in list(sent) + ["ok"]),
            flush=True)
    # Random bytes may happen to parse as an Envelope: they then fail as bad/missing MAC.
    expect(packets_in(m, "malformed") - packets_in(before, "malformed") <= sent["malformed"],
           "more malformed than sent")
    expect(packets_in(m, "ok") > ok_before, "the right-key envelope was not accepted")
    time.sleep(1.0)  # a forged death would have spread by now (gossip every 200 ms)
    for m_ in ctx["keyed"]:
        v = view(procs, m_)
        expect(all(s == "alive" for s, _ in v.values()) and len(v) == 2,
               f"{m_.name} view changed: {v}")
    expect(view(procs, k1) == view_before or all(s == "alive" for s, _ in view(procs, k1).values()),
           f"k1's view changed: {view_before} -> {view(procs, k1)}")
    expect("gossip: dropped" in procs.log(k1.log), "no rate-limited drop line in k1's log")


def bad_key_file_exits_2(procs):
    bad = os.path.join(procs.tmp, "bad.keys")
    with open(bad, "w") as f:
        f.write("# one good key, then a short one\n")
        f.write(base64.b64encode(KEY_A).decode() + "\n")
        f.write(base64.b64encode(b"short").decode() + "\n")
    r = subprocess.run([harness.MESHLET_BIN, "--listen", f"127.0.0.1:{harness.free_port()}",
                        "--upstream", f"127.0.0.1:{harness.free_port()}", "--admin", "off",
                        "--metrics", "off", "--gossip-bind", "127.0.0.1:0", "--gossip-key", bad],
                       capture_output=True, timeout=10)
    err = r.stderr.decode().strip()
    print(f"  info stderr: {err}", flush=True)
    expect(r.returncode == 2, f"exit code {r.returncode}, want 2")
    expect(len(err.splitlines()) == 1 and f"{bad}:3" in err and "5 bytes" in err,
           f"want one line naming {bad}:3 and the size, got {err!r}")


def main():
    c = harness.Checks()
    with harness.Procs() as procs:
        ctx = {}
        if c.run("five_members_join_through_one_seed", five_join, procs, ctx):
            if c.run("kill9_member_listed_dead_by_the_other_4", kill9_dead, procs, ctx):
                c.run("restarted_member_rejoins_with_higher_incarnation", restart_rejoins,
                      procs, ctx)
            c.run("sigterm_member_leaves_gracefully", sigterm_leaves, procs, ctx)
        for m in ctx.get("members", []):
            procs.stop(m.proc)
        if c.run("keyed_members_with_rotating_rings_converge", keyed_cluster, procs, ctx):
            c.run("wrong_key_garbage_oversize_stale_unsigned_dropped_and_counted",
                  bad_packets_dropped, procs, ctx)
        c.run("bad_key_file_exit_2_one_line", bad_key_file_exits_2, procs)
    c.finish()


if __name__ == "__main__":
    main()
