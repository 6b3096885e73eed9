#pragma once
// SHA-256 and HMAC-SHA256 (OpenSSL's libcrypto): API keys are stored as SHA-256 digests, order ids are
// an HMAC of the server's secret.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orderflow {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const Digest& digest);
// 64 hex digits (either case) back to a digest; nullopt for anything else.
std::optional<Digest> digest_from_hex(std::string_view hex);
// Equality whose time does not depend on where the digests differ.
bool constant_time_equals(const Digest& a, const Digest& b);

}  // namespace orderflow
