#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Backups of orderflow's PostgreSQL database: every schema (state, read models, consumed offsets,
# processed ids, outbox) in ONE consistent snapshot, so a restore resumes exactly where the backup was
# taken: the workers seek to the restored offsets and re-read what came after from Kafka (effect-once
# skips what the restored ids say was applied).
#   infra/backup.sh backup              -> $ORDERFLOW_BACKUP_DIR/<UTC time>/ (dump, manifest, checksum);
#                                          keeps the newest $ORDERFLOW_BACKUP_KEEP (default 7)
#   infra/backup.sh verify BACKUP       checksum, manifest and a full read of the dump; exit 1 if bad
#   infra/backup.sh restore BACKUP      into the database of $ORDERFLOW_PG_DSN, which must be empty
#                                          (no orderflow tables) unless ORDERFLOW_RESTORE_FORCE=1
#   infra/backup.sh list
# The database is $ORDERFLOW_PG_DSN (a key=value libpq DSN); pg_dump/pg_restore are Debian's (15).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
caller_dsn=${ORDERFLOW_PG_DSN:-} # env.sh derives the local stack's; a caller's DSN wins
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

bin=/usr/lib/postgresql/15/bin
dir=${ORDERFLOW_BACKUP_DIR:-$ORDERFLOW_STATE_DIR/backups}
keep=${ORDERFLOW_BACKUP_KEEP:-7}
dsn=${caller_dsn:-$ORDERFLOW_PG_DSN}
psql_q() { psql "$dsn" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

backup() {
  mkdir -p "$dir"
  local name out
  name=$(date -u +%Y%m%dT%H%M%S.%3NZ)
  out=$dir/$name
  mkdir "$out.partial"
  # -Fc: compressed, restorable table by table; one repeatable-read snapshot for every table, so
  # state, offsets and outbox agree. --no-owner: restorable as any role.
  "$bin/pg_dump" --format=custom --no-owner --file="$out.partial/orderflow.dump" "$dsn"
  local sum migrations
  sum=$(sha256sum "$out.partial/orderflow.dump" | cut -d' ' -f1)
  migrations=$(psql_q "SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM public.schema_migrations")
  cat >"$out.partial/manifest.json" <<JSON
{
  "format": "orderflow-backup/1",
  "created_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "database": "$(psql_q "SELECT current_database()")",
  "server_version": "$(psql_q "SHOW server_version")",
  "pg_dump": "$("$bin/pg_dump" --version)",
  "migrations": $migrations,
  "orders": $(psql_q "SELECT count(*) FROM orders.orders"),
  "consumer_offsets": $(psql_q "SELECT count(*) FROM runtime.consumer_offsets"),
  "dump": {"file": "orderflow.dump", "bytes": $(stat -c %s "$out.partial/orderflow.dump"), "sha256": "$sum"}
}
JSON
  (cd "$out.partial" && sha256sum orderflow.dump manifest.json >SHA256SUMS)
  mv -T "$out.partial" "$out" # a backup is complete, or it has no name
  log "backup $out ($(du -sh "$out" | cut -f1))"
  # Retention: the newest $keep complete backups stay.
  local old
  mapfile -t old < <(find "$dir" -mindepth 1 -maxdepth 1 -type d -name '2*Z' | sort -r | tail -n +$((keep + 1)))
  for o in "${old[@]}"; do rm -rf -- "$o" && log "retention: removed $o"; done
  echo "$out"
}

verify() {
  local b=${1:?usage: $0 verify BACKUP}
  [[ -f $b/manifest.json && -f $b/SHA256SUMS && -f $b/orderflow.dump ]] || die "$b: not a complete backup"
  (cd "$b" && sha256sum --quiet --check SHA256SUMS) || die "$b: checksum mismatch"
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["format"]=="orderflow-backup/1"' \
    "$b/manifest.json" || die "$b: unreadable manifest"
  # Reads the whole archive (every table's data), as a restore would, without a database.
  "$bin/pg_restore" --file=/dev/null "$b/orderflow.dump" || die "$b: the dump does not read back"
  local tables
  tables=$("$bin/pg_restore" --list "$b/orderflow.dump" | grep -c ' TABLE DATA ' || true)
  log "$b: ok ($tables tables)"
}

restore() {
  local b=${1:?usage: $0 restore BACKUP}
  verify "$b"
  local existing
  existing=$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname IN ('runtime','orders','inventory','carts','catalog','views') OR (schemaname = 'public' AND tablename = 'schema_migrations')")
  if ((existing > 0)); then
    [[ ${ORDERFLOW_RESTORE_FORCE:-} == 1 ]] ||
      die "the target database has $existing orderflow tables: restore into an empty one (or ORDERFLOW_RESTORE_FORCE=1 to replace them)"
    log "ORDERFLOW_RESTORE_FORCE=1: dropping the existing orderflow schemas"
    psql_q "DROP SCHEMA IF EXISTS runtime, orders, inventory, carts, catalog, views CASCADE; DROP TABLE IF EXISTS public.schema_migrations"
  fi
  "$bin/pg_restore" --no-owner --exit-on-error --single-transaction --dbname="$dsn" "$b/orderflow.dump"
  log "restored $b into $(psql_q "SELECT current_database()"): $(psql_q "SELECT count(*) FROM orders.orders") orders"
}

case ${1:-} in
  backup) backup ;;
  verify) verify "${2:-}" ;;
  restore) restore "${2:-}" ;;
  list) find "$dir" -mindepth 1 -maxdepth 1 -type d -name '2*Z' 2>/dev/null | sort ;;
  *) echo "usage: $0 backup | verify BACKUP | restore BACKUP | list" >&2; exit 2 ;;
esac
