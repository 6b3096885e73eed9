#pragma once
// Who may call which route: one row per route of the api (kRoutes in access.cpp), and the gate the
// router puts in front of every handler. A route with no row does not start the api (Router::add
// throws), except under /v1/admin/, which is admin-only without one: no route is open by omission.
#include <pistache/http.h>

#include <optional>
#include <string_view>
#include <vector>

#include "api_keys.hpp"
#include "caller.hpp"

namespace orderflow::api {

class Exchange;

struct RouteAccess {
  Pistache::Http::Method method;
  std::string_view pattern;
  bool open;  // no key needed (health, metrics, the document, the /admin page's static files)
  bool storefront;
  bool partner;
  bool admin;

  bool allows(Role role) const;
  bool admin_only() const { return !open && !storefront && !partner; }
};

// Every route's row.
const std::vector<RouteAccess>& route_access();
// The row of a route, by its pattern; nullopt when it has none (and is not under /v1/admin/).
std::optional<RouteAccess> access_for(Pistache::Http::Method method, std::string_view pattern);

// The key presented on a request: `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
std::optional<std::string> presented_key(const Pistache::Http::Request& request);

// For a body naming a customer: false (after answering 403 naming customer_id) when the caller's key
// is bound to a namespace that `customer_id` is not in.
bool require_may_act_for(Exchange& exchange, std::string_view customer_id);

class Gate {
 public:
  explicit Gate(ApiKeys keys) : keys_(std::move(keys)) {}
  // The caller of `request` on a route of `access`; otherwise answers `exchange` (401 with a
  // challenge when no key was presented, 403 for a key that is not valid or not allowed) and
  // returns nullopt. With no keys configured (ApiKeys::required() false) the non-admin routes are
  // open as in earlier releases; admin routes then take ORDERFLOW_ADMIN_TOKEN.
  std::optional<Caller> admit(const Pistache::Http::Request& request, const RouteAccess& access,
                              Exchange& exchange) const;
  const ApiKeys& keys() const { return keys_; }

 private:
  ApiKeys keys_;
};

}  // namespace orderflow::api
