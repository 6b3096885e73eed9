#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The validators of the public contract (schemas/openapi.json, schemas/asyncapi.json), pinned in
# infra/contract-tools/: @redocly/cli and @asyncapi/parser from npm (package-lock.json), schemathesis
# from PyPI (requirements.txt). Installed into $ORDERFLOW_CACHE_DIR/tools (~/.cache/orderflow/tools);
# quick when there (two file compares). Called by infra/deps.sh; the contract tests run the tools
# from the paths below.
#   infra/contract-tools.sh              install what is missing or out of date
#   infra/contract-tools.sh path NAME    print the path of redocly, asyncapi-validate or schemathesis
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

pins=$here/contract-tools
tools=$ORDERFLOW_CACHE_DIR/tools
node_dir=$tools/node
venv=$tools/venv

if [[ ${1:-} == path ]]; then
  case ${2:-} in
    redocly) echo "$node_dir/node_modules/.bin/redocly" ;;
    asyncapi-validate) echo "$pins/asyncapi-validate.cjs" ;;
    schemathesis) echo "$venv/bin/schemathesis" ;;
    *) die "usage: $0 path redocly|asyncapi-validate|schemathesis" ;;
  esac
  exit 0
fi

# --- Debian packages, only those a fresh Debian 12 lacks ----------------------
# Checked by command, not by package name: a machine whose node comes from elsewhere (e.g. the
# NodeSource package, which bundles npm and conflicts with Debian's npm) is left alone.
apt_missing=()
command -v node >/dev/null || apt_missing+=(nodejs)
command -v npm >/dev/null || apt_missing+=(npm)
command -v python3 >/dev/null || apt_missing+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || apt_missing+=(python3-venv)
if ((${#apt_missing[@]})); then
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing ${apt_missing[*]} and not root and no sudo: install them as root"
    sudo=(sudo)
  fi
  log "installing: ${apt_missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
fi

mkdir -p "$tools"
exec 9>"$tools/.lock"
flock 9 # two concurrent installs: the second waits, then finds the tools

# --- npm: @redocly/cli, @asyncapi/parser --------------------------------------
# Up to date when the lock file it was installed from is the one in the repo. npm ci installs
# exactly the lock file; no install scripts (none of these need one; one is a telemetry ping).
npm_ci_pinned "$node_dir" "$pins" "$tools/npm.log" "the npm contract tools"

# --- PyPI: schemathesis, in a venv ---------------------------------------------
if ! cmp -s "$pins/requirements.txt" "$venv/requirements.txt"; then
  log "installing the Python contract tools into $venv"
  rm -rf "$venv" "$venv".tmp
  python3 -m venv "$venv".tmp
  # A venv's scripts name their interpreter by absolute path: build it where it will live.
  mv -T "$venv".tmp "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$pins/requirements.txt" \
    >"$tools/pip.log" 2>&1 || { show_log "$tools/pip.log"; rm -rf "$venv"; die "pip could not install the contract tools"; }
  cp "$pins/requirements.txt" "$venv/requirements.txt" # last: only a complete venv looks installed
fi
