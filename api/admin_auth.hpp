#pragma once
// The admin endpoints' authentication: `Authorization: Bearer <token>` against Config::admin_token.
#include <optional>
#include <string>
#include <string_view>

namespace orderflow::api {

class Exchange;

enum class AdminAuth {
  ok,
  disabled,  // no admin token configured: every admin request is refused (403)
  missing,   // no Authorization header, or not of the form "Bearer <token>" (401)
  wrong,     // a bearer token that is not the admin token (403)
};

// `authorization` is the Authorization header's value, if any; `admin_token` the configured token.
AdminAuth check_admin(const std::optional<std::string>& authorization, const std::string& admin_token);

// For a route: true when `authorization` carries the admin token; otherwise answers `exchange` with 401
// (with WWW-Authenticate) or 403 and returns false.
bool require_admin(const std::optional<std::string>& authorization, const std::string& admin_token,
                   Exchange& exchange);

// Equality whose time depends only on the lengths, not on where the texts differ.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace orderflow::api
