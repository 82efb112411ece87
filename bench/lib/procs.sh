# procs.sh: child-process bookkeeping for the bench scripts (sourced, not run). Every child's
# PID goes into `pids` until it is reaped, and is stopped by PID only (no PID-reuse kills).
pids=()
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
