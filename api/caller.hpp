#pragma once
// Who sends a request, as the api's key check established it (api_keys.hpp, access.hpp): a key's
// role, and the namespace of customers it may act for.
#include <optional>
#include <string>
#include <string_view>

namespace orderflow::api {

enum class Role { storefront, partner, admin };

std::string_view role_name(Role role);
std::optional<Role> role_from_name(std::string_view name);

struct Caller {
  std::string key_id;  // empty: no key (an api with no keys configured)
  Role role = Role::storefront;
  // Empty: any customer. Otherwise only customer ids "<namespace>:...".
  std::string customer_namespace;

  bool may_act_for(std::string_view customer_id) const;
};

}  // namespace orderflow::api
