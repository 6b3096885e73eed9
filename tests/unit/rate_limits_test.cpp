// Token buckets (api/token_buckets.hpp) and the client address behind trusted proxies
// (api/rate_limits.hpp): the arithmetic the api's 429s and RateLimit headers rest on.
#include "rate_limits.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "token_buckets.hpp"

using namespace orderflow::api;
using namespace std::chrono_literals;

namespace {

const TokenBuckets::Clock::time_point t0{};

}  // namespace

TEST(RateLimit, ParsesRateAndBurst) {
  const auto both = RateLimit::parse("10:25", "X");
  EXPECT_DOUBLE_EQ(both.per_second, 10);
  EXPECT_DOUBLE_EQ(both.burst, 25);
  const auto rate_only = RateLimit::parse("0.5", "X");
  EXPECT_DOUBLE_EQ(rate_only.per_second, 0.5);
  EXPECT_DOUBLE_EQ(rate_only.burst, 1);  // at least one request
  EXPECT_FALSE(RateLimit::parse("off", "X").enabled());
  EXPECT_FALSE(RateLimit::parse("0", "X").enabled());
  EXPECT_FALSE(RateLimit::parse("", "X").enabled());
  for (const char* bad : {"ten", "10:", ":10", "-1", "10:0.5", "10/s", "nan", "10:20:30"})
    EXPECT_THROW(RateLimit::parse(bad, "ORDERFLOW_RATE_LIMIT_ADDRESS"), std::invalid_argument) << bad;
  try {
    RateLimit::parse("ten", "ORDERFLOW_RATE_LIMIT_ADDRESS");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ORDERFLOW_RATE_LIMIT_ADDRESS"), std::string::npos);
  }
}

TEST(TokenBuckets, ABurstPassesThenTheRateRefills) {
  TokenBuckets buckets({.per_second = 10, .burst = 5}, 100);
  for (int i = 0; i < 5; ++i) {
    const auto t = buckets.take("a", t0);
    ASSERT_TRUE(t.allowed) << i;
    EXPECT_DOUBLE_EQ(t.remaining, 4 - i);
  }
  const auto refused = buckets.take("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NEAR(refused.retry_after_s, 0.1, 1e-9);  // one token per 100 ms
  EXPECT_NEAR(refused.full_after_s, 0.5, 1e-9);
  // Another client has its own bucket.
  EXPECT_TRUE(buckets.take("b", t0).allowed);
  // 100 ms later one token is back, and only one.
  EXPECT_TRUE(buckets.take("a", t0 + 100ms).allowed);
  EXPECT_FALSE(buckets.take("a", t0 + 100ms).allowed);
  // Idle long enough, the bucket is full again but never fuller than its burst.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(buckets.take("a", t0 + 60s).allowed) << i;
  EXPECT_FALSE(buckets.take("a", t0 + 60s).allowed);
}

TEST(TokenBuckets, ARefusedRequestCostsNothing) {
  TokenBuckets buckets({.per_second = 1, .burst = 1}, 100);
  EXPECT_TRUE(buckets.take("a", t0).allowed);
  // Hammering while empty does not push the next token further away.
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(buckets.take("a", t0 + 500ms).allowed);
  EXPECT_TRUE(buckets.take("a", t0 + 1000ms).allowed);
}

TEST(TokenBuckets, NoLimitAdmitsEverythingAndKeepsNothing) {
  TokenBuckets buckets({}, 100);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(buckets.take("a", t0).allowed);
  EXPECT_EQ(buckets.clients(), 0u);
}

TEST(TokenBuckets, AFloodOfNewClientsStaysWithinTheBound) {
  TokenBuckets buckets({.per_second = 1, .burst = 2}, 1600);
  // A client that is limited right now...
  buckets.take("hot", t0);
  buckets.take("hot", t0);
  ASSERT_FALSE(buckets.take("hot", t0).allowed);
  // ...then 100,000 addresses, each seen once.
  for (int i = 0; i < 100000; ++i) buckets.take("client-" + std::to_string(i), t0 + 1ms);
  EXPECT_LE(buckets.clients(), 1600u);
  EXPECT_GE(buckets.clients(), 1000u);  // evicts to make room, not everything
}

TEST(TokenBuckets, EvictsIdleClientsBeforeBusyOnes) {
  TokenBuckets buckets({.per_second = 1, .burst = 2}, 16);  // one bucket per shard
  // "busy" empties its bucket; then enough clients later that every shard was refilled long ago,
  // except busy's, which it keeps emptying.
  for (int round = 0; round < 50; ++round) {
    const auto now = t0 + std::chrono::milliseconds(round * 10);
    buckets.take("busy", now);
    buckets.take("other-" + std::to_string(round), now);
  }
  // Still limited: its bucket was never thrown away and handed back full.
  EXPECT_FALSE(buckets.take("busy", t0 + 500ms).allowed);
}

TEST(ClientAddress, APeerThatIsNoProxyIsTheClient) {
  const TrustedProxies proxies("10.0.0.0/8");
  EXPECT_EQ(client_address("203.0.113.9", std::string("198.51.100.1"), proxies), "203.0.113.9");
  EXPECT_EQ(client_address("203.0.113.9", std::nullopt, proxies), "203.0.113.9");
}

TEST(ClientAddress, BehindTrustedProxiesTheRightMostUntrustedHopIsTheClient) {
  const TrustedProxies proxies("127.0.0.1, 10.0.0.0/8");
  // nginx appends the address it saw; what the client wrote itself comes first and is ignored.
  EXPECT_EQ(client_address("10.1.2.3", std::string("1.2.3.4, 198.51.100.7"), proxies), "198.51.100.7");
  EXPECT_EQ(client_address("127.0.0.1", std::string("198.51.100.7,10.9.9.9"), proxies), "198.51.100.7");
  EXPECT_EQ(client_address("10.1.2.3", std::string("10.0.0.5"), proxies), "10.1.2.3");
  EXPECT_EQ(client_address("10.1.2.3", std::string(""), proxies), "10.1.2.3");
}

TEST(TrustedProxies, ParsesAddressesAndRanges) {
  const TrustedProxies proxies("192.168.0.0/16,::1,172.16.0.0/12");
  EXPECT_TRUE(proxies.contains("192.168.44.1"));
  EXPECT_TRUE(proxies.contains("172.31.255.255"));
  EXPECT_FALSE(proxies.contains("172.32.0.1"));
  EXPECT_TRUE(proxies.contains("::1"));
  EXPECT_FALSE(proxies.contains("192.169.0.1"));
  EXPECT_FALSE(proxies.contains("not-an-address"));
  EXPECT_TRUE(TrustedProxies("0.0.0.0/0").contains("8.8.8.8"));
  EXPECT_TRUE(TrustedProxies("").empty());
  for (const char* bad : {"localhost", "10.0.0.0/33", "10.0.0/8", "fe80::/10"})
    EXPECT_THROW(TrustedProxies{bad}, std::invalid_argument) << bad;
}
