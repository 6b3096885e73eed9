// Guarantee 6 at the api: every bad request gets its 4xx with a JSON body naming the field, and
// nothing at all is published for it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true, .roles = {}, .env = {}});
  return p;
}

int64_t commands_end() {
  return kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands"));
}

struct Case {
  std::string name;
  std::string method = "POST";
  std::string target = "/v1/orders";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"},
                                                              {"Idempotency-Key", "k"}};
  int status = 400;
  std::string field;  // expected error.field; empty: no field expected
};

std::string lines(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i)
    out += (i ? "," : "") + std::string(R"({"sku":"S)") + std::to_string(i) + R"(","quantity":1})";
  return out + "]";
}

const std::string kGood = R"({"customer_id":"c","lines":[{"sku":"A","quantity":1}]})";

std::vector<Case> cases() {
  std::vector<Case> c;
  c.push_back({.name = "malformed JSON", .body = R"({"customer_id":)", .field = "body"});
  c.push_back({.name = "not an object", .body = "[1,2]", .field = "body"});
  c.push_back({.name = "customer_id wrong type",
               .body = R"({"customer_id":5,"lines":[{"sku":"A","quantity":1}]})",
               .field = "customer_id"});
  c.push_back({.name = "customer_id missing",
               .body = R"({"lines":[{"sku":"A","quantity":1}]})",
               .field = "customer_id"});
  c.push_back({.name = "lines missing", .body = R"({"customer_id":"c"})", .field = "lines"});
  c.push_back({.name = "lines empty", .body = R"({"customer_id":"c","lines":[]})", .field = "lines"});
  c.push_back({.name = "too many lines",
               .body = R"({"customer_id":"c","lines":)" + lines(51) + "}",
               .field = "lines"});
  c.push_back({.name = "unknown field",
               .body = R"({"customer_id":"c","coupon":"x","lines":[{"sku":"A","quantity":1}]})",
               .field = "coupon"});
  c.push_back({.name = "unknown line field",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":1,"price":1}]})",
               .field = "lines[0].price"});
  c.push_back({.name = "quantity zero",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":0}]})",
               .field = "lines[0].quantity"});
  c.push_back({.name = "quantity negative",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":-3}]})",
               .field = "lines[1].quantity"});
  c.push_back({.name = "quantity fractional",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":1.5}]})",
               .field = "lines[0].quantity"});
  c.push_back({.name = "quantity as string",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":"1"}]})",
               .field = "lines[0].quantity"});
  c.push_back({.name = "sku missing",
               .body = R"({"customer_id":"c","lines":[{"quantity":1}]})",
               .field = "lines[0].sku"});
  c.push_back({.name = "duplicate sku",
               .body = R"({"customer_id":"c","lines":[{"sku":"A","quantity":1},{"sku":"A","quantity":2}]})",
               .field = "lines[1].sku"});
  c.push_back({.name = "missing Idempotency-Key",
               .body = kGood,
               .headers = {{"Content-Type", "application/json"}},
               .field = "Idempotency-Key"});
  c.push_back({.name = "over-long Idempotency-Key",
               .body = kGood,
               .headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", std::string(129, 'k')}},
               .field = "Idempotency-Key"});
  c.push_back({.name = "wrong content type",
               .body = kGood,
               .headers = {{"Content-Type", "text/plain"}, {"Idempotency-Key", "k"}},
               .status = 415,
               .field = "Content-Type"});
  c.push_back({.name = "no content type",
               .body = kGood,
               .headers = {{"Idempotency-Key", "k"}},
               .status = 415,
               .field = "Content-Type"});
  c.push_back({.name = "body over the limit",
               .body = R"({"customer_id":")" + std::string(100 * 1024, 'x') + R"(","lines":[]})",
               .status = 413,
               .field = ""});
  c.push_back({.name = "unknown route", .target = "/v1/nothing", .body = kGood, .status = 404, .field = ""});
  c.push_back(
      {.name = "wrong method on collection", .method = "PUT", .body = kGood, .status = 405, .field = ""});
  c.push_back({.name = "wrong method on an order",
               .method = "DELETE",
               .target = "/v1/orders/2b8a0e0c-5d3e-5b8f-9a41-7f0d2c9b1e11",
               .body = "",
               .status = 405,
               .field = ""});
  return c;
}

}  // namespace

TEST(BadInput, EachCaseGetsItsStatusNamesTheFieldAndPublishesNothing) {
  auto client = pipeline().client();
  const int64_t before = commands_end();
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    const auto r = client.request(c.method, c.target, c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto doc = json::parse(r.body);
    ASSERT_TRUE(doc && doc->IsObject() && doc->HasMember("error")) << r.body;
    const auto& error = (*doc)["error"];
    EXPECT_TRUE(error.HasMember("code") && error.HasMember("message")) << r.body;
    if (!c.field.empty()) {
      ASSERT_TRUE(error.HasMember("field")) << r.body;
      EXPECT_EQ(std::string(error["field"].GetString()), c.field) << r.body;
    }
    if (c.status == 405) {
      EXPECT_FALSE(r.header("allow").empty());
    }
  }
  // A good request afterwards is still accepted: the api survived all of it...
  EXPECT_EQ(client.post_json("/v1/orders", kGood, {{"Idempotency-Key", test::unique("k")}}).status, 202);
  // ...and it is the only thing that reached Kafka.
  EXPECT_EQ(commands_end(), before + 1);
}

TEST(BadInput, HugeBodyBeyondTheServerBufferIsRefusedToo) {
  auto client = pipeline().client();
  const int64_t before = commands_end();
  const auto r =
      client.post_json("/v1/orders", std::string(3 * 1024 * 1024, ' '), {{"Idempotency-Key", "k"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(commands_end(), before);
}
