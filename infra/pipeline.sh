#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The orderflow processes of the local stack: one worker per role of
# $ORDERFLOW_ROLES, then the api. Kafka and PostgreSQL must be running
# (infra/kafka.sh, infra/postgres.sh); Prometheus is told the scrape targets.
#   infra/pipeline.sh start|stop|status [DIR]   (DIR defaults to $ORDERFLOW_STATE_DIR)
# Pid files and logs: DIR/procs/<name>.pid|.log (names: api, worker-<role>).
# start: create topics, migrate, start what is not running, wait for /readyz.
# stop: api first (it stops taking orders), then the workers (they finish
# their batch); SIGKILL after $ORDERFLOW_STOP_TIMEOUT (20) s. Both idempotent.
# The admin token: $ORDERFLOW_ADMIN_TOKEN, else DIR/admin-token (made once).
# API keys: $ORDERFLOW_API_KEYS_FILE, else DIR/api-keys with a demo key per role (made once; the
# keys themselves in DIR/demo-keys, printed at the start); order ids' secret: DIR/order-id-secret.
# The binaries: $ORDERFLOW_BUILD_DIR (default: the repo's build/).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() { echo "usage: $0 start|stop|status [DIR]" >&2; exit 2; }
(($# == 1 || $# == 2)) || usage
dir=$(state_dir "${2:-}")
procs=$dir/procs
build=$(realpath -m -- "${ORDERFLOW_BUILD_DIR:-$here/../build}")
api_bin=$build/api/orderflow-api
worker_bin=$build/consumers/orderflow-worker
ctl_bin=$build/cli/orderflow-ctl
ready_timeout=${ORDERFLOW_READY_TIMEOUT:-60}
stop_timeout=${ORDERFLOW_STOP_TIMEOUT:-20}
read -r -a roles <<<"$ORDERFLOW_ROLES"

# The marker that pid_of finds in a process's command line: it tells our
# process from another one that got the same pid after a crash or reboot.
marker() {
  case $1 in
    api) echo "$api_bin" ;;
    worker-*) echo "$worker_bin --role ${1#worker-}" ;;
  esac
}
# Port of the /readyz of process $1 (the api: its API port; a worker: the
# metrics port of its place in $ORDERFLOW_ROLES).
port_of() {
  local i
  [[ $1 == api ]] && { echo "$ORDERFLOW_API_PORT"; return; }
  for i in "${!roles[@]}"; do
    [[ worker-${roles[i]} == "$1" ]] && { echo $((ORDERFLOW_METRICS_PORT + i)); return; }
  done
  return 1
}
running() { pid_of "$procs/$1.pid" "$(marker "$1")" >/dev/null; }
# The log lines of the last start of $1 (from its last ==== line on), to stderr.
show_run_log() {
  local f=$procs/$1.log
  [[ -f $f ]] || return 0
  log "last lines of $f:"
  awk '/^==== / { n = 0 } { line[n++] = $0 } END { for (i = (n > 40 ? n - 40 : 0); i < n; i++) print line[i] }' "$f" >&2
}
ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/readyz" 2>/dev/null; }

# wait_ready NAME PORT: until GET /readyz answers 200; on timeout or exit,
# show the log, stop the process and fail.
wait_ready() {
  local name=$1 port=$2 deadline=$((SECONDS + ready_timeout))
  until ready "$port"; do
    if ! running "$name"; then
      show_run_log "$name"
      rm -f "$procs/$name.pid"
      die "$name exited while starting (log: $procs/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      show_run_log "$name"
      stop_pid "$procs/$name.pid" "$(marker "$name")" "$stop_timeout"
      die "$name not ready on 127.0.0.1:$port/readyz after ${ready_timeout} s (log: $procs/$name.log)"
    fi
    sleep 0.2
  done
}

# launch NAME PORT CMD...: start CMD unless NAME runs already (then it is only
# waited for); a port taken by something else is an error.
launch() {
  local name=$1 port=$2
  shift 2
  if running "$name"; then return 0; fi
  ! port_in_use "$port" || die "port $port (for $name) is already in use by another process"
  # A separator in the log, so that each run's lines are easy to find.
  printf '==== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$procs/$name.log"
  spawn "$procs/$name.pid" "$procs/$name.log" "$@"
}

# The admin token: from the environment, else the one of DIR, made once.
admin_token() {
  if [[ -n ${ORDERFLOW_ADMIN_TOKEN:-} ]]; then return; fi
  if [[ ! -s $dir/admin-token ]]; then
    (umask 077 && random_hex 16 >"$dir/admin-token.tmp")
    mv -f "$dir/admin-token.tmp" "$dir/admin-token"
  fi
  ORDERFLOW_ADMIN_TOKEN=$(<"$dir/admin-token")
  export ORDERFLOW_ADMIN_TOKEN
}

# random_hex N: N random bytes as hex.
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# The demo keys (one per role) and the order id secret, unless the environment names its own.
api_keys() {
  if [[ -z ${ORDERFLOW_API_KEYS_FILE:-} ]]; then
    if [[ ! -s $dir/api-keys || ! -s $dir/demo-keys ]]; then
      local role secret keys="" hashed="# <key id> <role> [namespace] <sha256 hex of the secret>"$'\n'
      for role in storefront partner admin; do
        secret=$(random_hex 24)
        keys+="$role demo-$role.$secret"$'\n'
        hashed+="demo-$role $role$([[ $role == partner ]] && echo " demo-partner") $(printf %s "$secret" | sha256sum | cut -d' ' -f1)"$'\n'
      done
      (umask 077 && printf %s "$keys" >"$dir/demo-keys.tmp" && printf %s "$hashed" >"$dir/api-keys.tmp")
      mv -f "$dir/demo-keys.tmp" "$dir/demo-keys"
      mv -f "$dir/api-keys.tmp" "$dir/api-keys"
    fi
    export ORDERFLOW_API_KEYS_FILE=$dir/api-keys
  fi
  if [[ -z ${ORDERFLOW_ORDER_ID_SECRET:-} ]]; then
    [[ -s $dir/order-id-secret ]] || (umask 077 && random_hex 32 >"$dir/order-id-secret")
    ORDERFLOW_ORDER_ID_SECRET=$(<"$dir/order-id-secret")
    export ORDERFLOW_ORDER_ID_SECRET
  fi
}

