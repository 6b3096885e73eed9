# shellcheck shell=sh
# Shared settings of the local (no-Docker) stack. Source it: `. infra/env.sh`.
# Every value is a default only: anything already set in the environment wins,
# so tests can pick free ports and a temp state dir and then source this file.
# No `set -e` etc. here: this file runs inside the caller's shell. POSIX sh,
# so that make recipes (/bin/sh = dash) can source it too.

# The repo root: bash knows this file's path; a POSIX sh cannot tell where a
# sourced file is, so there it is git's top folder (or the current one).
# shellcheck disable=SC3028,SC3054
if [ -n "${BASH_SOURCE:-}" ]; then
  _orderflow_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
else
  _orderflow_root=$(git rev-parse --show-toplevel 2>/dev/null || pwd -P)
fi

: "${ORDERFLOW_STATE_DIR:=$_orderflow_root/.run/local}"
: "${ORDERFLOW_CACHE_DIR:=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/orderflow}"
: "${ORDERFLOW_KAFKA_PORT:=19092}"
: "${ORDERFLOW_KAFKA_CONTROLLER_PORT:=19093}"
: "${ORDERFLOW_PG_PORT:=55432}"
: "${ORDERFLOW_PROMETHEUS_PORT:=19090}"
: "${ORDERFLOW_API_PORT:=8080}"
: "${ORDERFLOW_METRICS_PORT:=9464}" # first worker's; the next ones use 9465, 9466, ...
: "${KAFKA_VERSION:=4.1.1}"
# Worker roles of the pipeline (infra/pipeline.sh), space-separated, in start
# order; the i-th (from 0) serves /metrics on ORDERFLOW_METRICS_PORT + i.
: "${ORDERFLOW_ROLES:=inventory orders carts projections}"
: "${ORDERFLOW_API_THREADS:=2}" # Pistache worker threads of the api
# Derived from the ports on every source (not defaults), so that a caller who
# changes a port and sources again never keeps a stale address.
ORDERFLOW_KAFKA_BROKERS="127.0.0.1:$ORDERFLOW_KAFKA_PORT"
ORDERFLOW_PG_DSN="host=127.0.0.1 port=$ORDERFLOW_PG_PORT user=orderflow dbname=orderflow"
# Where infra/deps.sh puts the Kafka jars: java -cp "$ORDERFLOW_KAFKA_LIBS/*" <main class>
ORDERFLOW_KAFKA_LIBS="$ORDERFLOW_CACHE_DIR/kafka-$KAFKA_VERSION/libs"

export ORDERFLOW_STATE_DIR ORDERFLOW_CACHE_DIR ORDERFLOW_KAFKA_PORT \
  ORDERFLOW_KAFKA_CONTROLLER_PORT ORDERFLOW_PG_PORT ORDERFLOW_PROMETHEUS_PORT \
  ORDERFLOW_API_PORT ORDERFLOW_METRICS_PORT KAFKA_VERSION ORDERFLOW_KAFKA_LIBS \
  ORDERFLOW_ROLES ORDERFLOW_API_THREADS \
  ORDERFLOW_KAFKA_BROKERS ORDERFLOW_PG_DSN
unset _orderflow_root
