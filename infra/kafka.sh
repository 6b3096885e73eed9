#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Kafka (KRaft) on loopback for the local stack and the tests, from the Maven jars of infra/deps.sh.
#   infra/kafka.sh start|stop|status [DIR]     one broker (broker and controller in one JVM), in
#       DIR/kafka, on $ORDERFLOW_KAFKA_PORT and $ORDERFLOW_KAFKA_CONTROLLER_PORT (DIR defaults to
#       $ORDERFLOW_STATE_DIR)
#   infra/kafka.sh cluster start|stop|kill|status [DIR [NODE...]]     a 3-broker cluster in
#       DIR/kafka-cluster: a controller (node 0, the KRaft quorum) and brokers 1-3, one small JVM each.
#       NODEs (controller, broker-1, broker-2, broker-3) default to all of them; `kill` is kill -9.
#       Free ports are picked on the first start and kept in DIR/kafka-cluster/env (with
#       ORDERFLOW_KAFKA_BROKERS), so a node restarted later comes back on its address.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() { echo "usage: $0 start|stop|status [DIR] | cluster start|stop|kill|status [DIR [NODE...]]" >&2; exit 2; }
libs=$ORDERFLOW_KAFKA_LIBS

# The node being handled: its folder, node id (0 = a controller only) and client port.
node_dir='' node_id='' port=''
conf() { echo "$node_dir/server.properties"; }
pidfile() { echo "$node_dir/kafka.pid"; }
logfile() { echo "$node_dir/server.log"; }
running() { pid_of "$(pidfile)" "$(conf)" >/dev/null; }
# Ready means what clients need: the broker answers a metadata request and lists itself (an open port
# alone comes before the broker is unfenced). kcat only once the port is open: before, it would wait
# its full 2 s. A controller has no client port: its listening port is what there is.
answers() {
  port_in_use "$port" || return 1
  ((node_id == 0)) && return 0
  kcat -b "127.0.0.1:$port" -L -m 2 2>/dev/null | grep -qF "broker $node_id at 127.0.0.1:$port"
}
wait_ready() { await_ready "Kafka node $node_id" 90 "$(logfile)" "$(pidfile)" "$(conf)"; }

# launch HEAP_MB PORT... : formats the node's storage the first time (with cluster id $cluster_id, or a
# new one), then starts its JVM in the background; wait_ready tells when it serves.
launch() {
  local heap=$1 p
  shift
  [[ -f $libs/kafka_2.13-$KAFKA_VERSION.jar ]] || die "no Kafka jars in $libs: run infra/deps.sh"
  # A server of another DIR on our port would answer our readiness check.
  for p in "$@"; do
    ! port_in_use "$p" || die "port $p is already in use (node $node_id in $node_dir)"
  done
  cp "$here/kafka/log4j2.properties" "$node_dir/log4j2.properties"
  local java=(java -Dlog4j2.configurationFile="$node_dir/log4j2.properties" -cp "$libs/*")
  if [[ ! -f $node_dir/data/meta.properties ]]; then
    local id=${cluster_id:-}
    if [[ -z $id ]]; then
      # The tool's own log lines share stdout with the id: keep the last line.
      id=$("${java[@]}" kafka.tools.StorageTool random-uuid 2>>"$(logfile)" | tail -n 1)
      [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed no cluster id: $id"
    fi
    "${java[@]}" kafka.tools.StorageTool format -t "$id" -c "$(conf)" >>"$(logfile)" 2>&1 ||
      { show_log "$(logfile)"; die "could not format $node_dir/data"; }
  fi
  spawn "$(pidfile)" "$(logfile)" "${java[0]}" "-Xmx${heap}m" "-Xms$((heap / 2))m" "${JAVA_EXTRA[@]}" \
    -Djava.awt.headless=true "${java[@]:1}" kafka.Kafka "$(conf)"
}
JAVA_EXTRA=(-XX:+UseG1GC)

single() {
  local k
  k=$(state_dir "${1:-}")/kafka
  node_dir=$k node_id=1 port=$ORDERFLOW_KAFKA_PORT
  local ctrl=$ORDERFLOW_KAFKA_CONTROLLER_PORT
  case $cmd in
    start)
      lock_dir "$k"
      # Already started (or still starting, by another call): just wait for it.
      if running; then wait_ready; return; fi
      # Rendered on every start so that the ports from the environment apply.
      render "$here/kafka/server.properties.in" "$(conf)" PORT="$port" CONTROLLER_PORT="$ctrl" LOG_DIRS="$k/data"
      launch 512 "$port" "$ctrl"
      wait_ready
      log "Kafka ready on 127.0.0.1:$port (pid $(cat "$(pidfile)"))" ;;
    stop) lock_dir "$k"; stop_pid "$(pidfile)" "$(conf)" 20 ;;
    status)
      if ! running; then echo "kafka: not running"; exit 1; fi
      if ! answers; then echo "kafka: pid $(cat "$(pidfile)") does not answer (yet)"; exit 1; fi
      echo "kafka: running, pid $(cat "$(pidfile)"), 127.0.0.1:$port" ;;
    *) usage ;;
  esac
}

