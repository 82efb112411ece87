#!/bin/bash
# bench/run.sh: meshlet's own benchmark. Builds meshlet in Release into build-release/, then runs
# the scenarios named (default: all of them, in this order):
#
#   peers    ../shared/bench/run.sh direct nghttpx haproxy meshlet (the shared side-by-side
#            harness; peers that are not installed are left out with a note)
#   streams  h2load unary gRPC through meshlet in front of 4 testkit echo_backends at
#            1x100, 10x10 and 100x100 (connections x streams): meshlet CPU (utime+stime from
#            /proc/PID/stat, before/after) per completed call, and its ratio to 1x100
#            (target: 100x100 within 1.5x)
#   idle     meshlet's RSS idle (--threads 1 and the default), then with IDLE_STREAMS open idle
#            calls (bench/idle_streams.py; each held by the backend): KiB per idle stream
#            (targets: idle RSS <= 20 MiB, <= 2 KiB per idle stream at 10,000)
#   threads  --threads 1 vs --threads 2 calls/s, meshlet pinned (taskset) to cores the load
#            generator and backends do not use (target: >= 1.7x; needs >= 4 cores to show)
#   metrics  CPU per call with the metrics on vs --metrics off, same load (target: within 5%)
#   micro    the Google Benchmark micro-benchmarks (build-release/bench/micro/meshlet_micro)
#
# usage: bench/run.sh [SCENARIO...]        from any directory; QUICK=1 for a short smoke run
#
# Every scenario prints a markdown table; the tables, the exact commands, the machine (uname -a,
# nproc, CPU model, load) and the git state are appended to bench/results/YYYY-MM-DD-HHMM.md.
# Raw output (tool output, logs) goes to $BENCH_RAW (default a new /tmp/meshlet-ownbench.*).
# Everything runs on 127.0.0.1 with free ports (admin and metrics on port 0) and every process
# started here is stopped by PID when the script exits, whatever happens.
#
# Environment (defaults; QUICK=1 values in brackets):
#   BUILD=1                 0: use build-release/ as it is (no configure, no build)
#   BUILD_DIR=build-release TESTKIT_BUILD=$BUILD_DIR/testkit (built by ../shared/testkit/build.sh
#                           when missing)   RESULTS_DIR=bench/results
#   PAYLOAD=64              request payload bytes (EchoRequest.payload, as the shared harness)
#   MESHLET_THREADS=1       --threads of meshlet in streams, idle and metrics
#   BACKENDS=4 BACKEND_THREADS=1
#   PIN_MESHLET= PIN_LOAD= PIN_BACKENDS=   taskset CPU lists for streams/idle/metrics (empty: none)
#   STREAMS_SHAPES="1x100 10x10 100x100" STREAMS_CALLS=200000 [20000] STREAMS_MIN_WAVES=10 [3]
#                           (calls per run: max(STREAMS_CALLS, conns*streams*STREAMS_MIN_WAVES))
#   STREAMS_ROUNDS=3 [1]    medians over rounds
#   IDLE_STREAMS=10000 [1000] IDLE_PER_CONN=2500 (meshlet allows 4096 per connection)
#   THREADS_SHAPE=16x16 THREADS_CALLS=200000 [20000] THREADS_ROUNDS=3 [1]
#   THREADS_MESHLET_CPUS / THREADS_LOAD_CPUS   default: >= 4 cores: 0,1 / 2..N-1; 2-3 cores: 1 / 0
#   METRICS_SHAPES="1x100 10x10" METRICS_CALLS=200000 [20000] METRICS_ROUNDS=3 [1]
#   PEERS="direct nghttpx haproxy meshlet"; BENCH_* knobs pass through to the shared harness
#   PEERS_MESHLET_FLAGS="--admin 127.0.0.1:0 --metrics 127.0.0.1:0" (appended by a wrapper so
#                           concurrent meshlets do not collide on the default admin/metrics ports)
#   MICRO_ARGS=             extra arguments of meshlet_micro, e.g. --benchmark_min_time=0.05
# Needs (Debian): the build deps (.ci/install-deps), nghttp2-client (h2load), python3-h2,
# libbenchmark-dev (micro), util-linux (taskset); nghttpx (nghttp2-proxy) and haproxy for peers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"
python=/usr/bin/python3
all_scenarios=(peers streams idle threads metrics micro)

