#include "access.hpp"

#include <fmt/format.h>

#include <cctype>

#include "exchange.hpp"
#include "params.hpp"
#include "text_header.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

ORDERFLOW_TEXT_HEADER(WwwAuthenticate, "WWW-Authenticate")

constexpr bool kOpen = true;
constexpr bool kKey = false;

// method, pattern, open, storefront, partner, admin. The admin key may call every route.
const std::vector<RouteAccess> kRoutes = {
    {Method::Get, "/healthz", kOpen, true, true, true},
    {Method::Get, "/readyz", kOpen, true, true, true},
    {Method::Get, "/metrics", kOpen, true, true, true},
    {Method::Get, "/openapi.json", kOpen, true, true, true},
    // The back-office page itself is static; all its data comes from /v1/admin/*.
    {Method::Get, "/admin", kOpen, true, true, true},
    {Method::Get, "/admin/admin.js", kOpen, true, true, true},
    {Method::Get, "/admin/admin.css", kOpen, true, true, true},
    {Method::Get, "/v1/products", kKey, true, true, true},
    {Method::Get, "/v1/products/:sku", kKey, true, true, true},
    {Method::Post, "/v1/orders", kKey, true, true, true},
    {Method::Get, "/v1/orders/:id", kKey, true, true, true},
    {Method::Get, "/v1/customers/:customer_id/orders", kKey, true, true, true},
    {Method::Post, "/v1/orders/:id/cancel", kKey, true, false, true},
    {Method::Post, "/v1/carts/:cart_id/items", kKey, true, false, true},
    {Method::Delete, "/v1/carts/:cart_id/items/:sku", kKey, true, false, true},
    {Method::Post, "/v1/carts/:cart_id/checkout", kKey, true, false, true},
    {Method::Get, "/v1/carts/:cart_id", kKey, true, false, true},
    {Method::Put, "/v1/admin/stock/:sku", kKey, false, false, true},
    {Method::Get, "/v1/admin/dead-letters", kKey, false, false, true},
    {Method::Get, "/v1/admin/sales", kKey, false, false, true},
    {Method::Get, "/v1/admin/events", kKey, false, false, true},
};

constexpr std::string_view kAdminPrefix = "/v1/admin/";

// RFC 6750: "Bearer" (scheme case-insensitive), one or more spaces, then the token.
std::optional<std::string> bearer_token(std::string_view value) {
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  if (value.front() != ' ') return std::nullopt;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return std::string(value);
}

std::string who(const RouteAccess& access) {
  std::string out;
  for (const auto role : {Role::storefront, Role::partner, Role::admin}) {
    if (!access.allows(role)) continue;
    if (!out.empty()) out += ", ";
    out += role_name(role);
  }
  return out;
}

}  // namespace

bool RouteAccess::allows(Role role) const {
  switch (role) {
    case Role::storefront:
      return storefront;
    case Role::partner:
      return partner;
    case Role::admin:
      return admin;
  }
  return false;
}

const std::vector<RouteAccess>& route_access() {
  return kRoutes;
}

std::optional<RouteAccess> access_for(Method method, std::string_view pattern) {
  for (const auto& row : kRoutes)
    if (row.method == method && row.pattern == pattern) return row;
  if (pattern.substr(0, kAdminPrefix.size()) == kAdminPrefix)
    return RouteAccess{method, pattern, kKey, false, false, true};
  return std::nullopt;
}

std::optional<std::string> presented_key(const Pistache::Http::Request& request) {
  if (const auto authorization = header(request, "Authorization")) return bearer_token(*authorization);
  if (auto key = header(request, "X-Api-Key"); key && !key->empty()) return key;
  return std::nullopt;
}

bool require_may_act_for(Exchange& exchange, std::string_view customer_id) {
  const auto& caller = exchange.caller();
  if (caller.may_act_for(customer_id)) return true;
  exchange.error(
      Code::Forbidden, "forbidden",
      fmt::format("key {} acts only for customers {}:...", caller.key_id, caller.customer_namespace),
      "customer_id");
  return false;
}

std::optional<Caller> Gate::admit(const Pistache::Http::Request& request, const RouteAccess& access,
                                  Exchange& exchange) const {
  if (access.open) return Caller{};
  // No keys configured: the routes of customers are open, as they were before keys existed.
  if (!keys_.required() && !access.admin_only()) return Caller{};
  if (!keys_.required() && !keys_.has_admin_token()) {
    exchange.error(Code::Forbidden, "forbidden",
                   "admin endpoints are disabled: no admin token or API key is configured", "Authorization");
    return std::nullopt;
  }
  const auto key = presented_key(request);
  if (!key) {
    exchange.writer().headers().add<WwwAuthenticate>(R"(Bearer realm="orderflow")");
    exchange.error(Code::Unauthorized, "unauthorized",
                   "an Authorization: Bearer <key> (or X-Api-Key) header is required", "Authorization");
    return std::nullopt;
  }
  auto caller = keys_.authenticate(*key);
  if (!caller) {
    exchange.error(Code::Forbidden, "forbidden", "the key is not valid", "Authorization");
    return std::nullopt;
  }
  if (!access.allows(caller->role)) {
    exchange.error(
        Code::Forbidden, "forbidden",
        fmt::format("a {} key may not call this route (it takes: {})", role_name(caller->role), who(access)),
        "Authorization");
    return std::nullopt;
  }
  return caller;
}

}  // namespace orderflow::api
