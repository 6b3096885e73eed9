#!/usr/bin/env bash
# The test run's private stack (CTest fixture): Kafka, PostgreSQL and Prometheus on free loopback ports,
# state under DIR, started once per `ctest` run and stopped at its end. Test binaries read DIR/env.
#   tests/stack.sh start|stop DIR
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
dir=$(realpath -m -- "${2:?usage: $0 start|stop DIR}")
infra=$here/../infra

case $1 in
  start)
    # A stack left by an interrupted run is stopped first: its ports are in its env file.
    [[ -f $dir/env ]] && "$0" stop "$dir" || true
    rm -rf "$dir" && mkdir -p "$dir"
    . "$infra/lib.sh"
    export ORDERFLOW_STATE_DIR=$dir
    ORDERFLOW_KAFKA_PORT=$(free_port) ORDERFLOW_KAFKA_CONTROLLER_PORT=$(free_port)
    ORDERFLOW_PG_PORT=$(free_port) ORDERFLOW_PROMETHEUS_PORT=$(free_port)
    export ORDERFLOW_KAFKA_PORT ORDERFLOW_KAFKA_CONTROLLER_PORT ORDERFLOW_PG_PORT ORDERFLOW_PROMETHEUS_PORT
    . "$infra/env.sh"
    cat >"$dir/env" <<ENV
ORDERFLOW_STATE_DIR=$dir
ORDERFLOW_KAFKA_PORT=$ORDERFLOW_KAFKA_PORT
ORDERFLOW_KAFKA_CONTROLLER_PORT=$ORDERFLOW_KAFKA_CONTROLLER_PORT
ORDERFLOW_PG_PORT=$ORDERFLOW_PG_PORT
ORDERFLOW_PROMETHEUS_PORT=$ORDERFLOW_PROMETHEUS_PORT
ORDERFLOW_KAFKA_BROKERS=$ORDERFLOW_KAFKA_BROKERS
ORDERFLOW_PG_DSN=$ORDERFLOW_PG_DSN
ENV
    # The three start in parallel: Kafka's JVM start dominates.
    "$infra/kafka.sh" start "$dir" & k=$!
    "$infra/postgres.sh" start "$dir" & p=$!
    "$infra/prometheus.sh" start "$dir" & m=$!
    wait $k && wait $p && wait $m
    ;;
  stop)
    if [[ -f $dir/env ]]; then
      set -a && . "$dir/env" && set +a
    fi
    # The api and workers of a test binary that was killed (a ctest timeout) before its Pipeline could
    # stop them: they inherited ORDERFLOW_TEST_STACK, and would retry against the stopped stack forever.
    for proc in /proc/[0-9]*; do
      [[ $(readlink "$proc/exe" 2>/dev/null) == */orderflow-* ]] || continue
      stack=$(tr '\0' '\n' <"$proc/environ" 2>/dev/null | sed -n 's/^ORDERFLOW_TEST_STACK=//p') || continue
      if [[ -n $stack && $(realpath -m -- "$stack") == "$dir" ]]; then kill -9 "${proc#/proc/}" 2>/dev/null || true; fi
    done
    # 3-broker clusters that tests started (tests/support/kafka_cluster.hpp) and did not stop.
    for c in "$dir"/*/kafka-cluster; do
      if [[ -d $c ]]; then "$infra/kafka.sh" cluster stop "${c%/kafka-cluster}" || true; fi
    done
    "$infra/prometheus.sh" stop "$dir" || true
    "$infra/postgres.sh" stop "$dir" || true
    "$infra/kafka.sh" stop "$dir" || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
