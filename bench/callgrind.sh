#!/bin/bash
# bench/callgrind.sh: instructions per proxied unary call, counted by valgrind's callgrind.
# Counting instructions is repeatable whatever else this shared machine is doing, so two builds
# can be compared from one run each (CPU seconds need interleaved rounds and medians).
#
# usage: bench/callgrind.sh [MESHLET_BINARY]      (default build-release/meshlet)
#        bench/callgrind.sh nghttpx                the same load through nghttpx (the shared
#                                                  harness's flags, 1 worker), for a reference
#
# Starts BACKENDS testkit echo_backends and meshlet under callgrind with instrumentation off,
# warms the path up with WARM calls, switches instrumentation on for CALLS h2load calls of
# CONNSxSTREAMS (h2load -c -m), switches it off, stops meshlet and prints instructions per call
# plus the TOP functions by exclusive cost (callgrind_annotate).
# LOAD=server_stream instead drives testkit's echo_load (server streaming, REPLIES replies per
# call, SHAPE connections x streams) for STREAM_SECONDS and reports instructions per streamed message.
# Environment: CALLS=5000 WARM=1000 SHAPE=1x100 BACKENDS=4 PAYLOAD=64 TOP=25
#   LOAD=unary|server_stream  REPLIES=100 STREAM_SECONDS=3 (server_stream)
#   MESHLET_FLAGS="--admin off --metrics off" (e.g. "--admin off --metrics 127.0.0.1:0" counts
#   calls for /metrics: the call counters' cost)
#   TESTKIT_BUILD=build-release/testkit  OUT=/tmp/meshlet-callgrind.* (kept)
# Needs: valgrind, h2load (nghttp2-client), the testkit built (bench/run.sh builds it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
python=/usr/bin/python3
meshlet=${1:-$repo/build-release/meshlet}
CALLS=${CALLS:-5000}
WARM=${WARM:-1000}
SHAPE=${SHAPE:-1x100}
BACKENDS=${BACKENDS:-4}
PAYLOAD=${PAYLOAD:-64}
TOP=${TOP:-25}
LOAD=${LOAD:-unary}
REPLIES=${REPLIES:-100}
SECONDS_LOAD=${STREAM_SECONDS:-3}
TESTKIT_BUILD=${TESTKIT_BUILD:-$repo/build-release/testkit}
out=${OUT:-$(mktemp -d /tmp/meshlet-callgrind.XXXXXX)}
mkdir -p "$out"
logs=$out
die() { echo "callgrind.sh: $*" >&2; exit 1; }
# shellcheck source=lib/procs.sh
. "$here/lib/procs.sh"
trap stop_all EXIT
trap 'exit 130' INT TERM

for tool in valgrind callgrind_control callgrind_annotate h2load; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ "$meshlet" = nghttpx ] || [ -x "$meshlet" ] || die "no meshlet binary at $meshlet"
[ -x "$TESTKIT_BUILD/echo_backend" ] || die "no echo_backend in $TESTKIT_BUILD (run bench/run.sh once)"
conns=${SHAPE%x*} streams=${SHAPE#*x}

body=$out/unary.grpc
"$python" "$here/lib/unary_body.py" "$body" "$PAYLOAD"

ports=()
for i in $(seq "$BACKENDS"); do
  "$TESTKIT_BUILD/echo_backend" --port 0 --id "b$i" --port-file "$out/b$i.port" \
    >"$out/b$i.log" 2>&1 &
  pids+=("$!")
  ports+=("127.0.0.1:$(wait_port_file "$out/b$i.port" "$!" "echo_backend b$i")")
done
port=$(free_port)
ups=$(IFS=,; echo "${ports[*]}")
if [ "$meshlet" = nghttpx ]; then
  # nghttpx runs its worker in a child process: callgrind follows it, one file per process.
  args=(--frontend="127.0.0.1,$port;no-tls" --workers=1 --conf=/dev/null --no-via
        --no-server-rewrite --no-ocsp --log-level=ERROR --accesslog-file=/dev/null
        --frontend-http2-max-concurrent-streams=1000 --backend-http2-max-concurrent-streams=1000
        --backend-connections-per-host=8)
  for u in "${ports[@]}"; do args+=(--backend="${u%:*},${u##*:};;proto=h2"); done
  cmd=(valgrind --tool=callgrind --instr-atstart=no --trace-children=yes
       --callgrind-out-file="$out/callgrind.out.%p" nghttpx "${args[@]}")
else
  cmd=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.out.%p"
       "$meshlet" --listen "127.0.0.1:$port" --upstream "$ups" --threads 1 --log-level warn
       ${MESHLET_FLAGS:---admin off --metrics off})
