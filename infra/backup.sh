#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Backups of orderflow's PostgreSQL databases: every schema of a database (state, read models, consumed
# offsets, processed ids, outbox) in ONE consistent snapshot, so a restore resumes exactly where the
# backup was taken: the workers seek to the restored offsets and re-read what came after from Kafka
# (effect-once skips what the restored ids say was applied). With a database per role
# (ORDERFLOW_PG_DSN_<ROLE>) each database is dumped in its own snapshot: a role's state and its offsets
# are in the same one, so each role resumes consistently, and the saga between roles converges as it
# does after any restart (an answer that comes before its order waits for it).
#   infra/backup.sh backup              -> $ORDERFLOW_BACKUP_DIR/<UTC time>/ (dump, manifest, checksum);
#                                          keeps the newest $ORDERFLOW_BACKUP_KEEP (default 7)
#   infra/backup.sh verify BACKUP       checksum, manifest and a full read of the dump; exit 1 if bad
#   infra/backup.sh restore BACKUP      each dump into the database of its roles, which must be empty
#                                          (no orderflow tables) unless ORDERFLOW_RESTORE_FORCE=1
#   infra/backup.sh list
# The databases are $ORDERFLOW_PG_DSN and any $ORDERFLOW_PG_DSN_<ROLE> (key=value libpq DSNs); the one
# of ORDERFLOW_PG_DSN is orderflow.dump, another is <its first role>.dump. pg_dump/pg_restore: Debian's 15.
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
psql_q() { psql "${2:-$dsn}" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

# "file<TAB>dsn" per distinct database, the roles in orderflow::kDatabaseRoles' order.
databases() {
  local role var d seen=""
  for role in orders inventory carts projections; do
    var=ORDERFLOW_PG_DSN_${role^^}
    d=${!var:-$dsn}
    [[ $'\n'$seen == *$'\n'"$d"$'\n'* ]] && continue
    seen+="$d"$'\n'
    if [[ $d == "$dsn" ]]; then printf 'orderflow.dump\t%s\n' "$d"; else printf '%s.dump\t%s\n' "$role" "$d"; fi
  done
}
# The DSN of the database that holds `role`'s data.
dsn_of() { local var=ORDERFLOW_PG_DSN_${1^^}; echo "${!var:-$dsn}"; }

backup() {
  mkdir -p "$dir"
  local name out
  name=$(date -u +%Y%m%dT%H%M%S.%3NZ)
  out=$dir/$name
  mkdir "$out.partial"
  # -Fc: compressed, restorable table by table; one repeatable-read snapshot for every table of a
  # database, so state, offsets and outbox agree. --no-owner: restorable as any role.
  local file d files=() entries="" offsets=0
  while IFS=$'\t' read -r file d; do
    offsets=$((offsets + $(psql_q "SELECT count(*) FROM runtime.consumer_offsets" "$d")))
    "$bin/pg_dump" --format=custom --no-owner --file="$out.partial/$file" "$d"
    files+=("$file")
    entries+="${entries:+,}
    {\"file\": \"$file\", \"database\": \"$(psql_q "SELECT current_database()" "$d")\", \"bytes\": $(stat -c %s "$out.partial/$file"), \"sha256\": \"$(sha256sum "$out.partial/$file" | cut -d' ' -f1)\", \"migrations\": $(psql_q "SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM public.schema_migrations" "$d")}"
  done < <(databases)
  local orders_dsn
  orders_dsn=$(dsn_of orders)
  cat >"$out.partial/manifest.json" <<JSON
{
  "format": "orderflow-backup/2",
  "created_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "server_version": "$(psql_q "SHOW server_version" "$orders_dsn")",
  "pg_dump": "$("$bin/pg_dump" --version)",
  "orders": $(psql_q "SELECT count(*) FROM orders.orders" "$orders_dsn"),
  "consumer_offsets": $offsets,
  "dumps": [$entries
  ]
}
JSON
  (cd "$out.partial" && sha256sum "${files[@]}" manifest.json >SHA256SUMS)
  mv -T "$out.partial" "$out" # a backup is complete, or it has no name
  log "backup $out ($(du -sh "$out" | cut -f1))"
  # Retention: the newest $keep complete backups stay.
  local old
  mapfile -t old < <(find "$dir" -mindepth 1 -maxdepth 1 -type d -name '2*Z' | sort -r | tail -n +$((keep + 1)))
  for o in "${old[@]}"; do rm -rf -- "$o" && log "retention: removed $o"; done
  echo "$out"
}

# The dump files of a backup, from its manifest (format 1 had one, "dump").
dumps_of() {
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); [print(d["file"]) for d in m.get("dumps") or [m["dump"]]]' \
    "$1/manifest.json"
}

# The check itself is orderflow-ctl's (cli/verify_backup.cpp): checksums, manifest, every dump read back.
verify() {
  local b=${1:?usage: $0 verify BACKUP}
  local ctl
  ctl=$(realpath -m -- "${ORDERFLOW_BUILD_DIR:-$here/../build}")/cli/orderflow-ctl
  [[ -x $ctl ]] || die "$ctl is not built (make build)"
  "$ctl" verify-backup "$b" >&2 || die "$b: not a good backup"
}

restore() {
  local b=${1:?usage: $0 restore BACKUP}
  verify "$b"
  # Each dump goes where the current configuration puts its roles (orderflow.dump: ORDERFLOW_PG_DSN).
  local file target existing
  declare -A target_of=()
  while IFS=$'\t' read -r file target; do target_of[$file]=$target; done < <(databases)
  while read -r file; do
    target=${target_of[$file]:-}
    [[ -n $target ]] || die "$b: $file has no database in this configuration (set its ORDERFLOW_PG_DSN_<ROLE>)"
    existing=$(psql_q "SELECT count(*) FROM pg_tables WHERE schemaname IN ('runtime','orders','inventory','carts','catalog','views') OR (schemaname = 'public' AND tablename = 'schema_migrations')" "$target")
    if ((existing > 0)); then
      [[ ${ORDERFLOW_RESTORE_FORCE:-} == 1 ]] ||
        die "the target database of $file has $existing orderflow tables: restore into an empty one (or ORDERFLOW_RESTORE_FORCE=1 to replace them)"
      log "ORDERFLOW_RESTORE_FORCE=1: dropping the existing orderflow schemas"
      psql_q "DROP SCHEMA IF EXISTS runtime, orders, inventory, carts, catalog, views CASCADE; DROP TABLE IF EXISTS public.schema_migrations" "$target"
    fi
    "$bin/pg_restore" --no-owner --exit-on-error --single-transaction --dbname="$target" "$b/$file"
    # The dump's outbox positions hold the other cluster's transaction ids (migration 007).
    [[ $(psql_q "SELECT to_regproc('runtime.outbox_rebase') IS NOT NULL" "$target") == t ]] &&
      log "outbox rebased: $(psql_q "SELECT runtime.outbox_rebase()" "$target") rows to publish"
    log "restored $b/$file into $(psql_q "SELECT current_database()" "$target")"
  done < <(dumps_of "$b")
  log "restored $b: $(psql_q "SELECT count(*) FROM orders.orders" "$(dsn_of orders)") orders"
}

case ${1:-} in
  backup) backup ;;
  verify) verify "${2:-}" ;;
  restore) restore "${2:-}" ;;
  list) find "$dir" -mindepth 1 -maxdepth 1 -type d -name '2*Z' 2>/dev/null | sort ;;
  *) echo "usage: $0 backup | verify BACKUP | restore BACKUP | list" >&2; exit 2 ;;
esac
