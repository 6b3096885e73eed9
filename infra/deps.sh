#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install what the build, the tests and the local stack need, fetch the Kafka
# jars and install the contract validators (infra/contract-tools.sh) and the browser
# test's driver (infra/browser-tools.sh).
# Idempotent and quick (one dpkg-query, a few file tests) when all is there, so
# `make`, CI and the test scripts can call it every time.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

# Undo what this script set up, however it exits.
policy_made="" tmp=""
cleanup() {
  [[ -z $policy_made ]] || "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
  [[ -z $tmp ]] || rm -rf "$tmp"
}
sudo=()
trap cleanup EXIT

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  librdkafka-dev libpqxx-dev libpistache-dev rapidjson-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libspdlog-dev libcli11-dev libfmt-dev uuid-dev libssl-dev
  libbenchmark-dev
  postgresql-15 prometheus kcat wrk curl maven openjdk-17-jre-headless
  docker-compose iproute2 procps
  python3-confluent-kafka python3-jsonschema chromium
)

# --- Debian packages --------------------------------------------------------
# One dpkg-query for all: "ii " means installed and configured (a removed
# package whose config files remain reports "rc").
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx "$p ii " <<<"$installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root and no sudo: install them as root"
    sudo=(sudo)
  fi
  log "installing: ${missing[*]}"
  # Keep Debian from starting the system postgresql/prometheus services: we
  # run our own on our own ports and never use them. policy-rc.d exit 101 is
  # Debian's documented "do not start services" switch; only ours is removed.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    policy_made=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  cleanup
  policy_made=
fi

# --- Kafka jars --------------------------------------------------------------
# Complete means the broker jar is there: the folder only gets its final name
# after Maven finished, so an interrupted fetch never looks complete.
libs=$ORDERFLOW_KAFKA_LIBS
if [[ ! -f $libs/kafka_2.13-$KAFKA_VERSION.jar ]]; then
  mkdir -p "${libs%/*}"
  exec 9>"${libs%/*}/.lock"
  flock 9 # two concurrent deps.sh: the second waits, then finds the jars
  if [[ ! -f $libs/kafka_2.13-$KAFKA_VERSION.jar ]]; then
    log "fetching Kafka $KAFKA_VERSION jars into $libs"
    rm -rf "$libs".tmp.* # left by a killed fetch; we hold the lock, none is running
    tmp=$(mktemp -d "$libs.tmp.XXXXXX")
    # Maven's output goes to a file (Debian's mvn prints colour codes even
    # with -q); shown only when it fails.
    mvn -q -B -f "$here/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >"${libs%/*}/maven.log" 2>&1 ||
      { show_log "${libs%/*}/maven.log"; die "maven could not fetch the Kafka jars"; }
    [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "maven did not fetch kafka_2.13-$KAFKA_VERSION.jar"
    chmod 755 "$tmp" # mktemp made it private; the jars are not secret
    rm -rf "$libs"
    mv -T "$tmp" "$libs"
    tmp=
  fi
fi

# --- contract validators (npm, PyPI; pinned) ----------------------------------
# redocly, @asyncapi/parser and schemathesis for the `contract` tests, in the cache folder.
"$here/contract-tools.sh"

# --- the browser test's driver (npm; pinned) -----------------------------------
# playwright-core for the `browser` test, driving the chromium package above.
"$here/browser-tools.sh"
