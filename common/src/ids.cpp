#include "orderflow/ids.hpp"

#include <fmt/format.h>
#include <uuid/uuid.h>

#include <chrono>
#include <cstring>
#include <ctime>

#include "orderflow/digest.hpp"

namespace orderflow {
namespace {

// orderflow's UUID namespace: an arbitrary constant, fixed forever, since changing it would change
// every derived order id (and so break Idempotency-Key retries across a deploy).
constexpr const char* kNamespace = "5b0d7c47-1f0c-5a3e-9d3a-6f1c0e2d4b7a";

std::string unparse(const uuid_t u) {
  char out[37];
  uuid_unparse_lower(u, out);
  return out;
}

}  // namespace

std::string random_uuid() {
  uuid_t u;
  uuid_generate_random(u);
  return unparse(u);
}

std::string name_uuid(std::string_view name) {
  uuid_t ns;
  uuid_parse(kNamespace, ns);
  uuid_t u;
  uuid_generate_sha1(u, ns, name.data(), name.size());
  return unparse(u);
}

std::string order_id_for(std::string_view customer_id, std::string_view idempotency_key,
                         std::string_view secret) {
  // Length-prefix the customer so ("a:b","c") and ("a","b:c") cannot collide.
  const std::string name = fmt::format("order:{}:{}:{}", customer_id.size(), customer_id, idempotency_key);
  if (secret.empty()) return name_uuid(name);
  const Digest mac = hmac_sha256(secret, name);
  uuid_t u;
  std::memcpy(u, mac.data(), sizeof u);
  u[6] = static_cast<unsigned char>((u[6] & 0x0f) | 0x80);  // version 8: custom
  u[8] = static_cast<unsigned char>((u[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122/9562)
  return unparse(u);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace orderflow