# ctl SUBCOMMAND: run orderflow-ctl; its output goes to DIR/procs/ctl.log, and
# to stderr too when it fails.
ctl() {
  local out rc=0
  out=$("$ctl_bin" "$1" </dev/null 2>&1 9>&-) || rc=$?
  printf '==== %s: orderflow-ctl %s\n%s\n' "$(date -u +%FT%TZ)" "$1" "$out" >>"$procs/ctl.log"
  if ((rc != 0)); then
    printf '%s\n' "$out" | tail -n 20 >&2
    die "orderflow-ctl $1 failed (log: $procs/ctl.log)"
  fi
}

start() {
  local b i name port targets=()
  for b in "$api_bin" "$worker_bin" "$ctl_bin"; do
    [[ -x $b ]] || die "$b not found: build first (make build)"
  done
  ((${#roles[@]})) || die "ORDERFLOW_ROLES is empty"
  # Fail fast (orderflow-ctl would wait 30 s for a broker that is not there).
  port_in_use "$ORDERFLOW_KAFKA_PORT" || die "no Kafka on 127.0.0.1:$ORDERFLOW_KAFKA_PORT: start it first (make up, or infra/kafka.sh start)"
  port_in_use "$ORDERFLOW_PG_PORT" || die "no PostgreSQL on 127.0.0.1:$ORDERFLOW_PG_PORT: start it first (make up, or infra/postgres.sh start)"
  admin_token
  api_keys
  export ORDERFLOW_API_THREADS
  ctl create-topics
  ctl migrate
  ctl seed-demo
  # Workers in the order of $ORDERFLOW_ROLES, each ready before the next starts.
  for i in "${!roles[@]}"; do
    name=worker-${roles[i]} port=$((ORDERFLOW_METRICS_PORT + i))
    launch "$name" "$port" "$worker_bin" --role "${roles[i]}" --metrics-port "$port"
    wait_ready "$name" "$port"
    log "$name ready, metrics on http://127.0.0.1:$port/metrics (pid $(cat "$procs/$name.pid"))"
    targets+=("127.0.0.1:$port")
  done
  launch api "$ORDERFLOW_API_PORT" "$api_bin" --api-port "$ORDERFLOW_API_PORT"
  wait_ready api "$ORDERFLOW_API_PORT"
  log "api ready on http://127.0.0.1:$ORDERFLOW_API_PORT (pid $(cat "$procs/api.pid"))"
  targets=("127.0.0.1:$ORDERFLOW_API_PORT" "${targets[@]}")
  "$here/prometheus.sh" targets "$dir" "${targets[@]}"
  log "Prometheus targets: ${targets[*]}"
  log "admin token: $ORDERFLOW_ADMIN_TOKEN"
  if [[ -s $dir/demo-keys && $ORDERFLOW_API_KEYS_FILE == "$dir/api-keys" ]]; then
    log "API keys (Authorization: Bearer <key>; digests in $dir/api-keys):"
    while read -r role key; do log "  $role: $key"; done <"$dir/demo-keys"
  fi
  log "back-office: http://127.0.0.1:$ORDERFLOW_API_PORT/admin#token=$ORDERFLOW_ADMIN_TOKEN"
}

# Every process with a pid file, not only those of $ORDERFLOW_ROLES: a role
# removed from the list since the start is stopped too.
workers() {
  local f
  for f in "$procs"/worker-*.pid; do
    [[ -e $f ]] || continue
    f=${f##*/}
    echo "${f%.pid}"
  done
}

stop() {
  local name pids=() rc=0 p
  [[ -d $procs ]] || return 0
  # The api first: no new order is accepted while the workers drain.
  stop_pid "$procs/api.pid" "$(marker api)" "$stop_timeout"
  # The workers in parallel: each finishes its batch within its own timeout.
  for name in $(workers); do
    stop_pid "$procs/$name.pid" "$(marker "$name")" "$stop_timeout" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  # Nothing left to scrape (only if this DIR has a Prometheus).
  if [[ -d $dir/prometheus ]]; then "$here/prometheus.sh" targets "$dir"; fi
  return $rc
}

status() {
  local name port rc=0 state names
  names=$( (echo api; workers; for r in "${roles[@]}"; do echo "worker-$r"; done) | sort -u)
  for name in $names; do
    port=$(port_of "$name" || echo "?")
    if ! running "$name"; then
      state="not running"
      rc=1
    elif [[ $port != "?" ]] && ready "$port"; then
      state="ready, pid $(cat "$procs/$name.pid"), http://127.0.0.1:$port"
    else
      state="running but not ready, pid $(cat "$procs/$name.pid"), port $port"
      rc=1
    fi
    echo "$name: $state"
  done
  return $rc
}

case $1 in
  start) lock_dir "$procs"; start ;;
  stop) lock_dir "$procs"; stop ;;
  status) status ;;
  *) usage ;;
esac
