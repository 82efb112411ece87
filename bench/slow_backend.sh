#!/bin/bash
# Slow-backend scenario (issue 3, "Measure"): one of four backends is 10x slower than the
# others, and each load-balancing policy is measured in front of them.
#
# usage: bench/slow_backend.sh            (from any directory; paths are relative to the repo)
#
# What it does, all on 127.0.0.1:
#   1. starts 3 testkit echo_backends (f1 f2 f3; port files, no fixed sleeps);
#   2. calibrates (SLOW_MS=auto): a fresh meshlet round_robin over f1..f3 under the same load
#      as below; the slow backend's per-call delay is 10 x that fast p50, rounded up to ms.
#      This is the latency a call to a fast backend has *under this load* (client, proxy and
#      backend queueing included), so the slow one is >= 10x slower than a typical fast call
#      in every policy's run (the backend's own service time is far smaller still);
#   3. starts the slow backend `slow`: tests/integration/policy_test.py --slow-backend, a
#      python grpcio meshtest.Echo that sleeps SLOW_MS before every reply; checks the premise
#      (its p50 and a fast backend's p50, each direct at 1 call in flight, 1 s);
#   4. for each policy in SB_POLICIES: a fresh meshlet (`--lb POLICY --threads PROXY_THREADS`)
#      in front of f1 f2 f3 slow, and echo_load unary, SB_CONNS conns x SB_STREAMS streams,
#      SB_WARMUP s warm-up then SB_SECONDS s measured; weighted_round_robin runs with equal
#      (default) weights;
#   5. prints a markdown table (calls/s, latency, share of calls on the slow backend, errors),
#      also in $SB_OUT/summary.md with every echo_load JSON and process log beside it.
# Every process it starts is stopped by PID on exit (trap), whatever happens.
#
# Environment (defaults): SB_POLICIES="round_robin least_request peak_ewma random
#   weighted_round_robin", SB_CONNS=1, SB_STREAMS=32, SB_SECONDS=5, SB_WARMUP=1,
#   SLOW_MS=auto (or a fixed delay in ms), PROXY_THREADS=1, BACKEND_THREADS=1,
#   MESHLET_BIN=<repo>/build/meshlet (copied into SB_OUT first, so a rebuild during the run
#   changes nothing), TESTKIT_BUILD=<repo>/build/testkit, SB_OUT=a new /tmp/meshlet-slowbench.*
# Default run: about 45 s. Needs python3-grpcio + python3-grpc-tools (the slow backend).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
policies=${SB_POLICIES:-"round_robin least_request peak_ewma random weighted_round_robin"}
conns=${SB_CONNS:-1}
streams=${SB_STREAMS:-32}
seconds=${SB_SECONDS:-5}
warmup=${SB_WARMUP:-1}
slow_ms=${SLOW_MS:-auto}
proxy_threads=${PROXY_THREADS:-1}
backend_threads=${BACKEND_THREADS:-1}
meshlet_src=${MESHLET_BIN:-$repo/build/meshlet}
testkit=${TESTKIT_BUILD:-$repo/build/testkit}
out=${SB_OUT:-$(mktemp -d /tmp/meshlet-slowbench.XXXXXX)}
python=/usr/bin/python3
helper="$here/slow_backend.py"
slow_id=slow

for f in "$meshlet_src" "$testkit/echo_backend" "$testkit/echo_load"; do
  [ -x "$f" ] || { echo "slow_backend.sh: $f missing (cmake --build build -j2)" >&2; exit 1; }
done
mkdir -p "$out"
cp "$meshlet_src" "$out/meshlet"
meshlet="$out/meshlet"

# shellcheck source=bench/lib/procs.sh
source "$here/lib/procs.sh"
logs=$out # what wait_port_file / wait_accepts point at on failure
cleanup() { stop_all; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "slow_backend.sh: $*" >&2; exit 1; }

