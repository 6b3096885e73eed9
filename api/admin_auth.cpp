#include "admin_auth.hpp"

#include <cctype>

#include "exchange.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

// Pistache 0.0.5 does not send headers added with addRaw, and has no WWW-Authenticate class: a typed
// header of our own is written like its built-in ones.
class WwwAuthenticate : public Pistache::Http::Header::Header {
 public:
  NAME("WWW-Authenticate")
  explicit WwwAuthenticate(std::string value) : value_(std::move(value)) {}
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string value_;
};

}  // namespace

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Walk the expected length whatever the input, folding every difference (and a length difference)
  // into one accumulator: no early exit tells an attacker how many leading characters were right.
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= x ^ static_cast<unsigned char>(b[i]);
  }
  return diff == 0;
}

AdminAuth check_admin(const std::optional<std::string>& authorization, const std::string& admin_token) {
  if (admin_token.empty()) return AdminAuth::disabled;
  if (!authorization) return AdminAuth::missing;
  // RFC 6750: "Bearer" (scheme case-insensitive), one or more spaces, then the token.
  std::string_view value = *authorization;
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) return AdminAuth::missing;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return AdminAuth::missing;
  }
  value.remove_prefix(kScheme.size());
  if (value.front() != ' ') return AdminAuth::missing;
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return AdminAuth::missing;
  return constant_time_equals(value, admin_token) ? AdminAuth::ok : AdminAuth::wrong;
}

bool require_admin(const std::optional<std::string>& authorization, const std::string& admin_token,
                   Exchange& exchange) {
  switch (check_admin(authorization, admin_token)) {
    case AdminAuth::ok:
      return true;
    case AdminAuth::disabled:
      exchange.error(Code::Forbidden, "forbidden",
                     "admin endpoints are disabled: no admin token is configured", "Authorization");
      return false;
    case AdminAuth::missing:
      exchange.writer().headers().add<WwwAuthenticate>(R"(Bearer realm="orderflow-admin")");
      exchange.error(Code::Unauthorized, "unauthorized",
                     "an Authorization: Bearer <token> header is required", "Authorization");
      return false;
    case AdminAuth::wrong:
      exchange.error(Code::Forbidden, "forbidden", "the bearer token is not the admin token",
                     "Authorization");
      return false;
  }
  return false;
}

}  // namespace orderflow::api
