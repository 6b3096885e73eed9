#pragma once
// The api's keys: each an id, a role, maybe a customer namespace, and the SHA-256 of its secret (never
// the secret: a leaked file or environment gives no key). A client presents `<id>.<secret>`; the id
// picks the entry, the secret's digest is compared in constant time. ORDERFLOW_ADMIN_TOKEN, when set,
// is one more admin key presented as it is (what the /admin page, tests and scripts have always sent).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "caller.hpp"
#include "orderflow/config.hpp"
#include "orderflow/digest.hpp"

namespace orderflow::api {

class ApiKeys {
 public:
  ApiKeys() = default;
  // Lines `<id> <role> [namespace] <sha256 hex of the secret>`, separated by newlines or ';'; blank
  // lines and lines starting with '#' are skipped. A partner key needs a namespace. Throws
  // std::invalid_argument naming `source` and the line for anything else (never echoing a digest).
  void add_lines(std::string_view lines, std::string_view source);
  void add_admin_token(std::string_view token);
  // Config::api_keys_file, Config::api_keys and Config::admin_token.
  static ApiKeys from_config(const Config& config);

  // Keys beyond the admin token: then every route but the open ones needs a key.
  bool required() const { return !by_id_.empty(); }
  bool has_admin_token() const { return admin_token_.has_value(); }
  size_t size() const { return by_id_.size(); }
  // The caller that `presented` authenticates, if any.
  std::optional<Caller> authenticate(std::string_view presented) const;

 private:
  struct Entry {
    Caller caller;
    Digest secret_sha256;
  };
  std::map<std::string, Entry, std::less<>> by_id_;
  std::optional<Digest> admin_token_;
};

}  // namespace orderflow::api
