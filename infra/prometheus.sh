#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prometheus (Debian's /usr/bin/prometheus, our own instance; never the
# system service) for the local stack. Config, data, log, pid in DIR/prometheus.
#   infra/prometheus.sh start|stop|status [DIR]
#   infra/prometheus.sh targets DIR [HOST:PORT...]   set what job "orderflow" scrapes
# Listens on 127.0.0.1:$ORDERFLOW_PROMETHEUS_PORT; DIR defaults to $ORDERFLOW_STATE_DIR.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() { echo "usage: $0 start|stop|status [DIR] | $0 targets DIR [HOST:PORT...]" >&2; exit 2; }
(($# >= 1)) || usage
cmd=$1
[[ $cmd == targets ]] || (($# <= 2)) || usage
p=$(state_dir "${2:-}")/prometheus
conf=$p/prometheus.yml pidfile=$p/prometheus.pid logfile=$p/server.log
port=$ORDERFLOW_PROMETHEUS_PORT url=http://127.0.0.1:$ORDERFLOW_PROMETHEUS_PORT

running() { pid_of "$pidfile" "--config.file=$conf" >/dev/null; }
answers() { curl -fsS -o /dev/null --max-time 2 "$url/-/ready" 2>/dev/null; }

# Replace the scrape targets. Written to a temp file and renamed, so that
# Prometheus never reads a half-written file. Each target keeps its own
# host:port as `instance` (Prometheus's default).
targets() {
  local t list=""
  for t in "$@"; do
    [[ $t =~ ^[A-Za-z0-9._-]+:[0-9]{1,5}$ ]] || die "not a host:port: $t"
    list+="${list:+, }\"$t\""
  done
  mkdir -p "$p"
  if [[ -n $list ]]; then
    printf '[{"labels": {"job": "orderflow"}, "targets": [%s]}]\n' "$list" >"$p/targets.json.tmp"
  else
    echo '[]' >"$p/targets.json.tmp"
  fi
  mv -f "$p/targets.json.tmp" "$p/targets.json"
}

start() {
  if ! running; then
    # Another Prometheus on our port would answer our readiness check.
    ! port_in_use "$port" || die "port $port is already in use (set ORDERFLOW_PROMETHEUS_PORT)"
    mkdir -p "$p/data"
    cp "$here/prometheus/alerts.yml" "$p/alerts.yml"
    render "$here/prometheus/prometheus.yml.in" "$conf" \
      RULES_FILE="$p/alerts.yml" TARGETS_FILE="$p/targets.json"
    [[ -f $p/targets.json ]] || targets
    if command -v promtool >/dev/null; then
      promtool check config "$conf" >"$p/promtool.log" 2>&1 ||
        { show_log "$p/promtool.log"; die "invalid Prometheus config"; }
    fi
    spawn "$pidfile" "$logfile" /usr/bin/prometheus --config.file="$conf" \
      --storage.tsdb.path="$p/data" --web.listen-address="127.0.0.1:$port" \
      --web.enable-lifecycle
  fi
  await_ready Prometheus 30 "$logfile" "$pidfile" "--config.file=$conf"
  log "Prometheus ready on $url"
}

case $cmd in
  start) lock_dir "$p"; start ;;
  stop) lock_dir "$p"; stop_pid "$pidfile" "--config.file=$conf" 20 ;;
  status)
    if ! running; then echo "prometheus: not running"; exit 1; fi
    if ! answers; then echo "prometheus: pid $(cat "$pidfile") does not answer (yet)"; exit 1; fi
    echo "prometheus: running, pid $(cat "$pidfile"), $url" ;;
  targets) (($# >= 2)) || usage; targets "${@:3}" ;;
  *) usage ;;
esac