# Runs echo_load (in the background, so that a signal is handled at once) into FILE.json;
# its exit status goes to FILE.json.rc.
run_load() {  # FILE TARGET_PORT CONNS STREAMS SECONDS WARMUP
  local rc=0 pid
  "$testkit/echo_load" --target "127.0.0.1:$2" --rpc unary --conns "$3" --streams "$4" \
    --seconds "$5" --warmup "$6" >"$1" 2>"$1.stderr" &
  pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  echo "$rc" >"$1.rc"
  [ -s "$1" ] || die "echo_load printed nothing (exit $rc): $(cat "$1.stderr")"
}

meshlet_pid=
start_meshlet() {  # NAME POLICY UPSTREAMS -> sets meshlet_port, meshlet_pid
  meshlet_port=$(free_port) || die "no free port"
  "$meshlet" --listen "127.0.0.1:$meshlet_port" --upstream "$3" --lb "$2" \
    --threads "$proxy_threads" --log-level warn >"$out/$1.log" 2>&1 &
  meshlet_pid=$!
  pids+=("$meshlet_pid")
  wait_accepts "$meshlet_port" "$meshlet_pid" "meshlet ($1)"
}

# 1. fast backends
fast_ports=()
for id in f1 f2 f3; do
  "$testkit/echo_backend" --port 0 --id "$id" --threads "$backend_threads" \
    --port-file "$out/$id.port" >"$out/$id.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  port=$(wait_port_file "$out/$id.port" "$pid" "echo_backend $id") || exit 1
  fast_ports+=("$port")
done
fast_up=$(printf '127.0.0.1:%s,' "${fast_ports[@]}")
fast_up=${fast_up%,}

echo "# slow-backend bench: $conns conn x $streams streams unary, ${warmup}s warm-up + ${seconds}s," \
     "meshlet --threads $proxy_threads ($(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')," \
     "binary $(date -u -r "$meshlet_src" +%FT%TZ)), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# 2. calibration: fast p50 under this load
if [ "$slow_ms" = auto ]; then
  start_meshlet calib-round_robin round_robin "$fast_up"
  run_load "$out/calibration.json" "$meshlet_port" "$conns" "$streams" "$seconds" "$warmup"
  stop_pid "$meshlet_pid"
  fast_p50=$("$python" "$helper" field "$out/calibration.json" lat_us.p50)
  slow_ms=$("$python" "$helper" slow-ms "$out/calibration.json")
  echo "calibration: round_robin over the 3 fast backends alone: p50 ${fast_p50} µs," \
       "$("$python" "$helper" field "$out/calibration.json" rps) calls/s -> SLOW_MS=$slow_ms" >&2
fi

# 3. the slow backend, and the premise
"$python" "$repo/tests/integration/policy_test.py" --slow-backend "$slow_id" \
  "$out/$slow_id.port" "$slow_ms" >"$out/$slow_id.log" 2>&1 &
pid=$!
pids+=("$pid")
slow_port=$(wait_port_file "$out/$slow_id.port" "$pid" "slow backend") || exit 1
run_load "$out/premise-slow.json" "$slow_port" 1 1 1 0
run_load "$out/premise-fast.json" "${fast_ports[0]}" 1 1 1 0
echo "premise (direct, 1 call in flight): slow p50" \
     "$("$python" "$helper" field "$out/premise-slow.json" lat_us.p50) µs, fast p50" \
     "$("$python" "$helper" field "$out/premise-fast.json" lat_us.p50) µs; slow delay $slow_ms ms" >&2
all_up="$fast_up,127.0.0.1:$slow_port"

# 4. one fresh meshlet per policy
results=()
for policy in $policies; do
  start_meshlet "meshlet-$policy" "$policy" "$all_up"
  run_load "$out/$policy.json" "$meshlet_port" "$conns" "$streams" "$seconds" "$warmup"
  stop_pid "$meshlet_pid"
  results+=("$out/$policy.json")
  echo "$policy: $(cat "$out/$policy.json.stderr")" >&2
done

# 5. the table
"$python" "$helper" table "$slow_id" "${results[@]}" | tee "$out/summary.md"
echo "raw results: $out" >&2
