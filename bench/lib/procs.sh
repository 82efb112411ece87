# procs.sh: child processes for the bench scripts (sourced, not run). Every child's PID goes
# into `pids` until it is reaped, and is stopped by PID only (no PID-reuse kills); readiness is
# waited for, never slept on. The sourcing script defines die() and sets `logs` (where a failed
# start's output can be read).
pids=()
free_port() {  # a port the kernel has free on 127.0.0.1 now
  "${python:-/usr/bin/python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
forget() {
  local keep=() p
  for p in ${pids[@]+"${pids[@]}"}; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=(${keep[@]+"${keep[@]}"})
}
stop_pid() {  # SIGTERM, up to 5 s to exit, then SIGKILL; reaps it
  local pid=$1 i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  forget "$pid"
}
stop_all() {
  local pid
  for pid in ${pids[@]+"${pids[@]}"}; do stop_pid "$pid"; done
}
wait_port_file() {  # FILE PID WHAT -> prints the port (FILE is written atomically)
  local deadline=$((SECONDS + 30))
  until [ -s "$1" ]; do
    kill -0 "$2" 2>/dev/null || die "$3 exited before writing $1 (see $logs)"
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $3's port file"
    sleep 0.02
  done
  cat "$1"
}
wait_accepts() {  # PORT PID WHAT: until 127.0.0.1:PORT accepts a connection
  local deadline=$((SECONDS + 15))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || die "$3 exited before listening on :$1 (see $logs)"
    [ $SECONDS -lt $deadline ] || die "timed out waiting for $3 on :$1"
    sleep 0.02
  done
}
