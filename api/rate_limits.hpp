#pragma once
// The api's rate limits: a token bucket per client address, taken by every request but the probes
// (/healthz, /readyz, /metrics) before its key is even looked at, then one per API key, sized by the
// key's role. A refused request gets 429 with Retry-After and nothing behind it runs (no command is
// published, so a 429 never hides an accepted order). Every admitted answer says where its client
// stands, in the IETF draft's headers (draft-ietf-httpapi-ratelimit-headers):
//   RateLimit-Policy: "address";q=40000;w=2, "storefront-key";q=40000;w=2
//   RateLimit: "address";r=39998;t=1
// q is a bucket's size and w the seconds it takes to refill from empty; RateLimit names the bucket
// closest to empty, with r whole requests left and t seconds until it is full again.
#include <pistache/http.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caller.hpp"
#include "orderflow/config.hpp"
#include "token_buckets.hpp"

namespace orderflow::api {

class Exchange;

// Reverse proxies whose X-Forwarded-For is believed: exact addresses, or IPv4 ranges a.b.c.d/n.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  // Comma-separated; throws std::invalid_argument naming the entry that is neither.
  explicit TrustedProxies(std::string_view list);
  bool contains(std::string_view address) const;
  bool empty() const { return exact_.empty() && ranges_.empty(); }

 private:
  struct Range {
    uint32_t network;
    uint32_t mask;
  };
  std::vector<std::string> exact_;
  std::vector<Range> ranges_;
};

// The client of a request whose TCP peer is `peer`: the peer itself unless it is a trusted proxy;
// then the right-most address of X-Forwarded-For that is not a trusted proxy (the left part of that
// header is whatever the client wrote, so it is never believed).
std::string client_address(std::string_view peer, const std::optional<std::string>& forwarded_for,
                           const TrustedProxies& proxies);

class RateLimits {
 public:
  // Throws std::invalid_argument for a malformed setting (the api does not start).
  explicit RateLimits(const Config& config);

  // The buckets a request was counted in so far (for its headers).
  struct Usage {
    struct Counted {
      std::string_view policy;
      const RateLimit* limit;
      TokenBuckets::Taken taken;
    };
    std::vector<Counted> counted;
  };
  // Each takes a token and returns false after answering `exchange` 429.
  bool admit_address(const std::string& address, Exchange& exchange, Usage& usage);
  bool admit_key(const Caller& caller, Exchange& exchange, Usage& usage);
  // RateLimit-Policy and RateLimit on the answer to come.
  static void add_headers(Exchange& exchange, const Usage& usage);

  std::string client_address(const Pistache::Http::Request& request) const;

 private:
  bool admit(TokenBuckets& buckets, std::string_view policy, std::string_view client, Exchange& exchange,
             Usage& usage);
  TokenBuckets& for_role(Role role);

  TrustedProxies proxies_;
  TokenBuckets address_;
  TokenBuckets storefront_;
  TokenBuckets partner_;
  TokenBuckets admin_;
};

}  // namespace orderflow::api