# --- the 3-broker cluster ---------------------------------------------------------------------------

cluster_nodes=(controller broker-1 broker-2 broker-3)

# select_node NAME: sets node_dir, node_id, port for a node of the cluster in $c.
select_node() {
  node_dir=$c/$1
  case $1 in
    controller) node_id=0 port=$KAFKA_CLUSTER_CONTROLLER_PORT ;;
    broker-[123]) node_id=${1#broker-} && local v=KAFKA_CLUSTER_BROKER_${1#broker-}_PORT && port=${!v} ;;
    *) die "no node $1 in the cluster (controller, broker-1, broker-2, broker-3)" ;;
  esac
  mkdir -p "$node_dir"
}

# The ports, chosen once: a node that restarts must come back where clients and peers know it.
cluster_env() {
  if [[ ! -f $c/env ]]; then
    local ctrl p1 p2 p3
    ctrl=$(free_port) p1=$(free_port) p2=$(free_port) p3=$(free_port)
    cat >"$c/env" <<ENV
ORDERFLOW_KAFKA_BROKERS=127.0.0.1:$p1,127.0.0.1:$p2,127.0.0.1:$p3
KAFKA_CLUSTER_CONTROLLER_PORT=$ctrl
KAFKA_CLUSTER_BROKER_1_PORT=$p1
KAFKA_CLUSTER_BROKER_2_PORT=$p2
KAFKA_CLUSTER_BROKER_3_PORT=$p3
ENV
  fi
  set -a && . "$c/env" && set +a
}

cluster_start_node() {
  select_node "$1"
  if running; then return 0; fi
  if ((node_id == 0)); then
    render "$here/kafka/cluster-controller.properties.in" "$(conf)" \
      CONTROLLER_PORT="$KAFKA_CLUSTER_CONTROLLER_PORT" LOG_DIRS="$node_dir/data"
    launch 192 "$port"
  else
    render "$here/kafka/cluster-broker.properties.in" "$(conf)" NODE_ID="$node_id" PORT="$port" \
      CONTROLLER_PORT="$KAFKA_CLUSTER_CONTROLLER_PORT" LOG_DIRS="$node_dir/data"
    launch 256 "$port"
  fi
}

cluster() {
  local sub=${1:-}
  [[ -n $sub ]] || usage
  c=$(state_dir "${2:-}")/kafka-cluster
  local nodes=("${@:3}") n
  ((${#nodes[@]})) || nodes=("${cluster_nodes[@]}")
  lock_dir "$c"
  cluster_env
  # Small JVMs: four of them share the box with the pipeline under test. C1 only and a serial GC
  # start faster and burn less CPU than G1 with C2, which these loads do not need.
  JAVA_EXTRA=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1)
  case $sub in
    start)
      # One cluster id for every node, kept beside the ports.
      [[ -f $c/cluster.id ]] || {
        java -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" -cp "$libs/*" \
          kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$c/cluster.id.tmp"
        grep -qE '^[A-Za-z0-9_-]{22}$' "$c/cluster.id.tmp" || die "StorageTool random-uuid printed no cluster id"
        mv "$c/cluster.id.tmp" "$c/cluster.id"
      }
      cluster_id=$(<"$c/cluster.id")
      # Formats and JVM starts overlap; each node is then awaited in turn.
      for n in "${nodes[@]}"; do cluster_start_node "$n" & done
      wait
      for n in "${nodes[@]}"; do select_node "$n" && wait_ready; done
      log "Kafka cluster nodes ready: ${nodes[*]} (brokers $ORDERFLOW_KAFKA_BROKERS)" ;;
    stop)
      # Brokers first (parallel): their controlled shutdown needs the controller.
      local pids=()
      for n in "${nodes[@]}"; do
        [[ $n == controller ]] && continue
        select_node "$n" && { stop_pid "$(pidfile)" "$(conf)" 20 & pids+=($!); }
      done
      ((${#pids[@]} == 0)) || wait "${pids[@]}"
      for n in "${nodes[@]}"; do [[ $n == controller ]] && select_node "$n" && stop_pid "$(pidfile)" "$(conf)" 20; done
      return 0 ;;
    kill)
      local pid
      for n in "${nodes[@]}"; do
        select_node "$n"
        if pid=$(pid_of "$(pidfile)" "$(conf)"); then
          kill -KILL "$pid"
          while alive "$pid"; do sleep 0.05; done
          rm -f "$(pidfile)"
        fi
      done ;;
    status)
      local rc=0
      for n in "${nodes[@]}"; do
        select_node "$n"
        if ! running; then echo "$n: not running"; rc=1
        elif ! answers; then echo "$n: pid $(cat "$(pidfile)") does not answer (yet)"; rc=1
        else echo "$n: running, pid $(cat "$(pidfile)"), 127.0.0.1:$port"; fi
      done
      return $rc ;;
    *) usage ;;
  esac
}

cmd=${1:-}
case $cmd in
  cluster) shift; cluster "$@" ;;
  start | stop | status) (($# <= 2)) || usage; single "${2:-}" ;;
  *) usage ;;
esac