fi
"${cmd[@]}" >"$out/meshlet.log" 2>&1 &
mpid=$!
pids+=("$mpid")
wait_accepts "$port" "$mpid" meshlet

load() {  # N
  h2load -c "$conns" -m "$streams" -n "$1" -d "$body" -H 'content-type: application/grpc' \
    -H 'te: trailers' "http://127.0.0.1:$port/meshtest.Echo/Unary" >"$out/h2load.out" 2>&1 \
    || die "h2load failed: $(tail -3 "$out/h2load.out")"
  grep -q "requests: $1 total, $1 started, $1 done, $1 succeeded" "$out/h2load.out" \
    || die "not every call succeeded: $(grep '^requests:' "$out/h2load.out")"
}
stream_load() {  # SECONDS WARMUP -> prints the calls made
  "$TESTKIT_BUILD/echo_load" --target "127.0.0.1:$port" --rpc server_stream --conns "$conns" \
    --streams "$streams" --seconds "$1" --warmup "$2" --reply-count "$REPLIES" \
    >"$out/echo_load.out" 2>&1 || die "echo_load failed: $(tail -3 "$out/echo_load.out")"
  "$python" -c 'import json,sys
r = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
assert r["failed"] == 0 and r["bad_replies"] == 0, r
print(r["calls"])' "$out/echo_load.out" || die "echo_load reported failures"
}
if [ "$LOAD" = server_stream ]; then
  stream_load 1 0 >/dev/null
  callgrind_control -i on >/dev/null 2>&1
  done_calls=$(stream_load "$SECONDS_LOAD" 0)
  callgrind_control -i off >/dev/null 2>&1
  units=$((done_calls * REPLIES))
  unit="streamed message"
else
  load "$WARM"
  callgrind_control -i on >/dev/null 2>&1  # every callgrind process (nghttpx has two)
  load "$CALLS"
  callgrind_control -i off >/dev/null 2>&1
  units=$CALLS
  unit=call
fi
children=$(ps -o pid= --ppid "$mpid" 2>/dev/null || true)  # nghttpx's worker, by parent PID
stop_pid "$mpid"
for c in $children; do  # its profile is written when it exits
  for _ in $(seq 200); do kill -0 "$c" 2>/dev/null || break; sleep 0.1; done
done
main=$(ls -S "$out"/callgrind.out.* | head -1)  # the process that did the work
callgrind_annotate --threshold=100 --inclusive=no "$main" >"$out/annotate.txt" 2>&1 \
  || die "callgrind_annotate failed: $(tail -3 "$out/annotate.txt")"
total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}' "$out/annotate.txt")
[ -n "$total" ] || die "no totals in $out/callgrind.out"
echo "proxy: $meshlet"
if [ "$LOAD" = server_stream ]; then
  echo "shape ${conns}x${streams}, server streaming, $done_calls calls x $REPLIES replies in ${SECONDS_LOAD}s"
else
  echo "shape ${conns}x${streams}, $CALLS calls (after $WARM warm-up), payload $PAYLOAD B"
fi
awk -v t="$total" -v n="$units" -v u="$unit" 'BEGIN { printf "instructions per %s: %.0f (total %d)\n", u, t / n, t }'
echo "by object:"
awk '/^Ir/ {n++} n >= 2 && /\[/ { v = $1; gsub(",", "", v); o = $NF; sub(/.*\//, "", o); sub(/\]$/, "", o)
  sum[o] += v } END { for (o in sum) printf "%12d %5.1f%%  %s\n", sum[o], 100 * sum[o] / t, o }' \
  t="$total" "$out/annotate.txt" | sort -rn
echo "top functions:"
awk -v top="$TOP" '/^Ir/ {n++; next} n >= 2 && /[0-9]/ && shown < top {print; shown++}' "$out/annotate.txt"
echo "(raw: $out)"
