#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Single-node Kafka (KRaft, broker and controller in one JVM) for the local
# stack and the tests. Config, data, log and pid file live in DIR/kafka.
#   infra/kafka.sh start|stop|status [DIR]     (DIR defaults to $ORDERFLOW_STATE_DIR)
# Ports: $ORDERFLOW_KAFKA_PORT (clients), $ORDERFLOW_KAFKA_CONTROLLER_PORT, on 127.0.0.1.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

(($# == 1 || $# == 2)) || { echo "usage: $0 start|stop|status [DIR]" >&2; exit 2; }
k=$(state_dir "${2:-}")/kafka
conf=$k/server.properties pidfile=$k/kafka.pid logfile=$k/server.log
libs=$ORDERFLOW_KAFKA_LIBS port=$ORDERFLOW_KAFKA_PORT ctrl=$ORDERFLOW_KAFKA_CONTROLLER_PORT

running() { pid_of "$pidfile" "$conf" >/dev/null; }
# Ready means what clients need: the broker answers a metadata request and
# lists itself (an open port alone comes before the broker is unfenced).
# kcat only once the port is open: before, it would wait its full 2 s.
answers() { port_in_use "$port" && kcat -b "127.0.0.1:$port" -L -m 2 2>/dev/null | grep -qF "broker 1 at 127.0.0.1:$port"; }

wait_ready() { await_ready Kafka 60 "$logfile" "$pidfile" "$conf"; }

start() {
  # Already started (or still starting, by another call): just wait for it.
  if running; then wait_ready; return; fi
  [[ -f $libs/kafka_2.13-$KAFKA_VERSION.jar ]] || die "no Kafka jars in $libs: run infra/deps.sh"
  # A broker of another DIR on our port would answer our readiness check.
  for p in "$port" "$ctrl"; do
    ! port_in_use "$p" || die "port $p is already in use (set ORDERFLOW_KAFKA_PORT / ORDERFLOW_KAFKA_CONTROLLER_PORT)"
  done
  # Rendered on every start so that the ports from the environment apply.
  render "$here/kafka/server.properties.in" "$conf" \
    PORT="$port" CONTROLLER_PORT="$ctrl" LOG_DIRS="$k/data"
  cp "$here/kafka/log4j2.properties" "$k/log4j2.properties"
  local java=(java -Dlog4j2.configurationFile="$k/log4j2.properties" -cp "$libs/*")
  if [[ ! -f $k/data/meta.properties ]]; then
    local id
    # The tool's own log lines share stdout with the id: keep the last line.
    id=$("${java[@]}" kafka.tools.StorageTool random-uuid 2>>"$logfile" | tail -n 1)
    [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed no cluster id: $id"
    "${java[@]}" kafka.tools.StorageTool format -t "$id" -c "$conf" >>"$logfile" 2>&1 ||
      { show_log "$logfile"; die "could not format $k/data"; }
  fi
  spawn "$pidfile" "$logfile" "${java[0]}" -Xmx512m -Xms256m -XX:+UseG1GC \
    -Djava.awt.headless=true "${java[@]:1}" kafka.Kafka "$conf"
  wait_ready
  log "Kafka ready on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

case $1 in
  start) lock_dir "$k"; start ;;
  stop) lock_dir "$k"; stop_pid "$pidfile" "$conf" 20 ;;
  status)
    if ! running; then echo "kafka: not running"; exit 1; fi
    if ! answers; then echo "kafka: pid $(cat "$pidfile") does not answer (yet)"; exit 1; fi
    echo "kafka: running, pid $(cat "$pidfile"), 127.0.0.1:$port" ;;
  *) echo "usage: $0 start|stop|status [DIR]" >&2; exit 2 ;;
esac
