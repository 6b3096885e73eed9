#include "caller.hpp"

#include <array>
#include <utility>

namespace orderflow::api {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 3> kRoles{{
    {Role::storefront, "storefront"},
    {Role::partner, "partner"},
    {Role::admin, "admin"},
}};

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& [r, name] : kRoles)
    if (r == role) return name;
  return "?";
}

std::optional<Role> role_from_name(std::string_view name) {
  for (const auto& [r, n] : kRoles)
    if (n == name) return r;
  return std::nullopt;
}

bool Caller::may_act_for(std::string_view customer_id) const {
  if (customer_namespace.empty()) return true;
  return customer_id.size() > customer_namespace.size() + 1 &&
         customer_id.substr(0, customer_namespace.size()) == customer_namespace &&
         customer_id[customer_namespace.size()] == ':';
}

}  // namespace orderflow::api
