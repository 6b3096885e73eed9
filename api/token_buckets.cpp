#include "token_buckets.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace orderflow::api {
namespace {

double parse_number(std::string_view text, std::string_view spec, std::string_view setting) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value < 0)
    throw std::invalid_argument(std::string(setting) + ": \"" + std::string(spec) +
                                "\" is not <requests per second>[:<burst>] or off");
  return value;
}

}  // namespace

RateLimit RateLimit::parse(std::string_view spec, std::string_view setting) {
  if (spec.empty() || spec == "off" || spec == "0") return {};
  const auto colon = spec.find(':');
  RateLimit limit;
  limit.per_second = parse_number(spec.substr(0, colon), spec, setting);
  limit.burst = colon == std::string_view::npos ? std::max(1.0, limit.per_second)
                                                : parse_number(spec.substr(colon + 1), spec, setting);
  if (limit.per_second == 0) return {};
  if (limit.burst < 1)
    throw std::invalid_argument(std::string(setting) + ": \"" + std::string(spec) +
                                "\": a burst below 1 would refuse every request");
  return limit;
}

TokenBuckets::TokenBuckets(RateLimit limit, size_t max_clients)
    : limit_(limit), max_per_shard_(std::max<size_t>(1, max_clients / kShards)) {}

double TokenBuckets::refilled(const Bucket& bucket, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  return std::min(limit_.burst, bucket.tokens + std::max(0.0, elapsed) * limit_.per_second);
}

void TokenBuckets::evict(Shard& shard, Clock::time_point now) {
  // Full buckets first: forgetting them changes nothing (a new bucket starts full).
  std::erase_if(shard.buckets,
                [&](const auto& entry) { return refilled(entry.second, now) >= limit_.burst; });
  if (shard.buckets.size() < max_per_shard_) return;
  // Then the least recently used: that client starts over with a full bucket, the price of a bound.
  auto oldest =
      std::min_element(shard.buckets.begin(), shard.buckets.end(),
                       [](const auto& a, const auto& b) { return a.second.updated < b.second.updated; });
  shard.buckets.erase(oldest);
}

TokenBuckets::Taken TokenBuckets::take(std::string_view client, Clock::time_point now) {
  if (!limit_.enabled()) return {};
  auto& shard = shards_[std::hash<std::string_view>{}(client) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(std::string(client));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) evict(shard, now);
    it = shard.buckets.emplace(std::string(client), Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = refilled(bucket, now);
  bucket.updated = now;
  Taken taken;
  taken.allowed = bucket.tokens >= 1;
  if (taken.allowed) bucket.tokens -= 1;
  taken.remaining = std::floor(bucket.tokens);
  taken.retry_after_s = taken.allowed ? 0 : (1 - bucket.tokens) / limit_.per_second;
  taken.full_after_s = (limit_.burst - bucket.tokens) / limit_.per_second;
  return taken;
}

size_t TokenBuckets::clients() const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace orderflow::api
