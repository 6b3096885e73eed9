#include "params.hpp"

#include <fmt/format.h>

#include <charconv>

#include "orderflow/ids.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool all_of(std::string_view text, size_t max_size, std::string_view extra) {
  if (text.empty() || text.size() > max_size) return false;
  for (char c : text) {
    if (!is_alnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

bool is_sku(std::string_view text) {
  return all_of(text, 64, "_.-");
}
bool is_cart_id(std::string_view text) {
  return all_of(text, 64, "_.:@-");
}

std::optional<int> parse_int(std::string_view text, int min, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::string check_idempotency_key(const std::optional<std::string>& key) {
  if (!key) return "the Idempotency-Key header is required";
  if (key->empty() || key->size() > 128) return "Idempotency-Key must be 1 to 128 characters";
  for (unsigned char c : *key) {
    if (c < 0x21 || c > 0x7e) return "Idempotency-Key must be visible ASCII characters";
  }
  return "";
}

std::optional<std::string> header(const Pistache::Http::Request& request, const std::string& name) {
  // Pistache 0.0.5 keeps every received header in raw form too (typed ones additionally parsed).
  if (auto raw = request.headers().tryGetRaw(name)) return raw->value();
  return std::nullopt;
}

bool require_uuid(const std::string& value, std::string_view field, Exchange& exchange) {
  if (is_uuid(value)) return true;
  exchange.error(Code::Bad_Request, "invalid_path", fmt::format("{} must be a lowercase UUID", field), field);
  return false;
}

bool require_sku(const std::string& value, std::string_view field, Exchange& exchange) {
  if (is_sku(value)) return true;
  exchange.error(Code::Bad_Request, "invalid_path",
                 fmt::format("{} must match ^[A-Za-z0-9_.-]{{1,64}}$", field), field);
  return false;
}

bool require_cart_id(const std::string& value, std::string_view field, Exchange& exchange) {
  if (is_cart_id(value)) return true;
  exchange.error(Code::Bad_Request, "invalid_path",
                 fmt::format("{} must match ^[A-Za-z0-9_.:@-]{{1,64}}$", field), field);
  return false;
}

std::optional<int> require_int_query(const Pistache::Http::Request& request, const std::string& name, int min,
                                     int max, int fallback, Exchange& exchange) {
  const auto text = request.query().get(name);
  if (!text) return fallback;
  if (auto value = parse_int(*text, min, max)) return value;
  exchange.error(Code::Bad_Request, "invalid_query",
                 fmt::format("{} must be an integer from {} to {}", name, min, max), name);
  return std::nullopt;
}

std::optional<std::string> require_idempotency_key(const Pistache::Http::Request& request,
                                                   Exchange& exchange) {
  auto key = header(request, "Idempotency-Key");
  if (auto problem = check_idempotency_key(key); !problem.empty()) {
    exchange.error(Code::Bad_Request, "invalid_header", problem, "Idempotency-Key");
    return std::nullopt;
  }
  return key;
}

}  // namespace orderflow::api
