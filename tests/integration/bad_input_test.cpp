// Guarantee 6 at the api: every bad request gets its 4xx with a JSON body naming the field, and
// nothing at all is published for it.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/messages/limits.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

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

// ---------------------------------------------------------------------------------------------------
// Bad input whose harm the api alone does not show: a cart grown past what an order may hold (its
// checkout was an order the orders worker dead-lettered), text the database refuses. With the whole
// saga running.

namespace {

test::Pipeline& saga_pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = true, .roles = {"orders", "inventory", "carts"}, .env = {}});
  return p;
}

size_t records_on(const std::string& topic_base) {
  return test::read_topic(saga_pipeline().config().kafka_brokers, saga_pipeline().topic(topic_base)).size();
}

bool quiet() {
  return test::wait_until([] { return saga_pipeline().quiescent(); }, 60s, 200ms);
}

std::string field_of(const http::Response& r, const char* member) {
  auto doc = json::parse(r.body);
  if (!doc || !doc->IsObject() || !doc->HasMember("error") || !(*doc)["error"].IsObject())
    return "<no error>";
  const auto& e = (*doc)["error"];
  return e.HasMember(member) && e[member].IsString() ? e[member].GetString() : "<none>";
}

// sku -> quantity of a cart as GET /v1/carts/{id} shows it (empty while there is no such cart).
std::map<std::string, int64_t> cart_items(http::Client& c, const std::string& cart) {
  std::map<std::string, int64_t> items;
  const auto r = c.get("/v1/carts/" + cart);
  auto doc = json::parse(r.body);
  if (r.status != 200 || !doc || !doc->IsObject() || !doc->HasMember("items")) return items;
  for (const auto& item : (*doc)["items"].GetArray())
    items[item["sku"].GetString()] = item["quantity"].GetInt64();
  return items;
}

// `n` catalog products with plenty of stock.
std::vector<std::string> seed_products(size_t n) {
  const std::string prefix = test::unique("FULL");
  std::vector<std::string> skus;
  for (size_t i = 0; i < n; ++i) {
    skus.push_back(prefix + "_" + std::to_string(i));
    test::seed_product(saga_pipeline().dsn(), skus.back(), 100, 1000);
  }
  return skus;
}

http::Response add_item(http::Client& c, const std::string& cart, const std::string& sku, int quantity) {
  return c.post_json("/v1/carts/" + cart + "/items",
                     R"({"sku":")" + sku + R"(","quantity":)" + std::to_string(quantity) + "}");
}

// Adds each sku (quantity 1) and waits until the carts worker has applied them all.
void fill_cart(http::Client& c, const std::string& cart, const std::vector<std::string>& skus) {
  for (const auto& sku : skus) ASSERT_EQ(add_item(c, cart, sku, 1).status, 202) << sku;
  ASSERT_TRUE(test::wait_until([&] { return cart_items(c, cart).size() == skus.size(); }, 30s))
      << "the cart shows " << cart_items(c, cart).size() << " items\n"
      << test::saga::worker_logs(saga_pipeline(), {"carts"});
}

// Checks out `cart`; expects a decided order (CONFIRMED or REJECTED) of `lines` lines and no dead letter.
void expect_checkout_makes_an_order(http::Client& c, const std::string& cart, size_t lines) {
  const size_t dead_before = records_on("orders.commands.dlq");
  const std::string customer = test::unique("cust");
  const auto r = c.post_json("/v1/carts/" + cart + "/checkout", R"({"customer_id":")" + customer + R"("})",
                             {{"Idempotency-Key", test::unique("checkout")}});
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string order_id = test::saga::json_string(r.body, "order_id");
  const std::string body = test::saga::wait_decided(c, order_id, 60s);
  ASSERT_FALSE(body.empty()) << "GET /v1/orders/" << order_id << " stayed 404\n"
                             << test::saga::describe_orders(saga_pipeline(), {order_id})
                             << test::saga::worker_logs(saga_pipeline(), {"carts", "orders"});
  const std::string status = test::saga::json_string(body, "status");
  EXPECT_TRUE(status == "CONFIRMED" || status == "REJECTED") << body;
  auto doc = json::parse(body);
  ASSERT_TRUE(doc && doc->HasMember("lines") && (*doc)["lines"].IsArray()) << body;
  EXPECT_EQ((*doc)["lines"].Size(), lines) << body;
  ASSERT_TRUE(quiet()) << saga_pipeline().progress();
  EXPECT_EQ(records_on("orders.commands.dlq"), dead_before) << "the checkout's PlaceOrder was dead-lettered";
}

}  // namespace

