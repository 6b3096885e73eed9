#pragma once
// Token buckets, one per client (an API key, an address): a client may send `burst` requests at once
// and `per_second` on average. The table is bounded: a flood of new clients (addresses) evicts the
// buckets that have refilled (whose clients are idle), then the least recently used, so memory stays
// at `max_clients` buckets whatever comes in. Thread-safe; sharded so that Pistache's threads rarely
// wait on each other.
#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orderflow::api {

struct RateLimit {
  double per_second = 0;  // 0: no limit
  double burst = 0;       // the bucket's size

  bool enabled() const { return per_second > 0; }
  // "<per second>[:<burst>]" (burst defaults to one second's worth, at least 1) or "off"/"0". Throws
  // std::invalid_argument naming `setting` for anything else.
  static RateLimit parse(std::string_view spec, std::string_view setting);
};

class TokenBuckets {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBuckets(RateLimit limit, size_t max_clients);

  struct Taken {
    bool allowed = true;
    double remaining = 0;      // whole requests left in the bucket after this one
    double retry_after_s = 0;  // when refused: until one request's token is back
    double full_after_s = 0;   // until the bucket is full again
  };
  // Takes one token from `client`'s bucket (a new client starts full).
  Taken take(std::string_view client, Clock::time_point now = Clock::now());
  const RateLimit& limit() const { return limit_; }
  size_t clients() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr size_t kShards = 16;
  // Makes room for one more bucket in a full shard.
  void evict(Shard& shard, Clock::time_point now);
  double refilled(const Bucket& bucket, Clock::time_point now) const;

  const RateLimit limit_;
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace orderflow::api
