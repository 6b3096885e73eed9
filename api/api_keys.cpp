#include "api_keys.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace orderflow::api {
namespace {

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Key ids and namespaces: letters, digits, '_' and '-'. No '.' in an id (it ends the id in a presented
// key), no ':' in a namespace (it ends the namespace in a customer id).
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (const char c : s)
    if (!id_char(c)) return false;
  return true;
}

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

void ApiKeys::add_lines(std::string_view lines, std::string_view source) {
  size_t number = 0;
  while (!lines.empty()) {
    const size_t end = lines.find_first_of("\n;");
    const std::string_view line = lines.substr(0, end);
    lines = end == std::string_view::npos ? std::string_view{} : lines.substr(end + 1);
    ++number;
    const auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    const auto bad = [&](std::string_view why) {
      return std::invalid_argument(fmt::format("{} line {}: {}", source, number, why));
    };
    if (w.size() != 3 && w.size() != 4)
      throw bad("expected <id> <role> [namespace] <sha256 hex of the secret>");
    if (!valid_name(w[0])) throw bad("the key id must be 1-64 of A-Z a-z 0-9 _ -");
    const auto role = role_from_name(w[1]);
    if (!role) throw bad("the role must be storefront, partner or admin");
    const std::string ns = w.size() == 4 ? w[2] : "";
    if (w.size() == 4 && !valid_name(ns)) throw bad("the namespace must be 1-64 of A-Z a-z 0-9 _ -");
    if (*role == Role::partner && ns.empty()) throw bad("a partner key needs a namespace");
    if (*role == Role::admin && !ns.empty()) throw bad("an admin key has no namespace");
    const auto digest = digest_from_hex(w.back());
    if (!digest) throw bad("the last word must be the 64 hex digits of the secret's SHA-256");
    if (by_id_.count(w[0]) != 0) throw bad("key id " + w[0] + " appears twice");
    by_id_.emplace(w[0], Entry{Caller{w[0], *role, ns}, *digest});
  }
}

void ApiKeys::add_admin_token(std::string_view token) {
  if (!token.empty()) admin_token_ = sha256(token);
}

ApiKeys ApiKeys::from_config(const Config& config) {
  ApiKeys keys;
  if (!config.api_keys_file.empty()) {
    std::ifstream in(config.api_keys_file);
    if (!in) throw std::invalid_argument("cannot read ORDERFLOW_API_KEYS_FILE " + config.api_keys_file);
    std::stringstream text;
    text << in.rdbuf();
    keys.add_lines(text.str(), config.api_keys_file);
  }
  keys.add_lines(config.api_keys, "ORDERFLOW_API_KEYS");
  keys.add_admin_token(config.admin_token);
  return keys;
}

std::optional<Caller> ApiKeys::authenticate(std::string_view presented) const {
  // Only digests are compared, each in constant time: the time says nothing of the secret. A key id
  // that is configured decides (one digest per request); anything else may be the admin token.
  const size_t dot = presented.find('.');
  if (dot != std::string_view::npos) {
    const auto found = by_id_.find(presented.substr(0, dot));
    if (found != by_id_.end()) {
      if (!constant_time_equals(sha256(presented.substr(dot + 1)), found->second.secret_sha256))
        return std::nullopt;
      return found->second.caller;
    }
  }
  if (admin_token_ && constant_time_equals(sha256(presented), *admin_token_))
    return Caller{"admin-token", Role::admin, ""};
  return std::nullopt;
}

}  // namespace orderflow::api
