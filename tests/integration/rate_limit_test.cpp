// Rate limits at the api (api/rate_limits.hpp): a bucket per client address and per key, 429 with
// Retry-After and the draft's RateLimit headers, nothing published behind a 429, and a cap on one
// client's waiting requests. The api trusts 127.0.0.1 as a proxy, so each test is its own client
// address through X-Forwarded-For and the tests do not drain each other's buckets.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "orderflow/ids.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true,
                                                  .roles = {},
                                                  .env = {
                                                      {"ORDERFLOW_TRUSTED_PROXIES", "127.0.0.1"},
                                                      {"ORDERFLOW_RATE_LIMIT_ADDRESS", "0.5:20"},
                                                      {"ORDERFLOW_RATE_LIMIT_STOREFRONT", "0.5:3"},
                                                      {"ORDERFLOW_WAITERS_PER_CLIENT", "2"},
                                                  }});
  return p;
}

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers from(const std::string& address) {
  return {{"X-Forwarded-For", address}};
}

// A sample of the api's /metrics ("" when absent).
double metric(const std::string& series) {
  auto m = pipeline().client_with_key("").get("/metrics");
  std::regex line("(^|\n)" + std::regex_replace(series, std::regex(R"([{}"\\.+])"), R"(\$&)") +
                  " ([0-9.e+]+)");
  std::smatch match;
  if (!std::regex_search(m.body, match, line)) return 0;
  return std::stod(match[2]);
}

void expect_rate_limited(const http::Response& r, const std::string& policy) {
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_NE(r.body.find("\"rate_limited\""), std::string::npos) << r.body;
  ASSERT_FALSE(r.header("retry-after").empty());
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_NE(r.header("ratelimit").find("\"" + policy + "\";r=0;"), std::string::npos)
      << r.header("ratelimit");
}

}  // namespace

TEST(RateLimits, AKeyGetsItsBurstThen429WithRetryAfterAndNothingIsPublished) {
  auto& p = pipeline();
  auto c = p.client();  // the storefront key: 0.5/s, burst 3
  const auto address = from("198.51.100.1");
  for (int i = 0; i < 3; ++i) {
    const auto r = c.request("GET", "/v1/products", "", address);
    ASSERT_EQ(r.status, 200) << i << r.body;
    EXPECT_NE(r.header("ratelimit-policy").find("\"storefront-key\";q=3;w=6"), std::string::npos)
        << r.header("ratelimit-policy");
    EXPECT_NE(r.header("ratelimit-policy").find("\"address\";q=20;w=40"), std::string::npos);
    EXPECT_NE(r.header("ratelimit").find("\"storefront-key\";r=" + std::to_string(2 - i) + ";"),
              std::string::npos)
        << r.header("ratelimit");
  }
  expect_rate_limited(c.request("GET", "/v1/products", "", address), "storefront-key");

  // A refused order is refused before anything is produced: a 429 never hides an accepted order.
  const double produced = metric("orderflow_kafka_produce_seconds_count{result=\"ok\"}");
  auto order =
      c.request("POST", "/v1/orders", R"({"customer_id":"rl:c1","lines":[{"sku":"RL-1","quantity":1}]})",
                {{"Content-Type", "application/json"}, {"Idempotency-Key", "rl-1"}, address[0]});
  expect_rate_limited(order, "storefront-key");
  EXPECT_EQ(metric("orderflow_kafka_produce_seconds_count{result=\"ok\"}"), produced);
  EXPECT_GE(metric("orderflow_api_rate_limited_total{policy=\"storefront-key\"}"), 2);

  // Another key has its own bucket; the probes are never limited.
  EXPECT_EQ(p.client_with_key(p.admin_key()).request("GET", "/v1/products", "", address).status, 200);
  EXPECT_EQ(c.request("GET", "/healthz", "", address).status, 200);

  // Retry-After is honest: after it the key's next request passes.
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  EXPECT_EQ(c.request("GET", "/v1/products", "", address).status, 200);
}

TEST(RateLimits, AnAddressGetsItsBurstThen429WhateverKeyItSends) {
  auto& p = pipeline();
  auto anonymous = p.client_with_key("");  // no key: 401s, which count too (no key guessing at speed)
  const auto address = from("198.51.100.2");
  int passed = 0;
  http::Response last;
  for (int i = 0; i < 25; ++i) {
    last = anonymous.request("GET", "/v1/products", "", address);
    if (last.status == 429) break;
    EXPECT_EQ(last.status, 401) << last.body;
    ++passed;
  }
  EXPECT_GE(passed, 20);
  EXPECT_LE(passed, 21);  // 0.5/s refills at most one more during the loop
  expect_rate_limited(last, "address");
  // The same address with a valid key is limited too; another address is not.
  expect_rate_limited(p.client_with_key(p.admin_key()).request("GET", "/v1/products", "", address),
                      "address");
  EXPECT_EQ(anonymous.request("GET", "/openapi.json", "", from("198.51.100.3")).status, 200);
  // A client cannot pick its own bucket: only the hop our trusted proxy appended counts.
  expect_rate_limited(
      anonymous.request("GET", "/openapi.json", "", {{"X-Forwarded-For", "203.0.113.50, 198.51.100.2"}}),
      "address");
}

TEST(RateLimits, OneClientsWaitingRequestsAreCappedOthersStillWait) {
  auto& p = pipeline();
  const auto address = from("198.51.100.4");
  // Two waits on orders that do not exist, held for 3 s by the partner key's client...
  std::vector<std::thread> holders;
  std::vector<int> held(2, 0);
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&, i] {
      auto c = p.client_with_key(p.partner_key());
      held[i] = c.request("GET", "/v1/orders/" + random_uuid() + "?wait=3", "", address).status;
    });
  }
  ASSERT_TRUE(
      test::wait_until([] { return metric("orderflow_api_order_waiters") >= 2; }, std::chrono::seconds(10)));
  // ...so its third is refused at once, naming the parameter,
  auto third = p.client_with_key(p.partner_key())
                   .request("GET", "/v1/orders/" + random_uuid() + "?wait=3", "", address);
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_NE(third.body.find("too_many_waiters"), std::string::npos) << third.body;
  EXPECT_NE(third.body.find("\"wait\""), std::string::npos) << third.body;
  EXPECT_EQ(third.header("retry-after"), "1");
  // while another client (the admin key, same address) still gets to wait.
  const auto started = std::chrono::steady_clock::now();
  auto other =
      p.client_with_key(p.admin_key()).request("GET", "/v1/orders/" + random_uuid() + "?wait=1", "", address);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(900));
  for (auto& t : holders) t.join();
  EXPECT_EQ(held, (std::vector<int>{404, 404}));
  // Their slots are free again.
  auto again = p.client_with_key(p.partner_key())
                   .request("GET", "/v1/orders/" + random_uuid() + "?wait=1", "", address);
  EXPECT_EQ(again.status, 404) << again.body;
}
