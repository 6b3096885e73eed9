#pragma once
// Identifiers: random UUIDs for events, and name-based (v5, SHA-1) UUIDs where a retry must arrive at
// the same id, e.g. an order id derived from (customer, Idempotency-Key) so the api stays stateless.
#include <string>
#include <string_view>

namespace orderflow {

std::string random_uuid();
// RFC 4122 version-5 UUID of `name` in orderflow's namespace; same input, same id, on every host.
std::string name_uuid(std::string_view name);
// The order id of (customer, Idempotency-Key). With a `secret` (ORDERFLOW_ORDER_ID_SECRET) it is
// HMAC-SHA256(secret, the same name) shaped as an RFC 9562 version-8 UUID: still the same for a retry,
// on every api process, with no state, but not computable by whoever lacks the secret. Without one it
// is the version-5 UUID of earlier releases (computable from outside: the api warns at its start).
std::string order_id_for(std::string_view customer_id, std::string_view idempotency_key,
                         std::string_view secret = {});
bool is_uuid(std::string_view text);
// Now as RFC 3339 UTC with milliseconds, e.g. 2026-11-25T18:23:28.123Z.
std::string utc_now_iso8601();

}  // namespace orderflow