quick=${QUICK:-0}
q() { [ "$quick" = 1 ] && echo "$2" || echo "$1"; }  # q FULL QUICK
BUILD=${BUILD:-1}
BUILD_DIR=${BUILD_DIR:-build-release}
TESTKIT_BUILD=${TESTKIT_BUILD:-$BUILD_DIR/testkit}
[[ "$TESTKIT_BUILD" = /* ]] || TESTKIT_BUILD="$repo/$TESTKIT_BUILD"
RESULTS_DIR=${RESULTS_DIR:-bench/results}
SHARED_BENCH=${SHARED_BENCH:-$repo/../shared/bench}
PAYLOAD=${PAYLOAD:-64}
MESHLET_THREADS=${MESHLET_THREADS:-1}
BACKENDS=${BACKENDS:-4}
BACKEND_THREADS=${BACKEND_THREADS:-1}
PIN_MESHLET=${PIN_MESHLET:-}
PIN_LOAD=${PIN_LOAD:-}
PIN_BACKENDS=${PIN_BACKENDS:-}
STREAMS_SHAPES=${STREAMS_SHAPES:-"1x100 10x10 100x100"}
STREAMS_CALLS=${STREAMS_CALLS:-$(q 200000 20000)}
STREAMS_MIN_WAVES=${STREAMS_MIN_WAVES:-$(q 10 3)}
STREAMS_ROUNDS=${STREAMS_ROUNDS:-$(q 3 1)}
IDLE_STREAMS=${IDLE_STREAMS:-$(q 10000 1000)}
IDLE_PER_CONN=${IDLE_PER_CONN:-2500}
THREADS_SHAPE=${THREADS_SHAPE:-16x16}
THREADS_CALLS=${THREADS_CALLS:-$(q 200000 20000)}
THREADS_ROUNDS=${THREADS_ROUNDS:-$(q 3 1)}
METRICS_SHAPES=${METRICS_SHAPES:-"1x100 10x10"}
METRICS_CALLS=${METRICS_CALLS:-$(q 200000 20000)}
METRICS_ROUNDS=${METRICS_ROUNDS:-$(q 3 1)}
PEERS=${PEERS:-"direct nghttpx haproxy meshlet"}
PEERS_MESHLET_FLAGS=${PEERS_MESHLET_FLAGS:-"--admin 127.0.0.1:0 --metrics 127.0.0.1:0"}
MICRO_ARGS=${MICRO_ARGS:-}
hz=$(getconf CLK_TCK)
ncpu=$(nproc)
# meshlet's own admin and metrics listeners on free ports: several meshlets may run at once.
port0_flags=(--admin 127.0.0.1:0 --metrics 127.0.0.1:0)

die() { echo "bench/run.sh: $*" >&2; exit 1; }

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${all_scenarios[@]}")
for s in "${scenarios[@]}"; do
  [[ " ${all_scenarios[*]} " == *" $s "* ]] || die "unknown scenario '$s' (have: ${all_scenarios[*]})"
done
wants() { [[ " ${scenarios[*]} " == *" $1 "* ]]; }
for tool in h2load taskset; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install nghttp2-client util-linux)"
done
"$python" -c 'import h2' 2>/dev/null || die "python3-h2 missing (apt-get install python3-h2)"

raw=${BENCH_RAW:-$(mktemp -d /tmp/meshlet-ownbench.XXXXXX)}
mkdir -p "$raw" "$RESULTS_DIR"
result="$RESULTS_DIR/$(date +%Y-%m-%d-%H%M).md"

# -- processes: every child is listed until reaped, and stopped by PID on exit -----------------
# shellcheck source=bench/lib/procs.sh
source "$here/lib/procs.sh"
logs=$raw # what wait_port_file / wait_accepts point at on failure
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -- results file ------------------------------------------------------------------------------
md() { printf '%s\n' "$@" >>"$result"; }
show() { printf '%s\n' "$@" | tee -a "$result"; }  # stdout and the results file
cmds=()
quote() {  # WORD...: each word as the shell reads it back, single-quoted only where needed
  local w words=()
  for w in "$@"; do
    if [[ "$w" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then words+=("$w"); else words+=("'${w//\'/\'\\\'\'}'"); fi
  done
  echo "${words[*]}"
}
note_cmd() { cmds+=("$(quote "$@")"); }  # a command line for the scenario's "Commands" block
flush_cmds() {  # [NOTE]: the scenario's commands, after the note
  [ ${#cmds[@]} -gt 0 ] || return 0
  md "" "Commands (\`$BUILD_DIR/meshlet\` copied to \`$raw/meshlet\`; ports are free ports of this run${1:+; $1}):" '```'
  local c
  for c in "${cmds[@]}"; do md "$c"; done
  md '```'
  cmds=()
}

# -- small helpers -----------------------------------------------------------------------------
pin_prefix() {  # CPUS -> the taskset prefix in the array `pfx` (empty: no pinning)
  pfx=()
  [ -z "$1" ] || pfx=(taskset -c "$1")
}
cpu_ticks() {  # PID: utime+stime of the whole process (all threads), in clock ticks
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
thread_ticks() {  # PID: "TID TICKS" of each thread but the main one called like the process
  local t comm main
  main=$(cat "/proc/$1/comm")
  for t in /proc/"$1"/task/*; do
    [ "${t##*/}" != "$1" ] || continue
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    [ "$comm" = "$main" ] || continue
    echo "${t##*/} $(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
  done
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }  # calc FORMAT EXPR
median() { tr -s ' ' '\n' <<<"$*" | grep . | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
minmax() { tr -s ' ' '\n' <<<"$*" | grep . | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "–" hi}'; }


# The request body: EchoRequest{payload = PAYLOAD bytes} in one gRPC message frame.
body="$raw/unary.grpc"
"$python" "$here/lib/unary_body.py" "$body" "$PAYLOAD"

# -- backends and meshlet ----------------------------------------------------------------------
backend_pids=()
upstreams=
start_backends() {  # N CPUS TAG: N echo_backends (CPUS: a list cycled over them) -> upstreams
  local n=$1 cpus=$2 tag=$3 i id pid port cpu list=() ports=()
  [ -z "$cpus" ] || IFS=, read -ra list <<<"$cpus"
  backend_pids=()
  for i in $(seq "$n"); do
    id="b$i"
    cpu=
    [ ${#list[@]} -eq 0 ] || cpu=${list[$(((i - 1) % ${#list[@]}))]}
    pin_prefix "$cpu"
    rm -f "$raw/$tag-$id.port" "$raw/$tag-$id.stats"
    note_cmd ${pfx[@]+"${pfx[@]}"} "$TESTKIT_BUILD/echo_backend" --port 0 --id "$id" \
      --threads "$BACKEND_THREADS" --port-file "$raw/$tag-$id.port" --stats-file "$raw/$tag-$id.stats"
    ${pfx[@]+"${pfx[@]}"} "$TESTKIT_BUILD/echo_backend" --port 0 --id "$id" \
      --threads "$BACKEND_THREADS" --port-file "$raw/$tag-$id.port" \
      --stats-file "$raw/$tag-$id.stats" >"$raw/$tag-$id.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    backend_pids+=("$pid")
  done
  for i in $(seq "$n"); do
    port=$(wait_port_file "$raw/$tag-b$i.port" "${backend_pids[$((i - 1))]}" "echo_backend b$i")
    ports+=("127.0.0.1:$port")
  done
  upstreams=$(IFS=,; echo "${ports[*]}")
}
backend_calls() {  # TAG: calls all backends have taken (SIGHUP -> --stats-file)
  local tag=$1 i f total=0 deadline
  for i in $(seq ${#backend_pids[@]}); do
    f="$raw/$tag-b$i.stats"
    rm -f "$f"
    kill -HUP "${backend_pids[$((i - 1))]}"
    deadline=$((SECONDS + 10))
    until [ -s "$f" ]; do
      [ $SECONDS -lt $deadline ] || die "backend b$i did not write $f"
      sleep 0.02
    done
    total=$((total + $("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$f")))
  done
  echo "$total"
}

meshlet=
meshlet_pid=
meshlet_port=
start_meshlet() {  # LOG THREADS CPUS [FLAGS...] -> meshlet_pid, meshlet_port
  local log=$1 threads=$2 cpus=$3
  shift 3
  meshlet_port=$(free_port)
  pin_prefix "$cpus"
  local cmd=(${pfx[@]+"${pfx[@]}"} "$meshlet" --listen "127.0.0.1:$meshlet_port" --upstream "$upstreams")
  [ "$threads" = default ] || cmd+=(--threads "$threads")
  cmd+=(--log-level warn "$@")
  note_cmd "${cmd[@]}"
  "${cmd[@]}" >"$raw/$log.log" 2>&1 &
  meshlet_pid=$!
  pids+=("$meshlet_pid")
  wait_accepts "$meshlet_port" "$meshlet_pid" "meshlet ($log)"
}

# Runs h2load (in the background, so a signal is handled at once) into OUT; parses it into
# h_ok (succeeded), h_bad (failed + errored + timeout + non-2xx), h_rps, h_mean_ms.
h_ok=0 h_bad=0 h_rps=0 h_mean_ms=0
run_h2load() {  # OUT CPUS CONNS STREAMS CALLS H2LOAD_THREADS [record]
  local out=$1 cpus=$2 c=$3 m=$4 n=$5 t=$6 rc=0 pid
  pin_prefix "$cpus"
  local cmd=(${pfx[@]+"${pfx[@]}"} h2load -c "$c" -m "$m" -t "$t" -n "$n" -d "$body"
             -H 'content-type: application/grpc' -H 'te: trailers'
             "http://127.0.0.1:$meshlet_port/meshtest.Echo/Unary")
  [ "${7:-}" != record ] || note_cmd "${cmd[@]}"
  "${cmd[@]}" >"$out" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  read -r h_ok h_bad h_rps h_mean_ms < <(awk '
    /^finished in/ { gsub(",", ""); rps = $4 }
    /^requests:/ { gsub(",", ""); ok = $8; bad = $10 + $12 + $14 }
    /^status codes:/ { gsub(",", ""); bad += $5 + $7 + $9 }
    /^time for request:/ { v = $6; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                           mean = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v }
    END { printf "%d %d %s %s\n", ok, bad, rps == "" ? 0 : rps, mean == "" ? 0 : mean }' "$out")
  [ "$h_ok" -gt 0 ] || die "h2load completed no call (exit $rc): $(tail -3 "$out")"
}

# One measured h2load run against the running meshlet: sets r_us (meshlet CPU µs per call),
# r_ticks, r_rps, r_cores (meshlet CPU seconds per wall second), r_bad, r_mean_ms.
measure() {  # OUT CPUS CONNS STREAMS CALLS H2LOAD_THREADS
  local t0 t1 w0 w1
  t0=$(cpu_ticks "$meshlet_pid")
  w0=$(date +%s.%N)
  run_h2load "$@" record
  w1=$(date +%s.%N)
  t1=$(cpu_ticks "$meshlet_pid")
  r_ticks=$((t1 - t0))
  r_us=$(calc '%.1f' "$r_ticks / $hz * 1e6 / $h_ok")
  r_cores=$(calc '%.2f' "$r_ticks / $hz / ($w1 - $w0)")
  r_rps=$(calc '%.0f' "$h_rps")
  r_bad=$h_bad
  r_mean_ms=$h_mean_ms
}
calls_for() {  # CONNS STREAMS BASE MIN_WAVES: max(BASE, c*m*waves)
  local need=$(($1 * $2 * $4))
  echo $(($3 > need ? $3 : need))
}
warm_up() {  # CPUS CONNS STREAMS: an unmeasured run (connections up, pools grown)
  local n=$(($2 * $3 * 2))
  [ "$n" -ge 2000 ] || n=2000
  run_h2load "$raw/warmup.out" "$1" "$2" "$3" "$n" 1
}

# -- build -------------------------------------------------------------------------------------
build() {
  local targets=(meshlet)
  if [ "$BUILD" = 1 ]; then
    echo "bench: building meshlet (Release) in $BUILD_DIR ..." >&2
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DMESHLET_BUILD_TESTS=OFF \
      >"$raw/configure.log" 2>&1 || { tail -20 "$raw/configure.log" >&2; die "configure failed"; }
    if wants micro; then
      cmake --build "$BUILD_DIR" --target help 2>/dev/null | grep meshlet_micro >/dev/null \
        || die "meshlet_micro is not configured: install libbenchmark-dev (Google Benchmark)"
      targets+=(meshlet_micro)
    fi
    cmake --build "$BUILD_DIR" -j "$ncpu" --target "${targets[@]}" >"$raw/build.log" 2>&1 \
      || { tail -30 "$raw/build.log" >&2; die "build failed (see $raw/build.log)"; }
  fi
  [ -x "$BUILD_DIR/meshlet" ] || die "$BUILD_DIR/meshlet missing (BUILD=1 builds it)"
  cp "$BUILD_DIR/meshlet" "$raw/meshlet"  # a rebuild during the run changes nothing
  meshlet="$raw/meshlet"
  if wants peers || wants streams || wants idle || wants threads || wants metrics; then
    if [ ! -x "$TESTKIT_BUILD/echo_backend" ] || [ ! -x "$TESTKIT_BUILD/echo_load" ]; then
      echo "bench: building the testkit in $TESTKIT_BUILD ..." >&2
      TESTKIT_BUILD="$TESTKIT_BUILD" "$SHARED_BENCH/../testkit/build.sh" >"$raw/testkit-build.log" 2>&1 \
        || { tail -20 "$raw/testkit-build.log" >&2; die "testkit build failed"; }
    fi
  fi
}

header() {
  local dirty=""
  [ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] \
    || dirty=" (working tree with uncommitted changes: the binary is built from them)"
  md "" "# meshlet bench, $(date '+%Y-%m-%d %H:%M %Z')" ""
  md "Command: \`$(quote bench/run.sh "${scenarios[@]}")\`"
  local knobs
  knobs=$(env | grep -E '^(QUICK|BUILD|BUILD_DIR|TESTKIT_BUILD|PAYLOAD|MESHLET_THREADS|BACKENDS|BACKEND_THREADS|PIN_[A-Z]+|STREAMS_[A-Z_]+|IDLE_[A-Z_]+|THREADS_[A-Z_]+|METRICS_[A-Z_]+|PEERS|PEERS_MESHLET_FLAGS|MICRO_ARGS|BENCH_[A-Z_]+)=' | sort | tr '\n' ' ' || true)
  md "Environment: ${knobs:-(defaults)}" ""
  md "- machine: \`$(uname -a)\`"
  md "- nproc: $ncpu; CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  md "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  md "- meshlet: commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty; $BUILD_DIR (CMAKE_BUILD_TYPE=Release)"
  md "- h2load: $(h2load --version 2>&1 | head -1); raw output: \`$raw\`"
}

# -- scenarios ---------------------------------------------------------------------------------
scenario_peers() {
  show "" "## peers: the shared side-by-side harness"
  local names=() p bin
  for p in $PEERS; do
    case $p in
      nghttpx | haproxy | nginx) bin=$p ;;
      *) bin= ;;
    esac
    if [ -n "$bin" ] && ! command -v "$bin" >/dev/null; then
      show "" "Note: $p is not installed: left out of the peers run (Debian: apt-get install $([ "$p" = nghttpx ] && echo nghttp2-proxy || echo "$p"))."
      continue
    fi
    names+=("$p")
  done
  local wrapper="$raw/meshlet-peers.sh"
  printf '#!/bin/bash\nexec %q "$@" %s\n' "$meshlet" "$PEERS_MESHLET_FLAGS" >"$wrapper"
  chmod +x "$wrapper"
  local cmd=(env MESHLET_BIN="$wrapper" TESTKIT_BUILD="$TESTKIT_BUILD" BENCH_OUT="$raw/peers"
             "$SHARED_BENCH/run.sh" ${names[@]+"${names[@]}"})
  note_cmd "${cmd[@]}"
  md "" "(\`$wrapper\`: \`exec $meshlet \"\$@\" $PEERS_MESHLET_FLAGS\`: the shared adapter's meshlet on free admin/metrics ports.)"
  local rc=0 pid
  "${cmd[@]}" >"$raw/peers.out" 2>"$raw/peers.err" &
  pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  show "" "$(cat "$raw/peers.out")"
  [ "$rc" = 0 ] || show "" "The shared harness exited $rc (see $raw/peers.err)."
  flush_cmds
}

scenario_streams() {
  show "" "## streams: per-call CPU from 1 to 10,000 concurrent streams" ""
  start_backends "$BACKENDS" "$PIN_BACKENDS" streams
  start_meshlet streams "$MESHLET_THREADS" "$PIN_MESHLET" "${port0_flags[@]}"
  local shape c m n r
  declare -A us rps mean bad ticks
  for shape in $STREAMS_SHAPES; do
    c=${shape%x*} m=${shape#*x}
    warm_up "$PIN_LOAD" "$c" "$m"
  done
  for r in $(seq "$STREAMS_ROUNDS"); do
    for shape in $STREAMS_SHAPES; do
      c=${shape%x*} m=${shape#*x}
      n=$(calls_for "$c" "$m" "$STREAMS_CALLS" "$STREAMS_MIN_WAVES")
      measure "$raw/streams-$shape-r$r.out" "$PIN_LOAD" "$c" "$m" "$n" 1
      us[$shape]+="$r_us " rps[$shape]+="$r_rps " mean[$shape]+="$r_mean_ms " ticks[$shape]+="$r_ticks "
      bad[$shape]=$(( ${bad[$shape]:-0} + r_bad ))
      echo "bench: streams round $r $shape: $r_rps calls/s, meshlet $r_us µs/call ($r_ticks ticks), $r_bad errors" >&2
    done
  done
  local base="" first=${STREAMS_SHAPES%% *} med
  base=$(median "${us[$first]}")
  show "| conns x streams | in flight | calls per run | calls/s | mean latency ms | meshlet CPU µs/call (min–max) | CPU ticks per run | vs $first | errors |" \
       "|---|---|---|---|---|---|---|---|---|"
  for shape in $STREAMS_SHAPES; do
    c=${shape%x*} m=${shape#*x}
    med=$(median "${us[$shape]}")
    show "| ${c} x ${m} | $((c * m)) | $(calls_for "$c" "$m" "$STREAMS_CALLS" "$STREAMS_MIN_WAVES") | $(median "${rps[$shape]}") | $(median "${mean[$shape]}") | **$med** ($(minmax "${us[$shape]}")) | $(median "${ticks[$shape]}") | $(calc '%.2f' "$med / $base") | ${bad[$shape]} |"
  done
  show "" "Medians of $STREAMS_ROUNDS round(s); meshlet --threads $MESHLET_THREADS, $BACKENDS echo_backends, payload $PAYLOAD B; CPU = utime+stime of the meshlet process (all threads) from /proc/PID/stat around each h2load run, ${hz} ticks/s; errors = h2load's failed + errored + timed out + non-2xx (h2load does not read grpc-status; the peers scenario's echo_load workload checks it). Target: the largest shape within 1.5x of $first."
  stop_all
  flush_cmds "one unmeasured warm-up run per shape (2 x conns x streams calls, at least 2,000) before the first round"
}

scenario_idle() {
  show "" "## idle: RSS idle and with $IDLE_STREAMS idle open streams" ""
  start_backends "$BACKENDS" "$PIN_BACKENDS" idle
  local rss_default rss_one
  start_meshlet idle-default default "$PIN_MESHLET" "${port0_flags[@]}"
  sleep 1
  rss_default=$(rss_kib "$meshlet_pid")
  stop_pid "$meshlet_pid"
  start_meshlet idle "$MESHLET_THREADS" "$PIN_MESHLET" "${port0_flags[@]}"
  sleep 1
  rss_one=$(rss_kib "$meshlet_pid")
  # A few calls first, so the upstream connections exist and are not counted per stream.
  run_h2load "$raw/idle-warmup.out" "$PIN_LOAD" 1 10 1000 1 record
  sleep 0.5
  local before calls0 ready="$raw/idle-ready.json" pid deadline now_calls rss_with hwm
  before=$(rss_kib "$meshlet_pid")
  calls0=$(backend_calls idle)
  rm -f "$ready"
  pin_prefix "$PIN_LOAD"
  local cmd=(${pfx[@]+"${pfx[@]}"} "$python" "$here/idle_streams.py" --port "$meshlet_port"
             --streams "$IDLE_STREAMS" --per-conn "$IDLE_PER_CONN" --sleep-ms 600000 --ready-file "$ready")
  note_cmd "${cmd[@]}"
  "${cmd[@]}" >"$raw/idle-streams.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  deadline=$((SECONDS + 120))
  until [ -s "$ready" ]; do
    kill -0 "$pid" 2>/dev/null || die "idle_streams.py exited: $(tail -3 "$raw/idle-streams.out")"
    [ $SECONDS -lt $deadline ] || die "idle_streams.py did not open its streams in 120 s"
    sleep 0.1
  done
  # Every stream must have reached a backend (the backend counts a call when it holds it).
  until now_calls=$(backend_calls idle); [ $((now_calls - calls0)) -ge "$IDLE_STREAMS" ]; do
    kill -0 "$meshlet_pid" 2>/dev/null || die "meshlet exited (see $raw/idle.log)"
    [ $SECONDS -lt $deadline ] || die "only $((now_calls - calls0)) of $IDLE_STREAMS streams reached the backends"
    sleep 0.2
  done
  sleep 1  # let the loop go idle
  rss_with=$(rss_kib "$meshlet_pid")
  hwm=$(hwm_kib "$meshlet_pid")
  stop_pid "$pid"
  local summary
  summary=$(grep '^{' "$raw/idle-streams.out" | tail -1 || true)
  sleep 1
  local after
  after=$(rss_kib "$meshlet_pid")
  local per
  per=$(calc '%.2f' "($rss_with - $before) / $IDLE_STREAMS")
  show "| what | RSS KiB | MiB | target |" "|---|---|---|---|"
  show "| idle, default --threads ($ncpu on this machine) | $rss_default | $(calc '%.1f' "$rss_default / 1024") | ≤ 20 MiB |"
  show "| idle, --threads $MESHLET_THREADS | $rss_one | $(calc '%.1f' "$rss_one / 1024") | ≤ 20 MiB |"
  show "| --threads $MESHLET_THREADS after 1,000 warm-up calls (upstream connections open) | $before | $(calc '%.1f' "$before / 1024") | |"
  show "| with $IDLE_STREAMS idle streams open on $(( (IDLE_STREAMS + IDLE_PER_CONN - 1) / IDLE_PER_CONN )) client connection(s) | $rss_with | $(calc '%.1f' "$rss_with / 1024") | |"
  show "| peak (VmHWM) | $hwm | $(calc '%.1f' "$hwm / 1024") | |"
  show "| 1 s after the client closed them | $after | $(calc '%.1f' "$after / 1024") | |"
  show "" "**Per idle stream: $per KiB** ((RSS with streams − RSS before) / $IDLE_STREAMS; target ≤ 2 KiB at 10,000). Each stream: HEADERS + one DATA (EchoRequest{sleep_ms: 600000}) without END_STREAM; all $IDLE_STREAMS reached the backends (echo_backend call counts) before RSS was read. Client summary: \`${summary:-none}\`."
  stop_all
  flush_cmds
}

scenario_threads() {
  show "" "## threads: --threads 1 vs --threads 2" ""
  local mcpus lcpus note=""
  if [ "$ncpu" -ge 4 ]; then
    mcpus=${THREADS_MESHLET_CPUS:-0,1}
    lcpus=${THREADS_LOAD_CPUS:-2-$((ncpu - 1))}
  elif [ "$ncpu" -ge 2 ]; then
    mcpus=${THREADS_MESHLET_CPUS:-1}
    lcpus=${THREADS_LOAD_CPUS:-0}
  else
    mcpus=${THREADS_MESHLET_CPUS:-0}
    lcpus=${THREADS_LOAD_CPUS:-0}
  fi
  local n_mcpus
  n_mcpus=$(taskset -c "$mcpus" nproc)
  if [ "$n_mcpus" -lt 2 ]; then
    note="**This machine has $ncpu core(s): meshlet gets $n_mcpus (cpu $mcpus) in both runs, so --threads 2 cannot scale here; the figures show what a second I/O thread costs on one shared core, not scaling.** To show scaling, run on >= 4 cores (meshlet on 2, load and backends on the rest)."
  fi
  local c=${THREADS_SHAPE%x*} m=${THREADS_SHAPE#*x} lt r t order
  lt=$(taskset -c "$lcpus" nproc)
  [ "$lt" -le "$c" ] || lt=$c
  declare -A rps us cores bad split
  for r in $(seq "$THREADS_ROUNDS"); do
    order="1 2"
    [ $((r % 2)) = 1 ] || order="2 1"
    for t in $order; do
      start_backends "$BACKENDS" "$lcpus" "threads$t"
      start_meshlet "threads$t-r$r" "$t" "$mcpus" "${port0_flags[@]}"
      warm_up "$lcpus" "$c" "$m"
      thread_ticks "$meshlet_pid" >"$raw/threads$t-r$r.tasks0"
      measure "$raw/threads$t-r$r.out" "$lcpus" "$c" "$m" "$THREADS_CALLS" "$lt"
      thread_ticks "$meshlet_pid" >"$raw/threads$t-r$r.tasks1"
      # Each I/O thread's share of the I/O threads' CPU: did SO_REUSEPORT spread the load?
      split[$t]=$(awk 'NR == FNR {t0[$1] = $2; next} {d = $2 - t0[$1]; tot += d; v[++n] = d}
        END {for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? "/" : ""), tot ? 100 * v[i] / tot : 0}' \
        "$raw/threads$t-r$r.tasks0" "$raw/threads$t-r$r.tasks1")
      rps[$t]+="$r_rps " us[$t]+="$r_us " cores[$t]+="$r_cores "
      bad[$t]=$(( ${bad[$t]:-0} + r_bad ))
      echo "bench: threads round $r --threads $t: $r_rps calls/s, $r_us µs/call, $r_cores cores" >&2
      stop_all
    done
  done
  show "| --threads | calls/s (min–max) | meshlet CPU µs/call | meshlet cores used | I/O threads' CPU split % (last round) | errors |" "|---|---|---|---|---|---|"
  for t in 1 2; do
    show "| $t | $(median "${rps[$t]}") ($(minmax "${rps[$t]}")) | $(median "${us[$t]}") | $(median "${cores[$t]}") | ${split[$t]} | ${bad[$t]} |"
  done
  show "" "Ratio --threads 2 / --threads 1: **$(calc '%.2f' "$(median "${rps[2]}") / $(median "${rps[1]}")")x** calls/s (target ≥ 1.7x with meshlet on 2 free cores). meshlet pinned to cpu $mcpus, h2load (-t $lt) and $BACKENDS backends to cpu $lcpus; ${c} conns x ${m} streams, $THREADS_CALLS calls per run, medians of $THREADS_ROUNDS round(s), a fresh meshlet and backends per run."
  [ -z "$note" ] || show "" "$note"
  flush_cmds "each measured h2load run follows an unmeasured warm-up of the same shape"
}

scenario_metrics() {
  show "" "## metrics: CPU per call with metrics on vs --metrics off" ""
  local r mode order shape c m n
  declare -A us
  for r in $(seq "$METRICS_ROUNDS"); do
    order="on off"
    [ $((r % 2)) = 1 ] || order="off on"
    for mode in $order; do
      start_backends "$BACKENDS" "$PIN_BACKENDS" "metrics-$mode"
      if [ "$mode" = on ]; then
        start_meshlet "metrics-on-r$r" "$MESHLET_THREADS" "$PIN_MESHLET" --metrics 127.0.0.1:0 --admin off
      else
        start_meshlet "metrics-off-r$r" "$MESHLET_THREADS" "$PIN_MESHLET" --metrics off --admin off
      fi
      warm_up "$PIN_LOAD" 1 100
      for shape in $METRICS_SHAPES; do
        c=${shape%x*} m=${shape#*x}
        n=$(calls_for "$c" "$m" "$METRICS_CALLS" "$STREAMS_MIN_WAVES")
        measure "$raw/metrics-$mode-$shape-r$r.out" "$PIN_LOAD" "$c" "$m" "$n" 1
        us[$mode-$shape]+="$r_us "
        echo "bench: metrics round $r $mode $shape: $r_us µs/call ($r_rps calls/s)" >&2
      done
      stop_all
    done
  done
  show "| conns x streams | on: µs/call (min–max) | off: µs/call (min–max) | on / off |" "|---|---|---|---|"
  local on off
  for shape in $METRICS_SHAPES; do
    on=$(median "${us[on-$shape]}") off=$(median "${us[off-$shape]}")
    show "| ${shape%x*} x ${shape#*x} | $on ($(minmax "${us[on-$shape]}")) | $off ($(minmax "${us[off-$shape]}")) | **$(calc '%.3f' "$on / $off")** |"
  done
  show "" "on = \`--metrics 127.0.0.1:0 --admin off\` (counting on, nobody scraping), off = \`--metrics off --admin off\` (counting skipped only when both are off). Medians of $METRICS_ROUNDS round(s), order alternating; a fresh meshlet per mode and round; CPU from /proc/PID/stat at ${hz} ticks/s (a 200,000-call run at ~15 µs is ~300 ticks: keep runs that long to resolve 5%). Target: on / off ≤ 1.05."
  flush_cmds "each measured h2load run follows an unmeasured warm-up of the same shape"
}

scenario_micro() {
  show "" "## micro: Google Benchmark (meshlet_micro)" ""
  local bin="$BUILD_DIR/bench/micro/meshlet_micro" rc=0 pid
  [ -x "$bin" ] || die "$bin missing (needs libbenchmark-dev; BUILD=1 builds it)"
  local args=()
  read -ra args <<<"$MICRO_ARGS"
  local cmd=("$bin" ${args[@]+"${args[@]}"})
  note_cmd "${cmd[@]}"
  "${cmd[@]}" >"$raw/micro.out" 2>"$raw/micro.err" &
  pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  forget "$pid"
  show '```' "$(grep -v '^\*\*\*WARNING' "$raw/micro.err" || true)" "$(cat "$raw/micro.out")" '```'
  [ "$rc" = 0 ] || show "meshlet_micro exited $rc: $(tail -3 "$raw/micro.err")"
  ! grep -q '^\*\*\*WARNING.*DEBUG' "$raw/micro.err" \
    || show "" "(Google Benchmark's \"Library was built as DEBUG\" warning is about Debian's libbenchmark itself; meshlet_core and the benchmarks are built in Release.)"
  flush_cmds
}

build
header
for s in "${scenarios[@]}"; do
  echo "bench: scenario $s" >&2
  "scenario_$s"
done
echo "bench: results appended to $result (raw output in $raw)" >&2