TEST(CartLimit, TheFiftyFirstSkuIs409CartFullAndTheCheckoutMakesAnOrder) {
  auto c = saga_pipeline().client();
  const size_t limit = messages::limits().max_order_lines;
  ASSERT_EQ(limit, 50u);
  const auto skus = seed_products(limit + 1);
  const std::string cart = test::unique("cart");
  const size_t dead_before = records_on("orders.commands.dlq");
  fill_cart(c, cart, std::vector<std::string>(skus.begin(), skus.begin() + limit));

  const int64_t before = kafka::end_offset_total(saga_pipeline().config().kafka_brokers,
                                                 saga_pipeline().topic("carts.commands"));
  const auto full = add_item(c, cart, skus[limit], 1);
  EXPECT_EQ(full.status, 409) << full.body;
  EXPECT_EQ(field_of(full, "code"), "cart_full") << full.body;
  EXPECT_EQ(field_of(full, "field"), "sku") << full.body;
  EXPECT_EQ(kafka::end_offset_total(saga_pipeline().config().kafka_brokers,
                                    saga_pipeline().topic("carts.commands")),
            before);
  // An item the cart holds can still change its quantity.
  ASSERT_EQ(add_item(c, cart, skus[7], 3).status, 202);
  ASSERT_TRUE(test::wait_until([&] { return cart_items(c, cart)[skus[7]] == 3; }, 30s));
  const auto items = cart_items(c, cart);
  EXPECT_EQ(items.size(), limit);
  EXPECT_EQ(items.count(skus[limit]), 0u);

  expect_checkout_makes_an_order(c, cart, limit);
  EXPECT_EQ(records_on("orders.commands.dlq"), dead_before);
}

TEST(CartLimit, TheCartsWorkerRefusesTheFiftyFirstSkuItself) {
  auto c = saga_pipeline().client();
  const size_t limit = messages::limits().max_order_lines;
  const auto skus = seed_products(limit + 1);
  const std::string cart = test::unique("cart");
  fill_cart(c, cart, std::vector<std::string>(skus.begin(), skus.begin() + limit));

  // An add the api did not see coming (in flight when it looked, or another producer's): straight to
  // carts.commands, a valid message.
  kafka::Producer producer(kafka::ProducerOptions{saga_pipeline().config().kafka_brokers, "test", 10000, 1});
  const auto message = messages::make_message(messages::AddCartItem{cart, skus[limit], 1});
  std::promise<bool> acked;
  ASSERT_TRUE(producer.produce(saga_pipeline().topic("carts.commands"), message.key,
                               messages::encode(message), {},
                               [&](const kafka::DeliveryResult& r) { acked.set_value(r.ok); }));
  ASSERT_TRUE(acked.get_future().get());
  ASSERT_TRUE(test::wait_until([] { return saga_pipeline().caught_up("carts"); }, 30s))
      << saga_pipeline().progress();
  const auto items = cart_items(c, cart);
  EXPECT_EQ(items.size(), limit);
  EXPECT_EQ(items.count(skus[limit]), 0u) << "the carts worker added a 51st sku";

  expect_checkout_makes_an_order(c, cart, limit);
}

TEST(BadText, CancelOfAConfirmedOrderWithAnInvalidReasonIs400AndTheOrderStaysConfirmed) {
  auto c = saga_pipeline().client();
  const std::string sku = test::unique("SKU");
  test::seed_product(saga_pipeline().dsn(), sku, 100, 10);
  const std::string order_id = test::saga::place_accepted(c, test::unique("cust"), {{sku, 1}});
  ASSERT_EQ(test::saga::json_string(test::saga::wait_decided(c, order_id), "status"), "CONFIRMED");
  ASSERT_TRUE(quiet()) << saga_pipeline().progress();
  const size_t dead_before = records_on("orders.commands.dlq");
  const int64_t before = kafka::end_offset_total(saga_pipeline().config().kafka_brokers,
                                                 saga_pipeline().topic("orders.commands"));
  // Invalid UTF-8 (which PostgreSQL refuses), a control character.
  for (const std::string reason : {"\xff\xfe", "a\\u0001b"}) {
    SCOPED_TRACE(reason);
    const auto r = c.post_json("/v1/orders/" + order_id + "/cancel", R"({"reason":")" + reason + R"("})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(field_of(r, "field"), "reason") << r.body;
    EXPECT_EQ(field_of(r, "code"), "invalid_text") << r.body;
  }
  EXPECT_EQ(kafka::end_offset_total(saga_pipeline().config().kafka_brokers,
                                    saga_pipeline().topic("orders.commands")),
            before);
  ASSERT_TRUE(quiet()) << saga_pipeline().progress();
  EXPECT_EQ(saga_pipeline().order_status(order_id), "CONFIRMED");
  EXPECT_EQ(records_on("orders.commands.dlq"), dead_before);
  // The order could be cancelled all along: with a valid reason it is.
  ASSERT_EQ(c.post_json("/v1/orders/" + order_id + "/cancel", R"({"reason":"changed my mind"})").status, 202);
  EXPECT_TRUE(test::wait_until([&] { return saga_pipeline().order_status(order_id) == "CANCELLED"; }, 30s))
      << test::saga::describe_orders(saga_pipeline(), {order_id});
  EXPECT_EQ(records_on("orders.commands.dlq"), dead_before);
}
