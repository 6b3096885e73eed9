#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A short tour of a running local stack (make up runs it; run it again any time):
# places demo orders through the api, retries one with the same
# Idempotency-Key, waits until the workers persisted them, prints a table and
# the URLs to look at next. Needs curl only. Ports from infra/env.sh.
#   infra/demo.sh
# To show more cases, add place_order calls in main() (see place_order).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

api=http://127.0.0.1:$ORDERFLOW_API_PORT
wait_timeout=${ORDERFLOW_DEMO_TIMEOUT:-30}
run_id=$(date +%s)-$$ # part of every Idempotency-Key: each run makes new orders
# The storefront's demo key (infra/pipeline.sh made it); none: an api without keys.
storefront_key=$(demo_key storefront)
auth=()
[[ -z $storefront_key ]] || auth=(-H "Authorization: Bearer $storefront_key")

# Filled by place_order, in order of placement.
ids=() customers=() notes=()

# json_field NAME <<<JSON: print the string (or number/null) value of the
# top-level field NAME of a flat JSON object. Enough for our own answers;
# tolerates PostgreSQL's `"key" : value` spacing. No jq needed.
json_field() {
  sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\)"\{0,1\}.*/\1/p' | head -n 1
}

# place_order KEY CUSTOMER LINES_JSON [NOTE]: POST /v1/orders; record the order
# for the table (NOTE: what the order shows, e.g. "expect REJECTED"); prints
# nothing. Fails unless the api answers 202.
# LINES_JSON: '[{"sku":"SKU-1","quantity":2}]'.
place_order() {
  local key=$1 customer=$2 lines=$3 note=${4:-} out code body id
  out=$(curl -sS --max-time 10 "${auth[@]}" -w '\n%{http_code}' -X POST "$api/v1/orders" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
    --data "{\"customer_id\":\"$customer\",\"lines\":$lines}") || die "the api at $api does not answer (make up?)"
  code=${out##*$'\n'} body=${out%$'\n'*}
  [[ $code == 202 ]] || die "POST /v1/orders for $customer answered $code: $body"
  id=$(json_field order_id <<<"$body")
  [[ -n $id ]] || die "no order_id in the answer: $body"
  ids+=("$id") customers+=("$customer") notes+=("$note")
  printf '  POST /v1/orders  Idempotency-Key: %-28s -> 202 %s\n' "$key" "$id"
}

# checkout_cart CART CUSTOMER KEY SKU:QTY...: fills a cart (POST .../items), checks it out with an
# Idempotency-Key and records the order like place_order does.
checkout_cart() {
  local cart=$1 customer=$2 key=$3 item out code body id
  shift 3
  for item in "$@"; do
    code=$(curl -sS --max-time 10 "${auth[@]}" -o /dev/null -w '%{http_code}' -X POST "$api/v1/carts/$cart/items" \
      -H 'Content-Type: application/json' --data "{\"sku\":\"${item%%:*}\",\"quantity\":${item##*:}}")
    [[ $code == 202 ]] || die "POST /v1/carts/$cart/items answered $code"
  done
  out=$(curl -sS --max-time 10 "${auth[@]}" -w '\n%{http_code}' -X POST "$api/v1/carts/$cart/checkout" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $key" --data "{\"customer_id\":\"$customer\"}")
  code=${out##*$'\n'} body=${out%$'\n'*}
  [[ $code == 202 ]] || die "POST /v1/carts/$cart/checkout answered $code: $body"
  id=$(json_field order_id <<<"$body")
  ids+=("$id") customers+=("$customer") notes+=("checkout of cart $cart")
  printf '  POST /v1/carts/%s/checkout (%s)  -> 202 %s\n' "$cart" "$*" "$id"
}

# order_json ID: the order as GET /v1/orders/ID returns it; fails on 404.
order_json() { curl -fsS --max-time 5 "${auth[@]}" "$api/v1/orders/$1" 2>/dev/null; }

# wait_decided ID: until the saga decided the order (GET answers 200 with a status other than
# PENDING), at most $wait_timeout s; the GET answer is left in $order.
wait_decided() {
  local deadline=$((SECONDS + wait_timeout))
  until order=$(order_json "$1") && [[ $(json_field status <<<"$order") != PENDING ]]; do
    ((SECONDS < deadline)) || die "order $1 not decided after ${wait_timeout} s (see the worker logs in $ORDERFLOW_STATE_DIR/procs)"
    sleep 0.1
  done
}

main() {
  local i first_key=demo-$run_id-1 order status reason
  echo "Placing demo orders on $api:"
  # The demo catalog comes from `orderflow-ctl seed-demo` (infra/pipeline.sh runs it).
  place_order "$first_key" c-alice '[{"sku":"TEE-BLK-M","quantity":2},{"sku":"MUG-LOGO","quantity":1}]'
  place_order "demo-$run_id-2" c-bob '[{"sku":"SOCKS-3P","quantity":3}]'
  place_order "demo-$run_id-3" c-carol '[{"sku":"MUG-LOGO","quantity":1},{"sku":"CAP-RED","quantity":1000}]' \
    "asks for more caps than there are"
  checkout_cart "cart-$run_id" c-dave "demo-$run_id-4" TEE-WHT-L:1 SOCKS-3P:2
  # The same key again (a client retry): the same order, not a second one.
  place_order "$first_key" c-alice '[{"sku":"TEE-BLK-M","quantity":2},{"sku":"MUG-LOGO","quantity":1}]' \
    "retry of the first"
  if [[ ${ids[4]} == "${ids[0]}" ]]; then
    echo "  the retry with Idempotency-Key $first_key got the same order id: no duplicate"
  else
    die "the retry with the same Idempotency-Key got another order id: ${ids[4]} != ${ids[0]}"
  fi

  echo
  echo "Waiting until the saga decided them (GET /v1/orders/<id>):"
  printf '  %-36s  %-9s  %-10s  %s\n' ORDER_ID CUSTOMER STATUS NOTE
  for i in "${!ids[@]}"; do
    wait_decided "${ids[i]}"
    status=$(json_field status <<<"$order")
    reason=$(json_field reason <<<"$order")
    [[ $reason == null ]] && reason=""
    printf '  %-36s  %-9s  %-10s  %s\n' "${ids[i]}" "${customers[i]}" "$status" \
      "${notes[i]}${reason:+${notes[i]:+; }reason: $reason}"
  done

  local w=$ORDERFLOW_METRICS_PORT r worker_urls=""
  for r in $ORDERFLOW_ROLES; do
    worker_urls+="    $r: http://127.0.0.1:$w/metrics"$'\n'
    w=$((w + 1))
  done
  # The back-office signs in from the URL's fragment, which never reaches the server (or its logs).
  local token=${ORDERFLOW_ADMIN_TOKEN:-$(cat "$ORDERFLOW_STATE_DIR/admin-token" 2>/dev/null || true)}
  local h=""
  [[ -z $storefront_key ]] || h=" -H 'Authorization: Bearer $storefront_key'"
  cat <<EOF

Try:
  api:                $api
  the back-office:    $api/admin${token:+#token=$token}   (live orders, stock, sales, dead letters)
  an order:           curl -s$h $api/v1/orders/${ids[0]}
  place one:          curl -si$h -X POST $api/v1/orders -H 'Content-Type: application/json' \\
                        -H "Idempotency-Key: \$(date +%s%N)" -d '{"customer_id":"c1","lines":[{"sku":"MUG-LOGO","quantity":2}]}'
  api metrics:        $api/metrics
  worker metrics:
${worker_urls%$'\n'}
  Prometheus targets: http://127.0.0.1:$ORDERFLOW_PROMETHEUS_PORT/targets
  the catalog:        curl -s$h $api/v1/products
  API keys:           $ORDERFLOW_STATE_DIR/demo-keys (one per role; README "Roles and keys")
  the HTTP contract:  curl -s $api/openapi.json   (OpenAPI 3.1; topics: schemas/asyncapi.json)
  the commands topic: kcat -C -b $ORDERFLOW_KAFKA_BROKERS -t ${ORDERFLOW_TOPIC_PREFIX:-}orders.commands -e
  the order events:   kcat -C -b $ORDERFLOW_KAFKA_BROKERS -t ${ORDERFLOW_TOPIC_PREFIX:-}orders.events -e
  check invariants:   build/cli/orderflow-ctl verify
  logs:               $ORDERFLOW_STATE_DIR/procs/*.log
EOF
}

main "$@"
