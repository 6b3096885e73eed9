#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# PostgreSQL 15 (Debian's binaries, our own cluster) for the local stack and
# the tests. Data, config, log and socket live in DIR/postgres.
#   infra/postgres.sh start|stop|status [DIR]  (DIR defaults to $ORDERFLOW_STATE_DIR)
# Listens on 127.0.0.1:$ORDERFLOW_PG_PORT; role and database `orderflow`
# (superuser: the tests create databases), trust auth: a dev stack only.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

(($# == 1 || $# == 2)) || { echo "usage: $0 start|stop|status [DIR]" >&2; exit 2; }
p=$(state_dir "${2:-}")/postgres
data=$p/data port=$ORDERFLOW_PG_PORT bin=/usr/lib/postgresql/15/bin
[[ -x $bin/pg_ctl ]] || die "$bin/pg_ctl not found: run infra/deps.sh"
cd / # the server runs as another user, who may not be allowed into our cwd

# PostgreSQL refuses to run as root, and sessions and CI are root: then the
# server runs as a system user of its own.
pg_user=orderflow-pg
as_pg() {
  if ((EUID == 0)); then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}

# Root only: the user must exist, own DIR/postgres and be able to reach it.
# Reaching it needs search (x) permission on every parent folder, which
# `mktemp -d` (0700) or /root do not give: grant o+x, search without listing,
# to exactly the folders that lack it, and say so.
prepare_root() {
  id -u "$pg_user" >/dev/null 2>&1 ||
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user" ||
    id -u "$pg_user" >/dev/null # lost a race with a parallel start: fine
  [[ $(stat -c %U "$p") == "$pg_user" ]] || chown -R "$pg_user:" "$p"
  runuser -u "$pg_user" -- test -w "$p" && return
  local d=$p
  while d=${d%/*}; [[ -n $d ]]; do
    if ! runuser -u "$pg_user" -- test -x "$d"; then
      log "chmod o+x $d (so that $pg_user can reach $p)"
      chmod o+x "$d"
    fi
  done
  runuser -u "$pg_user" -- test -w "$p" || die "$pg_user cannot write to $p"
}

running() { [[ -f $data/PG_VERSION ]] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null; }

start() {
  if ((EUID == 0)); then prepare_root; fi
  if ! running; then
    ! port_in_use "$port" || die "port $port is already in use (set ORDERFLOW_PG_PORT)"
    if [[ ! -f $data/PG_VERSION ]]; then
      # initdb into a temp folder and rename: a half-made cluster never
      # looks like one. --no-sync: a throwaway dev cluster, made faster.
      rm -rf "$data.init" "$data"
      as_pg "$bin/initdb" -D "$data.init" -A trust -U postgres --encoding=UTF8 \
        --locale=C --no-sync >"$p/initdb.log" 2>&1 || { show_log "$p/initdb.log"; die "initdb failed"; }
      echo "include_if_exists = 'orderflow.conf'" >>"$data.init/postgresql.conf"
      mv -T "$data.init" "$data"
    fi
    # The socket path must fit in 107 bytes (sun_path); fall back to /tmp.
    local sock=$p/sock
    if ((${#sock} + 21 > 107)); then sock=/tmp/orderflow-pg-$(md5sum <<<"$p" | cut -c1-12); fi
    mkdir -p "$sock"
    if ((EUID == 0)); then chown "$pg_user:" "$sock"; fi
    # Rewritten on every start so that the port from the environment applies.
    cat >"$data/orderflow.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${sock//\'/\'\'}'
max_connections = 200
# Sized for a write-heavy queue workload (outbox, processed ids): with the defaults, sessions wrote
# dirty pages themselves and WAL forced a checkpoint every few seconds under load.
shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 15min
wal_compression = on
CONF
    # 9>&-: the server must not inherit (and so hold) the lock of lock_dir.
    as_pg "$bin/pg_ctl" -D "$data" -l "$p/server.log" -w -t 60 -s start 9>&- ||
      { show_log "$p/server.log"; die "PostgreSQL did not start"; }
  fi
  # Idempotent: creates the role and the database only if they are missing.
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres <<'SQL'
SELECT 'CREATE ROLE orderflow LOGIN SUPERUSER'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orderflow') \gexec
SELECT 'CREATE DATABASE orderflow OWNER orderflow'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'orderflow') \gexec
SQL
  log "PostgreSQL ready on 127.0.0.1:$port"
}

case $1 in
  start) lock_dir "$p"; start ;;
  stop) lock_dir "$p"; if running; then as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 -s stop; fi ;;
  status)
    if running; then echo "postgres: running, 127.0.0.1:$port"
    else echo "postgres: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status [DIR]" >&2; exit 2 ;;
esac
