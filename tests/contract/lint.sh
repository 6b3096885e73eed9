#!/usr/bin/env bash
# Lints the public contract with the pinned validators of infra/contract-tools (installed by
# `make deps`): ctest tests openapi_lint and asyncapi_validate (label contract).
#   tests/contract/lint.sh openapi [FILE]    redocly lint (default: schemas/openapi.json)
#   tests/contract/lint.sh asyncapi [FILE]   @asyncapi/parser (default: schemas/asyncapi.json)
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
tools=$root/infra/contract-tools
path() { "$root/infra/contract-tools.sh" path "$1"; }
need() { [[ -e $1 ]] || { echo "lint.sh: $1 is missing: run make deps (infra/contract-tools.sh)" >&2; exit 1; }; }
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

case ${1:-} in
  openapi)
    redocly=$(path redocly)
    need "$redocly"
    exec "$redocly" lint --config "$tools/redocly.yaml" --format=stylish "${2:-$root/schemas/openapi.json}"
    ;;
  asyncapi)
    modules=$(dirname "$(dirname "$(path redocly)")") # <tools>/node/node_modules
    need "$modules/@asyncapi/parser"
    NODE_PATH=$modules exec node "$(path asyncapi-validate)" "${2:-$root/schemas/asyncapi.json}"
    ;;
  *)
    echo "usage: $0 openapi|asyncapi [FILE]" >&2
    exit 2
    ;;
esac
