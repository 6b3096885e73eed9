#pragma once
// Checks of what a request carries besides its body: path segments, query parameters, headers. Each
// `require_*` answers the exchange with 400 naming the field and returns nullopt/false when the value
// is not acceptable, so a handler just returns: nothing is read or published for a bad request.
#include <pistache/http.h>

#include <optional>
#include <string>
#include <string_view>

#include "exchange.hpp"

namespace orderflow::api {

// ^[A-Za-z0-9_.-]{1,64}$, as the schemas' sku.
bool is_sku(std::string_view text);
// ^[A-Za-z0-9_.:@-]{1,64}$, as the schemas' cart_id and customer_id.
bool is_cart_id(std::string_view text);
// A decimal integer in [min, max]: digits only (no sign, no blanks), at most 9 of them.
std::optional<int> parse_int(std::string_view text, int min, int max);

// The Idempotency-Key header: 1-128 visible ASCII characters. Returns the error message, or "" if fine.
std::string check_idempotency_key(const std::optional<std::string>& key);

// A request header's value as sent (names are case-insensitive).
std::optional<std::string> header(const Pistache::Http::Request& request, const std::string& name);

// Path parameters: `field` is the name the error reports.
bool require_uuid(const std::string& value, std::string_view field, Exchange& exchange);
bool require_sku(const std::string& value, std::string_view field, Exchange& exchange);
bool require_cart_id(const std::string& value, std::string_view field, Exchange& exchange);
// The query parameter `name` as an integer in [min, max]; `fallback` when absent.
std::optional<int> require_int_query(const Pistache::Http::Request& request, const std::string& name, int min,
                                     int max, int fallback, Exchange& exchange);
// The Idempotency-Key header, checked.
std::optional<std::string> require_idempotency_key(const Pistache::Http::Request& request,
                                                   Exchange& exchange);

}  // namespace orderflow::api
