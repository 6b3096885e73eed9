#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The browser test's driver: playwright-core from npm, pinned in infra/browser-tools/package-lock.json,
# installed into $ORDERFLOW_CACHE_DIR/tools/browser (~/.cache/orderflow/tools/browser); quick when there
# (one file compare). The browser is Debian's chromium (infra/deps.sh): playwright never downloads one
# (no `playwright install`; install scripts are off).
#   infra/browser-tools.sh              install what is missing or out of date
#   infra/browser-tools.sh path         print the node_modules folder the test resolves playwright-core from
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

pins=$here/browser-tools
tools=$ORDERFLOW_CACHE_DIR/tools
dir=$tools/browser

if [[ ${1:-} == path ]]; then
  echo "$dir/node_modules"
  exit 0
fi

command -v npm >/dev/null || die "npm is missing: run infra/contract-tools.sh (it installs nodejs and npm)"
mkdir -p "$tools"
exec 9>"$tools/.browser.lock"
flock 9
npm_ci_pinned "$dir" "$pins" "$tools/browser-npm.log" "playwright-core"
