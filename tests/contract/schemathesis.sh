#!/usr/bin/env bash
# schemathesis (pinned, installed by `make deps`) against a live api, from the document it serves.
#   tests/contract/schemathesis.sh BASE_URL ADMIN_TOKEN [extra schemathesis options]
# e.g. tests/contract/schemathesis.sh http://127.0.0.1:8080 "$ORDERFLOW_ADMIN_TOKEN"
# One worker: with two, a run sometimes errors inside hypothesis ("AST constructor recursion depth
# mismatch": Python 3.11's ast module parsing on two threads at once), which says nothing of the api.
# Bounded: a fixed seed (printed, so a failure can be replayed), a few examples per operation.
# Phases: the document's examples, boundary values (coverage), random data (fuzzing), and
# sequences that follow the document's links (stateful: place an order, then read and cancel it).
# Checks: no 5xx, only documented statuses, content types, and bodies matching their schemas.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
base=${1:?usage: $0 BASE_URL ADMIN_TOKEN [options]}
token=${2:?usage: $0 BASE_URL ADMIN_TOKEN [options]}
shift 2
st=$("$here/../../infra/contract-tools.sh" path schemathesis)
[[ -x $st ]] || { echo "schemathesis.sh: $st is missing: run make deps (infra/contract-tools.sh)" >&2; exit 1; }
seed=${SCHEMATHESIS_SEED:-20240607}
examples=${SCHEMATHESIS_MAX_EXAMPLES:-15}
echo "schemathesis.sh: $("$st" --version), seed $seed, $examples examples per operation, against $base"
# No telemetry, no example database left in the working folder.
export SCHEMATHESIS_TELEMETRY=false
exec "$st" --no-color --config-file "$here/schemathesis.toml" run "$base/openapi.json" \
  --url "$base" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing,stateful \
  --seed "$seed" --max-examples "$examples" --workers 1 \
  --request-timeout 10 --generation-database none \
  --suppress-health-check too_slow,filter_too_much \
  "$@"
