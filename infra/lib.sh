# shellcheck shell=bash
# Helpers shared by the infra scripts; tests may source it too (for free_port).
# Sourced, so it sets no shell options: every function works with or without
# `set -euo pipefail` in the caller.

_orderflow_name=${0##*/}

log() { printf '%s: %s\n' "$_orderflow_name" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# True if something listens on TCP port $1 (any address: 0.0.0.0 would clash too).
port_in_use() { [[ -n $(ss -Htln "sport = :$1") ]]; }

# Print a free TCP port in 20000-45000, never the same twice for one shell.
# The ports handed out are recorded in a file named after $$ (which is the
# top shell's pid, also inside `$(free_port)` subshells, where a variable
# would be lost). Ports in any TCP state, not only listening, are avoided:
# a port still held by a connection cannot be bound either.
free_port() {
  local given="${TMPDIR:-/tmp}/orderflow-free-ports.$$" busy port _
  busy=$(ss -Htan | awk '{ sub(/.*:/, "", $4); print $4 }')
  for _ in {1..500}; do
    port=$((20000 + SRANDOM % 25001))
    grep -qx "$port" <<<"$busy" && continue
    [[ -f $given ]] && grep -qx "$port" "$given" && continue
    echo "$port" >>"$given"
    echo "$port"
    return 0
  done
  log "no free port found"
  return 1
}

# True if process $1 exists and is not a zombie (a dead child that nobody has
# reaped yet still answers kill -0, and pid 1 of a container may never reap).
alive() {
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z ]]
}

# await_ready NAME SECONDS LOGFILE PIDFILE MARKER: poll the caller's `answers` until the server is
# ready. If its process (pidfile + command-line marker, as pid_of) exits, or SECONDS pass, show the
# log, stop what is left and fail.
await_ready() {
  local name=$1 secs=$2 logfile=$3 pidfile=$4 marker=$5 deadline=$((SECONDS + $2))
  until answers; do
    pid_of "$pidfile" "$marker" >/dev/null || { show_log "$logfile"; die "$name exited while starting"; }
    ((SECONDS < deadline)) || { show_log "$logfile"; stop_pid "$pidfile" "$marker"; die "$name not ready after $secs s"; }
    sleep 0.2
  done
}

# Print the pid in pidfile $1 if that process is alive and its command line
# has the word $2. The check guards against a recycled pid after a reboot or crash.
# A process that is exec'ing (bash -> java in spawn) can show another command line, or none, for an
# instant: a live pid whose command line lacks the marker is read again before it counts as not ours.
pid_of() {
  local pid _
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  for _ in 1 2 3; do
    alive "$pid" || return 1
    if { printf ' '; tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- " $2 "; then
      echo "$pid"
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# spawn PIDFILE LOGFILE CMD... : run CMD detached in its own session (no
# controlling terminal, so no SIGHUP when the caller's terminal goes away),
# appending stdout+stderr to LOGFILE. The child writes its own pid before it
# execs, so the pid file is right however setsid chooses to fork. It does not
# inherit fd 9, the lock of lock_dir.
spawn() {
  local pidfile=$1 logfile=$2 _
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
    "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  for _ in {1..100}; do [[ -s $pidfile ]] && return 0; sleep 0.05; done
  die "could not start $1"
}

# stop_pid PIDFILE MARKER [SECONDS]: SIGTERM, wait, then SIGKILL; returns once
# the process is gone.
stop_pid() {
  local pidfile=$1 marker=$2 secs=${3:-20} pid i
  if pid=$(pid_of "$pidfile" "$marker"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "pid $pid ignored SIGTERM for ${secs}s, killing it"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
    fi
  fi
  rm -f "$pidfile"
}

# lock_dir DIR: create DIR and hold DIR/.lock until the script exits, so that
# two concurrent start/stop calls on one DIR take turns (fd 9; servers that
# the script starts must not inherit it, or they would hold the lock forever).
lock_dir() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock 9
}

# render TEMPLATE OUT KEY=VALUE...: copy TEMPLATE to OUT with each @KEY@
# replaced by VALUE (literally: the replacement is quoted, so & and / are safe).
render() {
  local text kv
  text=$(<"$1")
  for kv in "${@:3}"; do text=${text//"@${kv%%=*}@"/"${kv#*=}"}; done
  printf '%s\n' "$text" >"$2"
}

# Print the tail of a log file to stderr (used when a server fails to start).
show_log() { [[ -f $1 ]] && { log "last lines of $1:"; tail -n "${2:-40}" "$1" >&2; }; return 0; }

# The command-line contract shared by kafka.sh, postgres.sh and prometheus.sh:
# `CMD [DIR]`, DIR defaulting to $ORDERFLOW_STATE_DIR, made absolute.
state_dir() { realpath -m -- "${1:-$ORDERFLOW_STATE_DIR}"; }

# demo_key ROLE [DIR]: the demo API key of ROLE (storefront, partner, admin) that infra/pipeline.sh
# made in DIR (default $ORDERFLOW_STATE_DIR)/demo-keys; $ORDERFLOW_API_KEY wins for storefront.
demo_key() {
  if [[ $1 == storefront && -n ${ORDERFLOW_API_KEY:-} ]]; then printf '%s\n' "$ORDERFLOW_API_KEY"; return; fi
  awk -v role="$1" '$1 == role { print $2 }' "$(state_dir "${2:-}")/demo-keys" 2>/dev/null
}

# Installs the npm packages pinned by $2/package.json and package-lock.json into $1 with `npm ci`
# (exactly the lock file, no install scripts), unless $1 was installed from that very lock file.
# $3: npm's log file; $4: what is installed, for the messages.
npm_ci_pinned() {
  local dir=$1 pins=$2 logfile=$3 what=$4
  cmp -s "$pins/package-lock.json" "$dir/package-lock.json" && return 0
  log "installing $what into $dir"
  rm -rf "$dir" "$dir".tmp
  mkdir -p "$dir".tmp
  cp "$pins/package.json" "$pins/package-lock.json" "$dir".tmp/
  (cd "$dir".tmp && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$logfile" 2>&1) ||
    { show_log "$logfile"; die "npm could not install $what"; }
  mv -T "$dir".tmp "$dir"
}
