// The api's endpoints besides POST /v1/orders, against the real broker and database, with no worker
// running: reads are seeded with SQL, and each command endpoint is checked by what it published
// (exact message type, key and payload), or that it published nothing at all.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <variant>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/messages/topics.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr const char* kAdminToken = "secret";

// The api alone (no worker consumes, so whatever the api publishes stays where it landed).
test::Pipeline& pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = true, .roles = {}, .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken}}});
  return p;
}

// A second api with ONE Pistache thread and no admin token.
test::Pipeline& single_thread() {
  // Without API keys too: how an api with none configured answers (WithoutAConfiguredToken...).
  static test::Pipeline p(test::Pipeline::Options{
      .api = true, .roles = {}, .env = {{"ORDERFLOW_API_THREADS", "1"}}, .api_keys = false});
  return p;
}

const std::string kOrdersCommands(messages::kOrdersCommands.name);
const std::string kInventoryCommands(messages::kInventoryCommands.name);
const std::string kCartsCommands(messages::kCartsCommands.name);
const std::vector<std::string> kCommandTopics = {kOrdersCommands, kInventoryCommands, kCartsCommands};

int64_t end_of(const std::string& topic_base) {
  return kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic(topic_base));
}

// Every record on the command topics so far, summed: "nothing published" means it did not move.
int64_t commands_end() {
  int64_t total = 0;
  for (const auto& t : kCommandTopics) total += end_of(t);
  return total;
}

struct Published {
  messages::Message message;
  std::string payload;  // messages::encode_payload of it
};

// The messages on `topic_base` whose key is `key`, each decoded (so checked against the envelope
// schema, its type's payload schema and its topic's key: a record that fails is a test failure).
std::vector<Published> published(const std::string& topic_base, const std::string& key) {
  std::vector<Published> out;
  for (const auto& value :
       test::read_topic(pipeline().config().kafka_brokers, pipeline().topic(topic_base))) {
    auto decoded = messages::decode(value);
    if (auto* error = std::get_if<messages::DecodeError>(&decoded)) {
      ADD_FAILURE() << "invalid record on " << topic_base << ": " << error->reason << "\n" << value;
      continue;
    }
    auto& m = std::get<messages::Message>(decoded);
    if (m.topic() != topic_base) ADD_FAILURE() << m.type() << " on " << topic_base << ": " << value;
    if (m.key != key) continue;
    std::string payload = messages::encode_payload(m.payload);
    out.push_back(Published{std::move(m), std::move(payload)});
  }
  return out;
}

rapidjson::Document parse(const std::string& text) {
  auto doc = json::parse(text);
  if (!doc) {
    ADD_FAILURE() << "not JSON: " << text;
    return rapidjson::Document(rapidjson::kObjectType);
  }
  return std::move(*doc);
}

// Deep equality, member order ignored.
void expect_json(const rapidjson::Value& actual, const std::string& expected) {
  const auto want = parse(expected);
  EXPECT_TRUE(actual == want) << "got " << json::to_string(actual) << "\nwant " << expected;
}
void expect_json(const std::string& actual, const std::string& expected) {
  expect_json(parse(actual), expected);
}

// Exactly one message of `type` keyed `key` on `topic_base`, with exactly this payload.
void expect_one_published(const std::string& topic_base, const std::string& key, const std::string& type,
                          const std::string& payload) {
  const auto found = published(topic_base, key);
  ASSERT_EQ(found.size(), 1u) << "records keyed " << key << " on " << topic_base;
  EXPECT_EQ(found[0].message.type(), type);
  EXPECT_EQ(found[0].message.version(), 1);
  EXPECT_TRUE(is_uuid(found[0].message.id));
  expect_json(found[0].payload, payload);
}

std::string error_field(const http::Response& r) {
  auto doc = parse(r.body);
  if (!doc.IsObject() || !doc.HasMember("error") || !doc["error"].IsObject()) return "<no error object>";
  const auto& e = doc["error"];
  if (!e.HasMember("code") || !e.HasMember("message")) return "<no code or message>";
  return e.HasMember("field") ? e["field"].GetString() : "";
}

// An order as both sides hold it: the orders context's row (what a cancel checks) and the view's
// (what a GET reads). No workers run here: the rows are the whole state.
std::string seed_order(const std::string& status) {
  const std::string id = random_uuid();
  test::sql_exec(
      pipeline().dsn(),
      "INSERT INTO orders.orders (order_id, customer_id, idempotency_key, status, total_cents, placed_at)"
      " VALUES ('" +
          id + "', 'seeded', 'k', '" + status + "', 1234, now())");
  test::seed_view_order(pipeline().dsn(), id, "seeded", status, 1234);
  return id;
}

void set_status(const std::string& order_id, const std::string& status) {
  for (const char* table : {"orders.orders", "views.orders"}) {
    test::sql_exec(pipeline().dsn(), std::string("UPDATE ") + table + " SET status = '" + status +
                                         "', version = version + 1, updated_at = now() WHERE order_id = '" +
                                         order_id + "'");
  }
}

void seed_product(const std::string& sku, int64_t price_cents, std::optional<int64_t> on_hand,
                  int64_t available = -1) {
  test::sql_exec(pipeline().dsn(), "INSERT INTO catalog.products (sku, name, price_cents) VALUES ('" + sku +
                                       "', 'name of " + sku + "', " + std::to_string(price_cents) + ")");
  if (on_hand) {
    // The products read their stock from the projections' view.
    test::sql_exec(pipeline().dsn(),
                   "INSERT INTO views.stock (sku, available, available_version, on_hand, on_hand_version,"
                   " updated_at) VALUES ('" +
                       sku + "', " + std::to_string(available < 0 ? *on_hand : available) + ", 1, " +
                       std::to_string(*on_hand) + ", 1, now())");
  }
}

// A SKU no other test uses: unique() gives letters, digits and '_'.
std::string new_sku(const std::string& prefix = "SKU") {
  return test::unique(prefix);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}
Headers json_and(Headers h) {
  h.emplace_back("Content-Type", "application/json");
  return h;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// POST /v1/orders/{id}/cancel

TEST(CancelOrder, PendingOrderWithReasonPublishesCancelOrder) {
  auto c = pipeline().client();
  const auto id = seed_order("PENDING");
  const auto r = c.post_json("/v1/orders/" + id + "/cancel", R"({"reason":"changed my \"mind\""})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("location"), "/v1/orders/" + id);
  expect_json(r.body, R"({"order_id":")" + id + R"(","status":"PENDING","cancel":"requested"})");
  expect_one_published(kOrdersCommands, id, "CancelOrder",
                       R"({"order_id":")" + id + R"(","reason":"changed my \"mind\""})");
}

TEST(CancelOrder, EmptyBodyNeedsNoContentTypeAndConfirmedOrdersCanBeCancelled) {
  auto c = pipeline().client();
  const auto id = seed_order("CONFIRMED");
  const auto r = c.request("POST", "/v1/orders/" + id + "/cancel");
  ASSERT_EQ(r.status, 202) << r.body;
  expect_json(r.body, R"({"order_id":")" + id + R"(","status":"CONFIRMED","cancel":"requested"})");
  expect_one_published(kOrdersCommands, id, "CancelOrder", R"({"order_id":")" + id + R"("})");
}

TEST(CancelOrder, EmptyJsonObjectIsANoReasonCancel) {
  auto c = pipeline().client();
  const auto id = seed_order("PENDING");
  ASSERT_EQ(c.post_json("/v1/orders/" + id + "/cancel", "{}").status, 202);
  expect_one_published(kOrdersCommands, id, "CancelOrder", R"({"order_id":")" + id + R"("})");
}

TEST(CancelOrder, TerminalOrderIs409WithItsStatusAndPublishesNothing) {
  auto c = pipeline().client();
  for (const std::string status : {"REJECTED", "CANCELLED"}) {
    SCOPED_TRACE(status);
    const auto id = seed_order(status);
    const auto before = commands_end();
    const auto r = c.post_json("/v1/orders/" + id + "/cancel", R"({"reason":"too late"})");
    EXPECT_EQ(r.status, 409) << r.body;
    auto doc = parse(r.body);
    ASSERT_TRUE(doc.HasMember("error") && doc.HasMember("status")) << r.body;
    EXPECT_STREQ(doc["error"]["code"].GetString(), "conflict");
    EXPECT_STREQ(doc["error"]["field"].GetString(), "status");
    EXPECT_TRUE(doc["error"].HasMember("message"));
    EXPECT_EQ(doc["status"].GetString(), status);
    EXPECT_EQ(commands_end(), before);
    EXPECT_TRUE(published(kOrdersCommands, id).empty());
  }
}

TEST(CancelOrder, UnknownOrderIs404) {
  auto c = pipeline().client();
  const auto before = commands_end();
  const auto r = c.request("POST", "/v1/orders/" + random_uuid() + "/cancel");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(commands_end(), before);
}

// ---------------------------------------------------------------------------------------------------
// GET /v1/orders/{id}?wait=N

TEST(WaitForOrder, ReturnsAsSoonAsTheOrderIsDecided) {
  const auto id = seed_order("PENDING");
  const auto start = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async,
                            [&] { return pipeline().client().get("/v1/orders/" + id + "?wait=10"); });
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(waiting.wait_for(0s), std::future_status::timeout)
      << "answered while the order was still PENDING";
  set_status(id, "CONFIRMED");
  const auto r = waiting.get();
  const double took = seconds_since(start);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(r.body);
  EXPECT_STREQ(doc["status"].GetString(), "CONFIRMED");
  EXPECT_STREQ(doc["order_id"].GetString(), id.c_str());
  EXPECT_EQ(doc["version"].GetInt(), 2);
  EXPECT_LT(took, 2.5) << "the deadline was 10 s; the decision came after 0.7 s";
}

TEST(WaitForOrder, ReturnsThePendingOrderAtTheDeadline) {
  auto c = pipeline().client();
  const auto id = seed_order("PENDING");
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.get("/v1/orders/" + id + "?wait=2");
  const double took = seconds_since(start);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(parse(r.body)["status"].GetString(), "PENDING");
  EXPECT_GE(took, 1.9);
  EXPECT_LT(took, 3.5);
}

TEST(WaitForOrder, DecidedOrderAnswersAtOnce) {
  auto c = pipeline().client();
  const auto id = seed_order("REJECTED");
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.get("/v1/orders/" + id + "?wait=30");
  EXPECT_LT(seconds_since(start), 1.0);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(parse(r.body)["status"].GetString(), "REJECTED");
}

TEST(WaitForOrder, WaitZeroIsAPlainGet) {
  auto c = pipeline().client();
  const auto id = seed_order("PENDING");
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.get("/v1/orders/" + id + "?wait=0");
  EXPECT_LT(seconds_since(start), 1.0);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(parse(r.body)["status"].GetString(), "PENDING");
}

TEST(WaitForOrder, MissingOrderIs404AtTheDeadline) {
  auto c = pipeline().client();
  const auto start = std::chrono::steady_clock::now();
  const auto r = c.get("/v1/orders/" + random_uuid() + "?wait=1");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_GE(seconds_since(start), 0.9);
  EXPECT_EQ(error_field(r), "");
}

TEST(WaitForOrder, AnOrderThatAppearsDecidedDuringTheWaitIsReturned) {
  const std::string id = random_uuid();
  const auto start = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async,
                            [&] { return pipeline().client().get("/v1/orders/" + id + "?wait=10"); });
  std::this_thread::sleep_for(500ms);
  // As the projections write it: the view's row and a NOTIFY naming the order, in one transaction.
  test::sql_exec(
      pipeline().dsn(),
      "BEGIN; INSERT INTO views.orders (order_id, customer_id, status, total_cents, version, placed_at,"
      " updated_at) VALUES ('" +
          id + "', 'late', 'CONFIRMED', 0, 2, now(), now()); SELECT pg_notify('orderflow_views_orders', '" +
          id + "'); COMMIT");
  const auto r = waiting.get();
  EXPECT_LT(seconds_since(start), 1.2) << "woken by the notification, not by the 2 s recheck";
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(parse(r.body)["customer_id"].GetString(), "late");
  EXPECT_NE(r.header("projection-position"), "");
}

TEST(WaitForOrder, AnOrderWrittenWithoutANotificationIsFoundByTheRecheck) {
  const std::string id = random_uuid();
  const auto start = std::chrono::steady_clock::now();
  auto waiting = std::async(std::launch::async,
                            [&] { return pipeline().client().get("/v1/orders/" + id + "?wait=10"); });
  std::this_thread::sleep_for(300ms);
  test::seed_view_order(pipeline().dsn(), id, "unannounced", "REJECTED");
  const auto r = waiting.get();
  EXPECT_LT(seconds_since(start), 3.5);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(parse(r.body)["status"].GetString(), "REJECTED");
}

// Waiting costs work when orders change, not per waiter per poll: 50 idle waiters for 4 s cost a
// handful of PostgreSQL transactions (a recheck every 2 s), where polling every 30 ms cost ~130.
TEST(WaitForOrder, IdleWaitersCostAlmostNoDatabaseWork) {
  const auto db = pipeline().sql("SELECT current_database()");
  const std::string commits = "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + db + "'";
  std::vector<std::future<http::Response>> waiting;
  for (int i = 0; i < 50; ++i) {
    waiting.push_back(std::async(std::launch::async, [&] {
      return pipeline().client().get("/v1/orders/" + random_uuid() + "?wait=6");
    }));
  }
  std::this_thread::sleep_for(1s);
  test::sql_exec(pipeline().dsn(), "SELECT pg_stat_clear_snapshot()");
  const auto before = std::stoll(pipeline().sql(commits));
  std::this_thread::sleep_for(4s);
  const auto after = std::stoll(pipeline().sql(commits));
  for (auto& w : waiting) EXPECT_EQ(w.get().status, 404);
  EXPECT_LT(after - before, 30) << "transactions in 4 s with 50 idle waiters";
}

TEST(WaitForOrder, ManyWaitersOnOneOrderAreAllAnswered) {
  const auto id = seed_order("PENDING");
  std::vector<std::future<http::Response>> waiting;
  for (int i = 0; i < 12; ++i) {
    waiting.push_back(std::async(std::launch::async,
                                 [&] { return pipeline().client().get("/v1/orders/" + id + "?wait=10"); }));
  }
  std::this_thread::sleep_for(500ms);
  set_status(id, "CANCELLED");
  const auto start = std::chrono::steady_clock::now();
  for (auto& w : waiting) {
    const auto r = w.get();
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_STREQ(parse(r.body)["status"].GetString(), "CANCELLED");
  }
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(WaitForOrder, AClientThatGivesUpDoesNotHurtTheApi) {
  const auto id = seed_order("PENDING");
  {
    auto impatient = pipeline().client(0, 300ms);
    EXPECT_EQ(impatient.get("/v1/orders/" + id + "?wait=1").status, 0);  // timed out, connection closed
  }
  std::this_thread::sleep_for(1500ms);  // the waiter answers a connection that is gone
  EXPECT_TRUE(pipeline().api().running());
  EXPECT_EQ(pipeline().client().get("/healthz").status, 200);
  EXPECT_EQ(pipeline().client().get("/v1/orders/" + id).status, 200);
}

TEST(WaitForOrder, DoesNotHoldTheOnlyPistacheThread) {
  auto& p = single_thread();
  // Several waits in flight at once on a one-thread api: if a wait held the thread, /healthz (and the
  // other waits) would queue behind it.
  std::vector<std::future<std::pair<http::Response, double>>> waits;
  for (int i = 0; i < 4; ++i) {
    waits.push_back(std::async(std::launch::async, [&] {
      const auto start = std::chrono::steady_clock::now();
      auto r = p.client().get("/v1/orders/" + random_uuid() + "?wait=3");
      return std::make_pair(std::move(r), seconds_since(start));
    }));
  }
  std::this_thread::sleep_for(300ms);
  auto c = p.client();
  const auto start = std::chrono::steady_clock::now();
  const auto health = c.get("/healthz");
  const double health_took = seconds_since(start);
  EXPECT_EQ(health.status, 200);
  EXPECT_LT(health_took, 1.0) << "a waiting GET blocked the api's only thread";
  for (auto& w : waits) {
    auto [r, took] = w.get();
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_GE(took, 2.9);
    EXPECT_LT(took, 5.0) << "waits were served one after the other";
  }
}

// ---------------------------------------------------------------------------------------------------
// GET /v1/products, GET /v1/products/{sku}

TEST(Products, PagesWalkTheCatalogInSkuOrder) {
  auto c = pipeline().client();
  const std::string prefix = test::unique("PG");
  // 5 products of this test, one without a stock row; `after=prefix` starts right before them.
  for (int i = 0; i < 5; ++i) {
    seed_product(prefix + "-" + std::to_string(i), 100 + i,
                 i == 3 ? std::nullopt : std::optional<int64_t>(10 * i), i);
  }
  std::vector<std::string> seen;
  std::string after = prefix;
  for (int page = 0; page < 3; ++page) {
    const auto r = c.get("/v1/products?limit=2&after=" + after);
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = parse(r.body);
    ASSERT_TRUE(doc["items"].IsArray()) << r.body;
    for (const auto& item : doc["items"].GetArray()) {
      const std::string sku = item["sku"].GetString();
      if (sku.rfind(prefix + "-", 0) != 0) break;  // another test's products, after ours
      seen.push_back(sku);
    }
    if (page < 2) {
      ASSERT_EQ(doc["items"].Size(), 2u);
      ASSERT_TRUE(doc["next"].IsString()) << r.body;
      EXPECT_EQ(doc["next"].GetString(), seen.back());
      after = doc["next"].GetString();
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{prefix + "-0", prefix + "-1", prefix + "-2", prefix + "-3",
                                            prefix + "-4"}));

  // Each item: exactly its fields; no stock row shows 0 and 0.
  const auto page = c.get("/v1/products?limit=4&after=" + prefix);
  auto doc = parse(page.body);
  ASSERT_EQ(doc["items"].Size(), 4u);
  expect_json(doc["items"][2], R"({"sku":")" + prefix + R"(-2","name":"name of )" + prefix +
                                   R"(-2","price_cents":102,"available":2,"on_hand":20})");
  expect_json(doc["items"][3], R"({"sku":")" + prefix + R"(-3","name":"name of )" + prefix +
                                   R"(-3","price_cents":103,"available":0,"on_hand":0})");
}

TEST(Products, NextIsNullOnTheLastPage) {
  auto c = pipeline().client();
  // Lowercase sorts after the other tests' uppercase prefixes (the test database's collation is C):
  // these are the catalog's last products.
  const std::string prefix = "zzzz" + test::unique("last");
  seed_product(prefix + "-a", 1, 1);
  seed_product(prefix + "-b", 2, 2);
  const auto r = c.get("/v1/products?limit=2&after=" + prefix);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(r.body);
  ASSERT_EQ(doc["items"].Size(), 2u) << r.body;
  EXPECT_TRUE(doc["next"].IsNull()) << r.body;
  // Exactly `limit` left but one more than fits: next names the last item shown.
  const auto one = parse(c.get("/v1/products?limit=1&after=" + prefix).body);
  ASSERT_EQ(one["items"].Size(), 1u);
  EXPECT_EQ(std::string(one["next"].GetString()), prefix + "-a");
}

TEST(Products, DefaultLimitIs20) {
  auto c = pipeline().client();
  const std::string prefix = test::unique("DL");
  for (int i = 0; i < 25; ++i) seed_product(prefix + "-" + (i < 10 ? "0" : "") + std::to_string(i), 5, 5);
  const auto r = c.get("/v1/products?after=" + prefix);
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(r.body);
  ASSERT_EQ(doc["items"].Size(), 20u);
  EXPECT_EQ(std::string(doc["next"].GetString()), prefix + "-19");
  const auto all = parse(c.get("/v1/products?limit=100").body);
  EXPECT_GE(all["items"].Size(), 25u);
}

TEST(Products, OneProductByItsSku) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 1999, 7, 5);
  const auto r = c.get("/v1/products/" + sku);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  expect_json(r.body, R"({"sku":")" + sku + R"(","name":"name of )" + sku +
                          R"(","price_cents":1999,"available":5,"on_hand":7})");
  const auto missing = c.get("/v1/products/" + new_sku());
  EXPECT_EQ(missing.status, 404) << missing.body;
}

// ---------------------------------------------------------------------------------------------------
// PUT /v1/admin/stock/{sku}

TEST(AdminStock, TheAdminTokenSetsStock) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const auto r =
      c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":250})", json_and(bearer(kAdminToken)));
  ASSERT_EQ(r.status, 202) << r.body;
  expect_json(r.body, R"({"sku":")" + sku + R"(","on_hand":250,"status":"requested"})");
  expect_one_published(kInventoryCommands, sku, "AdjustStock", R"({"sku":")" + sku + R"(","on_hand":250})");
}

TEST(AdminStock, ZeroAndTheMaximumAreAccepted) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 10, std::nullopt);  // no stock row yet: the worker creates it
  EXPECT_EQ(
      c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":0})", json_and(bearer(kAdminToken))).status,
      202);
  EXPECT_EQ(
      c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":1000000000})", json_and(bearer(kAdminToken)))
          .status,
      202);
  EXPECT_EQ(published(kInventoryCommands, sku).size(), 2u);
}

TEST(AdminStock, MissingOrMalformedAuthorizationIs401WithAChallenge) {
  auto c = pipeline().client_with_key("");
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const auto before = commands_end();
  const std::vector<Headers> cases = {
      {},
      {{"Authorization", "Basic c2VjcmV0OnNlY3JldA=="}},
      {{"Authorization", "Bearer"}},
      {{"Authorization", "Bearer "}},
      {{"Authorization", kAdminToken}},
      {{"Authorization", "Bearersecret"}},
  };
  for (const auto& h : cases) {
    SCOPED_TRACE(h.empty() ? "no header" : h[0].second);
    const auto r = c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":1})", json_and(h));
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.header("www-authenticate").rfind("Bearer", 0), 0u)
        << "WWW-Authenticate: " << r.header("www-authenticate");
    EXPECT_EQ(error_field(r), "Authorization");
  }
  EXPECT_EQ(commands_end(), before);
}

TEST(AdminStock, WrongTokenIs403) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const auto before = commands_end();
  for (const std::string token : {"wrong", "secre", "secrets", "SECRET"}) {
    SCOPED_TRACE(token);
    const auto r = c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":1})", json_and(bearer(token)));
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(error_field(r), "Authorization");
  }
  // The scheme is case-insensitive (RFC 7235).
  EXPECT_EQ(c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":1})",
                      json_and({{"Authorization", std::string("bearer ") + kAdminToken}}))
                .status,
            202);
  EXPECT_EQ(commands_end(), before + 1);
}

TEST(AdminStock, AuthorizationComesBeforeAnythingElse) {
  auto c = pipeline().client_with_key("");
  // An unknown sku and a bad body: still 401/403 first, so nothing is learnt without the token.
  EXPECT_EQ(
      c.request("PUT", "/v1/admin/stock/" + new_sku(), "nonsense", {{"Content-Type", "text/plain"}}).status,
      401);
  EXPECT_EQ(c.request("PUT", "/v1/admin/stock/" + new_sku(), "nonsense", bearer("wrong")).status, 403);
}

TEST(AdminStock, UnknownSkuIs404) {
  auto c = pipeline().client();
  const auto before = commands_end();
  const auto r =
      c.request("PUT", "/v1/admin/stock/" + new_sku(), R"({"on_hand":1})", json_and(bearer(kAdminToken)));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(commands_end(), before);
}

TEST(AdminStock, WithoutAConfiguredTokenEveryAdminRequestIs403) {
  auto c = single_thread().client();
  for (const auto& h : {Headers{}, bearer(kAdminToken), bearer("")}) {
    const auto r = c.request("PUT", "/v1/admin/stock/ANY", R"({"on_hand":1})", json_and(h));
    EXPECT_EQ(r.status, 403) << r.body;
  }
}

// ---------------------------------------------------------------------------------------------------
// Carts

TEST(Carts, AddItemPublishesAddCartItem) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const std::string cart = test::unique("cart") + ":user@example.com";
  const auto r = c.post_json("/v1/carts/" + cart + "/items", R"({"sku":")" + sku + R"(","quantity":3})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.header("location"), "/v1/carts/" + cart);
  expect_json(r.body, R"({"cart_id":")" + cart + R"(","sku":")" + sku + R"(","quantity":3})");
  expect_one_published(kCartsCommands, cart, "AddCartItem",
                       R"({"cart_id":")" + cart + R"(","sku":")" + sku + R"(","quantity":3})");
}

TEST(Carts, PercentEncodedCartIdIsDecoded) {
  auto c = pipeline().client();
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const std::string cart = test::unique("cart");
  const auto r =
      c.post_json("/v1/carts/" + cart + "%40shop/items", R"({"sku":")" + sku + R"(","quantity":1})");
  ASSERT_EQ(r.status, 202) << r.body;
  expect_one_published(kCartsCommands, cart + "@shop", "AddCartItem",
                       R"({"cart_id":")" + cart + R"(@shop","sku":")" + sku + R"(","quantity":1})");
}

TEST(Carts, AddingAnUnknownSkuIs404NamingTheSku) {
  auto c = pipeline().client();
  const std::string cart = test::unique("cart");
  const auto r =
      c.post_json("/v1/carts/" + cart + "/items", R"({"sku":")" + new_sku() + R"(","quantity":1})");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(error_field(r), "sku");
  EXPECT_TRUE(published(kCartsCommands, cart).empty());
}

TEST(Carts, RemoveItemPublishesRemoveCartItem) {
  auto c = pipeline().client();
  const std::string cart = test::unique("cart");
  const auto sku = new_sku();  // not even in the catalog: removing is always allowed
  const auto r = c.request("DELETE", "/v1/carts/" + cart + "/items/" + sku);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.header("location"), "/v1/carts/" + cart);
  expect_json(r.body, R"({"cart_id":")" + cart + R"(","sku":")" + sku + R"(","status":"requested"})");
  expect_one_published(kCartsCommands, cart, "RemoveCartItem",
                       R"({"cart_id":")" + cart + R"(","sku":")" + sku + R"("})");
}

TEST(Carts, CheckoutPublishesCheckoutCartWithTheDerivedOrderId) {
  auto c = pipeline().client();
  const std::string cart = test::unique("cart");
  const std::string customer = test::unique("cust");
  const auto r = c.post_json("/v1/carts/" + cart + "/checkout", R"({"customer_id":")" + customer + R"("})",
                             {{"Idempotency-Key", "checkout-1"}});
  ASSERT_EQ(r.status, 202) << r.body;
  const auto order_id = order_id_for(customer, "checkout-1");
  EXPECT_EQ(r.header("location"), "/v1/orders/" + order_id);
  expect_json(r.body, R"({"order_id":")" + order_id + R"(","status":"PENDING"})");
  expect_one_published(kCartsCommands, cart, "CheckoutCart",
                       R"({"cart_id":")" + cart + R"(","order_id":")" + order_id + R"(","customer_id":")" +
                           customer + R"(","idempotency_key":"checkout-1"})");
  // A retry names the same order.
  const auto again =
      c.post_json("/v1/carts/" + cart + "/checkout", R"({"customer_id":")" + customer + R"("})",
                  {{"Idempotency-Key", "checkout-1"}});
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, r.body);
}

TEST(Carts, GetShowsItemsPricedFromTheCatalog) {
  auto c = pipeline().client();
  const std::string cart = test::unique("cart");
  const auto a = new_sku("A"), b = new_sku("B"), gone = new_sku("Z");
  seed_product(a, 250, 1);
  seed_product(b, 1000, 1);
  const std::string order_id = random_uuid();
  test::sql_exec(pipeline().dsn(), "INSERT INTO carts.carts (cart_id, last_order_id, version) VALUES ('" +
                                       cart + "', '" + order_id + "', 4)");
  test::sql_exec(pipeline().dsn(), "INSERT INTO carts.cart_items (cart_id, sku, quantity) VALUES ('" + cart +
                                       "', '" + b + "', 1), ('" + cart + "', '" + a + "', 2), ('" + cart +
                                       "', '" + gone + "', 5)");
  const auto r = c.get("/v1/carts/" + cart);
  ASSERT_EQ(r.status, 200) << r.body;
  expect_json(r.body,
              R"({"cart_id":")" + cart + R"(","last_order_id":")" + order_id + R"(","version":4,"items":[)" +
                  R"({"sku":")" + a + R"(","quantity":2,"name":"name of )" + a + R"(","price_cents":250},)" +
                  R"({"sku":")" + b + R"(","quantity":1,"name":"name of )" + b + R"(","price_cents":1000},)" +
                  R"({"sku":")" + gone + R"(","quantity":5,"name":null,"price_cents":null}]})");
}

TEST(Carts, EmptyCartAndUnknownCart) {
  auto c = pipeline().client();
  const std::string cart = test::unique("cart");
  test::sql_exec(pipeline().dsn(), "INSERT INTO carts.carts (cart_id) VALUES ('" + cart + "')");
  const auto r = c.get("/v1/carts/" + cart);
  ASSERT_EQ(r.status, 200) << r.body;
  expect_json(r.body, R"({"cart_id":")" + cart + R"(","items":[],"last_order_id":null,"version":1})");
  EXPECT_EQ(c.get("/v1/carts/" + test::unique("nocart")).status, 404);
}

// ---------------------------------------------------------------------------------------------------
// Bad input on every new endpoint: its status, the field named, and nothing published anywhere.

namespace {

struct Case {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
  int status = 400;
  std::string field;  // "" = no field expected
};

std::vector<Case> bad_cases(const std::string& order_id, const std::string& sku, const std::string& cart) {
  const Headers json = {{"Content-Type", "application/json"}};
  const Headers admin = json_and(bearer(kAdminToken));
  const Headers checkout = {{"Content-Type", "application/json"}, {"Idempotency-Key", "k"}};
  const std::string cancel = "/v1/orders/" + order_id + "/cancel";
  const std::string items = "/v1/carts/" + cart + "/items";
  const std::string stock = "/v1/admin/stock/" + sku;
  const std::string co = "/v1/carts/" + cart + "/checkout";
  const std::string item = R"({"sku":")" + sku + R"(","quantity":1})";
  std::vector<Case> c;
  // cancel
  c.push_back({"cancel: id not a uuid", "POST", "/v1/orders/nope/cancel", "", {}, 400, "id"});
  c.push_back({"cancel: id with a trailing character",
               "POST",
               "/v1/orders/" + random_uuid() + "X/cancel",
               "",
               {},
               400,
               "id"});
  c.push_back({"cancel: empty reason", "POST", cancel, R"({"reason":""})", json, 400, "reason"});
  c.push_back({"cancel: reason too long", "POST", cancel, R"({"reason":")" + std::string(501, 'r') + "\"}",
               json, 400, "reason"});
  c.push_back({"cancel: reason not a string", "POST", cancel, R"({"reason":5})", json, 400, "reason"});
  c.push_back({"cancel: unknown field", "POST", cancel, R"({"why":"x"})", json, 400, "why"});
  c.push_back({"cancel: malformed", "POST", cancel, R"({"reason":)", json, 400, "body"});
  c.push_back({"cancel: not an object", "POST", cancel, R"("x")", json, 400, "body"});
  c.push_back(
      {"cancel: body without content type", "POST", cancel, R"({"reason":"x"})", {}, 415, "Content-Type"});
  c.push_back(
      {"cancel: text body", "POST", cancel, "please", {{"Content-Type", "text/plain"}}, 415, "Content-Type"});
  c.push_back({"cancel: GET", "GET", cancel, "", {}, 405, ""});
  // wait
  for (const std::string w : {"31", "-1", "abc", "", "1.5", "+3", "99999999999"}) {
    c.push_back({"wait=" + w, "GET", "/v1/orders/" + order_id + "?wait=" + w, "", {}, 400, "wait"});
  }
  // products
  for (const std::string l : {"0", "101", "x", "", "-5"}) {
    c.push_back({"limit=" + l, "GET", "/v1/products?limit=" + l, "", {}, 400, "limit"});
  }
  c.push_back({"after not a sku", "GET", "/v1/products?after=a%20b", "", {}, 400, "after"});
  c.push_back({"product sku invalid", "GET", "/v1/products/bad%20sku", "", {}, 400, "sku"});
  c.push_back({"product sku too long", "GET", "/v1/products/" + std::string(65, 's'), "", {}, 400, "sku"});
  c.push_back({"products POST", "POST", "/v1/products", "{}", json, 405, ""});
  // admin
  c.push_back({"stock: negative", "PUT", stock, R"({"on_hand":-1})", admin, 400, "on_hand"});
  c.push_back({"stock: too many", "PUT", stock, R"({"on_hand":1000000001})", admin, 400, "on_hand"});
  c.push_back({"stock: fractional", "PUT", stock, R"({"on_hand":1.5})", admin, 400, "on_hand"});
  c.push_back({"stock: string", "PUT", stock, R"({"on_hand":"5"})", admin, 400, "on_hand"});
  c.push_back({"stock: missing", "PUT", stock, R"({})", admin, 400, "on_hand"});
  c.push_back(
      {"stock: extra field", "PUT", stock, R"({"on_hand":1,"available":1})", admin, 400, "available"});
  c.push_back({"stock: malformed", "PUT", stock, R"({"on_hand")", admin, 400, "body"});
  c.push_back({"stock: text",
               "PUT",
               stock,
               "5",
               {{"Content-Type", "text/plain"}, {"Authorization", "Bearer secret"}},
               415,
               "Content-Type"});
  c.push_back({"stock: bad sku", "PUT", "/v1/admin/stock/a%2Fb", R"({"on_hand":1})", admin, 400, "sku"});
  c.push_back({"stock: POST", "POST", stock, R"({"on_hand":1})", admin, 405, ""});
  // cart items
  c.push_back({"items: cart id too long", "POST", "/v1/carts/" + std::string(65, 'c') + "/items", item, json,
               400, "cart_id"});
  c.push_back({"items: cart id with a space", "POST", "/v1/carts/a%20b/items", item, json, 400, "cart_id"});
  c.push_back({"items: quantity 0", "POST", items, R"({"sku":")" + sku + R"(","quantity":0})", json, 400,
               "quantity"});
  c.push_back({"items: quantity 1001", "POST", items, R"({"sku":")" + sku + R"(","quantity":1001})", json,
               400, "quantity"});
  c.push_back(
      {"items: quantity missing", "POST", items, R"({"sku":")" + sku + R"("})", json, 400, "quantity"});
  c.push_back({"items: sku missing", "POST", items, R"({"quantity":1})", json, 400, "sku"});
  c.push_back({"items: sku pattern", "POST", items, R"({"sku":"a b","quantity":1})", json, 400, "sku"});
  c.push_back({"items: sku too long", "POST", items,
               R"({"sku":")" + std::string(65, 's') + R"(","quantity":1})", json, 400, "sku"});
  c.push_back({"items: sku empty", "POST", items, R"({"sku":"","quantity":1})", json, 400, "sku"});
  c.push_back({"items: extra field", "POST", items, R"({"sku":")" + sku + R"(","quantity":1,"price":1})",
               json, 400, "price"});
  c.push_back({"items: no content type", "POST", items, item, {}, 415, "Content-Type"});
  c.push_back({"items: GET", "GET", items, "", {}, 405, ""});
  c.push_back({"remove: bad sku", "DELETE", items + "/a%20b", "", {}, 400, "sku"});
  c.push_back({"remove: bad cart", "DELETE", "/v1/carts/a%20b/items/" + sku, "", {}, 400, "cart_id"});
  // checkout
  c.push_back({"checkout: no key", "POST", co, R"({"customer_id":"c"})", json, 400, "Idempotency-Key"});
  c.push_back({"checkout: long key",
               "POST",
               co,
               R"({"customer_id":"c"})",
               {{"Content-Type", "application/json"}, {"Idempotency-Key", std::string(129, 'k')}},
               400,
               "Idempotency-Key"});
  c.push_back({"checkout: customer missing", "POST", co, R"({})", checkout, 400, "customer_id"});
  c.push_back(
      {"checkout: customer pattern", "POST", co, R"({"customer_id":"a b"})", checkout, 400, "customer_id"});
  c.push_back({"checkout: customer too long", "POST", co,
               R"({"customer_id":")" + std::string(65, 'c') + "\"}", checkout, 400, "customer_id"});
  c.push_back(
      {"checkout: extra field", "POST", co, R"({"customer_id":"c","lines":[]})", checkout, 400, "lines"});
  c.push_back({"checkout: text",
               "POST",
               co,
               "c",
               {{"Content-Type", "text/plain"}, {"Idempotency-Key", "k"}},
               415,
               "Content-Type"});
  c.push_back({"checkout: bad cart", "POST", "/v1/carts/%3Cscript%3E/checkout", R"({"customer_id":"c"})",
               checkout, 400, "cart_id"});
  c.push_back({"cart GET: bad cart", "GET", "/v1/carts/" + std::string(65, 'c'), "", {}, 400, "cart_id"});
  c.push_back({"cart PUT", "PUT", "/v1/carts/" + cart, "{}", json, 405, ""});
  c.push_back({"unknown cart route", "POST", "/v1/carts/" + cart + "/pay", "{}", json, 404, ""});
  return c;
}

}  // namespace

TEST(BadInputOnNewEndpoints, EachCaseGetsItsStatusNamesTheFieldAndPublishesNothing) {
  auto c = pipeline().client();
  const auto order_id = seed_order("PENDING");
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const std::string cart = test::unique("cart");
  const int64_t before = commands_end();
  for (const auto& k : bad_cases(order_id, sku, cart)) {
    SCOPED_TRACE(k.name);
    const auto r = c.request(k.method, k.target, k.body, k.headers);
    EXPECT_EQ(r.status, k.status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(error_field(r), k.field) << r.body;
    if (k.status == 405) {
      EXPECT_FALSE(r.header("allow").empty());
    }
  }
  EXPECT_EQ(commands_end(), before);
  // The same endpoints still accept good requests afterwards.
  EXPECT_EQ(c.post_json("/v1/carts/" + cart + "/items", R"({"sku":")" + sku + R"(","quantity":1})").status,
            202);
  EXPECT_EQ(c.request("POST", "/v1/orders/" + order_id + "/cancel").status, 202);
  EXPECT_EQ(commands_end(), before + 2);
}

// ---------------------------------------------------------------------------------------------------
// Text: every string a client sends (a body member or its name, a path parameter, a header) must be
// valid UTF-8 without control characters, or it is a 400 naming the field. The database refuses
// invalid UTF-8: the old api took such a cancel reason with 202 and the orders worker dead-lettered it.

namespace {

std::string error_code(const http::Response& r) {
  auto doc = parse(r.body);
  if (!doc.IsObject() || !doc.HasMember("error") || !doc["error"].IsObject()) return "<no error object>";
  const auto& e = doc["error"];
  return e.HasMember("code") && e["code"].IsString() ? e["code"].GetString() : "<no code>";
}

// A string that is not acceptable text, as it is written in each place a client can put it ("": that
// place is not tried with it).
struct BadText {
  std::string name;
  std::string in_json;    // between the quotes of a JSON string
  std::string in_path;    // percent-encoded, in a path segment
  std::string in_header;  // raw bytes of a header value
};

const std::vector<BadText> kBadTexts = {
    {"invalid UTF-8", "\xff\xfe", "%FF%FE", "\xff\xfe"},
    // A JSON text must escape a control character: unescaped, the body is malformed JSON.
    {"control character", "a\\u0001b", "a%01b",
     "a\x01"
     "b"},
    {"NUL", "a\\u0000b", "", ""},
    {"DEL",
     "a\x7f"
     "b",
     "a%7Fb",
     "a\x7f"
     "b"},
    {"C1 control character", "a\\u0085b", "a%C2%85b", ""},
    {"truncated UTF-8 sequence", "ab\xc3", "ab%C3", ""},
    {"overlong UTF-8", "\xc0\xaf", "", ""},
    {"UTF-8 of a surrogate", "\xed\xa0\x80", "", ""},
};

struct TextCase {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
  std::string field;
  std::string code;
};

std::vector<TextCase> text_cases(const BadText& bad, const std::string& order_id, const std::string& sku,
                                 const std::string& cart) {
  const Headers json = {{"Content-Type", "application/json"}};
  const auto keyed = [] {
    return Headers{{"Content-Type", "application/json"}, {"Idempotency-Key", test::unique("k")}};
  };
  const std::string v = bad.in_json;
  const std::string item = R"({"sku":")" + sku + R"(","quantity":1})";
  std::vector<TextCase> c;
  // Body members.
  c.push_back({"orders: customer_id", "POST", "/v1/orders",
               R"({"customer_id":")" + v + R"(","lines":[{"sku":"A","quantity":1}]})", keyed(), "customer_id",
               "invalid_text"});
  c.push_back({"orders: lines[0].sku", "POST", "/v1/orders",
               R"({"customer_id":"c","lines":[{"sku":")" + v + R"(","quantity":1}]})", keyed(),
               "lines[0].sku", "invalid_text"});
  c.push_back(
      {"orders: lines[1].sku", "POST", "/v1/orders",
       R"({"customer_id":"c","lines":[{"sku":"A","quantity":1},{"sku":")" + v + R"(","quantity":1}]})",
       keyed(), "lines[1].sku", "invalid_text"});
  c.push_back({"orders: a member's name", "POST", "/v1/orders",
               R"({")" + v + R"(":1,"customer_id":"c","lines":[{"sku":"A","quantity":1}]})", keyed(), "body",
               "invalid_text"});
  c.push_back({"cancel: reason", "POST", "/v1/orders/" + order_id + "/cancel", R"({"reason":")" + v + R"("})",
               json, "reason", "invalid_text"});
  c.push_back({"items: sku", "POST", "/v1/carts/" + cart + "/items", R"({"sku":")" + v + R"(","quantity":1})",
               json, "sku", "invalid_text"});
  c.push_back({"checkout: customer_id", "POST", "/v1/carts/" + cart + "/checkout",
               R"({"customer_id":")" + v + R"("})", keyed(), "customer_id", "invalid_text"});
  c.push_back({"stock: a member's name", "PUT", "/v1/admin/stock/" + sku, R"({")" + v + R"(":1})",
               json_and(bearer(kAdminToken)), "body", "invalid_text"});
  // Path parameters.
  if (const std::string p = bad.in_path; !p.empty()) {
    c.push_back({"items: cart_id in the path", "POST", "/v1/carts/" + p + "/items", item, json, "cart_id",
                 "invalid_path"});
    c.push_back({"remove: cart_id in the path",
                 "DELETE",
                 "/v1/carts/" + p + "/items/" + sku,
                 "",
                 {},
                 "cart_id",
                 "invalid_path"});
    c.push_back({"remove: sku in the path",
                 "DELETE",
                 "/v1/carts/" + cart + "/items/" + p,
                 "",
                 {},
                 "sku",
                 "invalid_path"});
    c.push_back({"checkout: cart_id in the path", "POST", "/v1/carts/" + p + "/checkout",
                 R"({"customer_id":"c"})", keyed(), "cart_id", "invalid_path"});
    c.push_back(
        {"cart GET: cart_id in the path", "GET", "/v1/carts/" + p, "", {}, "cart_id", "invalid_path"});
    c.push_back({"cancel: order id in the path",
                 "POST",
                 "/v1/orders/" + p + "/cancel",
                 "",
                 {},
                 "id",
                 "invalid_path"});
    c.push_back({"order GET: order id in the path", "GET", "/v1/orders/" + p, "", {}, "id", "invalid_path"});
    c.push_back({"stock: sku in the path", "PUT", "/v1/admin/stock/" + p, R"({"on_hand":1})",
                 json_and(bearer(kAdminToken)), "sku", "invalid_path"});
    c.push_back({"product GET: sku in the path", "GET", "/v1/products/" + p, "", {}, "sku", "invalid_path"});
  }
  // The Idempotency-Key header (our client sends its bytes as they are).
  if (const std::string h = bad.in_header; !h.empty()) {
    c.push_back({"orders: Idempotency-Key",
                 "POST",
                 "/v1/orders",
                 R"({"customer_id":"c","lines":[{"sku":"A","quantity":1}]})",
                 {{"Content-Type", "application/json"}, {"Idempotency-Key", h}},
                 "Idempotency-Key",
                 "invalid_header"});
    c.push_back({"checkout: Idempotency-Key",
                 "POST",
                 "/v1/carts/" + cart + "/checkout",
                 R"({"customer_id":"c"})",
                 {{"Content-Type", "application/json"}, {"Idempotency-Key", h}},
                 "Idempotency-Key",
                 "invalid_header"});
  }
  return c;
}

}  // namespace

TEST(TextInEveryField, InvalidUtf8OrAControlCharacterIs400NamingTheFieldAndPublishesNothing) {
  auto c = pipeline().client();
  // A CONFIRMED order can be cancelled: only the reason's text is wrong.
  const auto order_id = seed_order("CONFIRMED");
  const auto sku = new_sku();
  seed_product(sku, 10, 3);
  const std::string cart = test::unique("cart");
  const int64_t before = commands_end();
  for (const auto& bad : kBadTexts) {
    for (const auto& k : text_cases(bad, order_id, sku, cart)) {
      SCOPED_TRACE(bad.name + " in " + k.name);
      const auto r = c.request(k.method, k.target, k.body, k.headers);
      EXPECT_EQ(r.status, 400) << r.body << r.error;
      EXPECT_EQ(r.header("content-type"), "application/json");
      EXPECT_EQ(error_field(r), k.field) << r.body;
      EXPECT_EQ(error_code(r), k.code) << r.body;
    }
  }
  EXPECT_EQ(commands_end(), before);
  EXPECT_TRUE(published(kOrdersCommands, order_id).empty());
  EXPECT_EQ(pipeline().order_status(order_id), "CONFIRMED");
  // Text that is merely unusual is fine: a reason in other scripts, with an emoji.
  const auto r = c.post_json("/v1/orders/" + order_id + "/cancel", R"({"reason":"Größe falsch — 太大了 😀"})");
  ASSERT_EQ(r.status, 202) << r.body;
  expect_one_published(kOrdersCommands, order_id, "CancelOrder",
                       R"({"order_id":")" + order_id + R"(","reason":"Größe falsch — 太大了 😀"})");
}

// ---------------------------------------------------------------------------------------------------
// The limits of schemas/definitions.schema.json at the edge and one past it: the edge is accepted and
// publishes exactly one command; one past it is a 400 naming the field and publishes nothing. Lengths
// count code points.

namespace {

std::string repeated(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// A test-unique name of exactly `n` characters (`n` >= the unique prefix).
std::string unique_of_length(const std::string& prefix, size_t n, char fill) {
  std::string s = test::unique(prefix);
  EXPECT_LE(s.size(), n);
  s.resize(n, fill);
  return s;
}

// `n` order lines of distinct skus, quantity `quantity`, as JSON.
std::string lines_json(size_t n, int quantity = 1, const std::string& first_sku = "L0") {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    out += (i ? "," : "") + std::string(R"({"sku":")") + (i == 0 ? first_sku : "L" + std::to_string(i)) +
           R"(","quantity":)" + std::to_string(quantity) + "}";
  }
  return out + "]";
}

// The request was refused with a 400 naming `field`, and nothing was published since `before`.
void expect_refused(const http::Response& r, const std::string& field, int64_t before) {
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(error_field(r), field) << r.body;
  EXPECT_EQ(commands_end(), before);
}

// The request was accepted, and published exactly one command since `before`: this one.
void expect_accepted(const http::Response& r, int64_t before, const std::string& topic_base,
                     const std::string& key, const std::string& type, const std::string& payload) {
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(commands_end(), before + 1);
  expect_one_published(topic_base, key, type, payload);
}

http::Response place(http::Client& c, const std::string& customer, const std::string& lines,
                     const std::string& key) {
  return c.post_json("/v1/orders", R"({"customer_id":")" + customer + R"(","lines":)" + lines + "}",
                     {{"Idempotency-Key", key}});
}

// Places an order that must be accepted with exactly this command.
void expect_order_accepted(http::Client& c, const std::string& customer, const std::string& lines,
                           const std::string& key) {
  const int64_t before = commands_end();
  const auto id = order_id_for(customer, key);
  expect_accepted(place(c, customer, lines, key), before, kOrdersCommands, id, "PlaceOrder",
                  R"({"order_id":")" + id + R"(","customer_id":")" + customer + R"(","idempotency_key":")" +
                      key + R"(","lines":)" + lines + "}");
}

}  // namespace

TEST(Limits, PlaceOrderAtEachLimitIsAcceptedAndOnePastIsRefused) {
  auto c = pipeline().client();
  const auto customer = [] { return test::unique("cust"); };
  const auto key = [] { return test::unique("key"); };
  {
    SCOPED_TRACE("50 lines, 51");
    expect_order_accepted(c, customer(), lines_json(50), key());
    const int64_t before = commands_end();
    expect_refused(place(c, customer(), lines_json(51), key()), "lines", before);
  }
  {
    SCOPED_TRACE("quantity 1 and 1000, 0 and 1001");
    expect_order_accepted(c, customer(), lines_json(1, 1), key());
    expect_order_accepted(c, customer(), lines_json(1, 1000), key());
    const int64_t before = commands_end();
    expect_refused(place(c, customer(), lines_json(1, 0), key()), "lines[0].quantity", before);
    expect_refused(place(c, customer(), lines_json(1, 1001), key()), "lines[0].quantity", before);
  }
  {
    SCOPED_TRACE("sku of 64 characters, 65");
    expect_order_accepted(c, customer(), lines_json(2, 1, std::string(64, 's')), key());
    const int64_t before = commands_end();
    expect_refused(place(c, customer(), lines_json(2, 1, std::string(65, 's')), key()), "lines[0].sku",
                   before);
  }
  {
    SCOPED_TRACE("customer_id of 64 characters, 65");
    expect_order_accepted(c, unique_of_length("cust", 64, 'c'), lines_json(1), key());
    const int64_t before = commands_end();
    expect_refused(place(c, unique_of_length("cust", 65, 'c'), lines_json(1), key()), "customer_id", before);
  }
  {
    SCOPED_TRACE("Idempotency-Key of 128 characters, 129");
    expect_order_accepted(c, customer(), lines_json(1), unique_of_length("key", 128, 'k'));
    const int64_t before = commands_end();
    expect_refused(place(c, customer(), lines_json(1), unique_of_length("key", 129, 'k')), "Idempotency-Key",
                   before);
  }
}

TEST(Limits, CancelReasonCountsCodePoints) {
  auto c = pipeline().client();
  // 2-byte and 4-byte characters: 500 of them are 1000 and 2000 bytes, still 500 code points.
  for (const std::string ch : {"r", "é", "😀"}) {
    SCOPED_TRACE(ch);
    const auto id = seed_order("PENDING");
    const std::string cancel = "/v1/orders/" + id + "/cancel";
    const int64_t before = commands_end();
    expect_refused(c.post_json(cancel, R"({"reason":")" + repeated(ch, 501) + R"("})"), "reason", before);
    const std::string reason = repeated(ch, 500);
    expect_accepted(c.post_json(cancel, R"({"reason":")" + reason + R"("})"), before, kOrdersCommands, id,
                    "CancelOrder", R"({"order_id":")" + id + R"(","reason":")" + reason + R"("})");
  }
  {
    SCOPED_TRACE("one character");
    const auto id = seed_order("CONFIRMED");
    expect_accepted(c.post_json("/v1/orders/" + id + "/cancel", R"({"reason":"é"})"), commands_end(),
                    kOrdersCommands, id, "CancelOrder", R"({"order_id":")" + id + R"(","reason":"é"})");
  }
}

TEST(Limits, CartsAtEachLimitAreAcceptedAndOnePastIsRefused) {
  auto c = pipeline().client();
  const std::string sku = new_sku();
  seed_product(sku, 10, 3);
  const auto add = [&](const std::string& cart, const std::string& item_sku, int quantity) {
    return c.post_json("/v1/carts/" + cart + "/items",
                       R"({"sku":")" + item_sku + R"(","quantity":)" + std::to_string(quantity) + "}");
  };
  const auto added = [&](const std::string& cart, const std::string& item_sku, int quantity) {
    return R"({"cart_id":")" + cart + R"(","sku":")" + item_sku + R"(","quantity":)" +
           std::to_string(quantity) + "}";
  };
  {
    SCOPED_TRACE("item sku of 64 characters, 65");
    const std::string long_sku = unique_of_length("SKU", 64, 'S');
    seed_product(long_sku, 10, 3);
    const std::string cart = test::unique("cart");
    const int64_t before = commands_end();
    expect_refused(add(cart, long_sku + "S", 1), "sku", before);
    expect_accepted(add(cart, long_sku, 1), before, kCartsCommands, cart, "AddCartItem",
                    added(cart, long_sku, 1));
  }
  for (const int quantity : {1, 1000}) {
    SCOPED_TRACE("quantity " + std::to_string(quantity));
    const std::string cart = test::unique("cart");
    expect_accepted(add(cart, sku, quantity), commands_end(), kCartsCommands, cart, "AddCartItem",
                    added(cart, sku, quantity));
  }
  for (const int quantity : {0, 1001}) {
    SCOPED_TRACE("quantity " + std::to_string(quantity));
    expect_refused(add(test::unique("cart"), sku, quantity), "quantity", commands_end());
  }
  {
    SCOPED_TRACE("cart_id of 64 characters, 65");
    const std::string cart = unique_of_length("cart", 64, 'c');
    const int64_t before = commands_end();
    expect_refused(add(cart + "c", sku, 1), "cart_id", before);
    expect_accepted(add(cart, sku, 1), before, kCartsCommands, cart, "AddCartItem", added(cart, sku, 1));
  }
  {
    SCOPED_TRACE("removed sku of 64 characters, 65");
    const std::string cart = test::unique("cart");
    const std::string long_sku = unique_of_length("SKU", 64, 'S');
    const int64_t before = commands_end();
    expect_refused(c.request("DELETE", "/v1/carts/" + cart + "/items/" + long_sku + "S"), "sku", before);
    expect_accepted(c.request("DELETE", "/v1/carts/" + cart + "/items/" + long_sku), before, kCartsCommands,
                    cart, "RemoveCartItem", R"({"cart_id":")" + cart + R"(","sku":")" + long_sku + R"("})");
  }
  const auto checkout = [&](const std::string& cart, const std::string& customer, const std::string& key) {
    return c.post_json("/v1/carts/" + cart + "/checkout", R"({"customer_id":")" + customer + R"("})",
                       {{"Idempotency-Key", key}});
  };
  const auto checked_out = [&](const std::string& cart, const std::string& customer, const std::string& key) {
    return R"({"cart_id":")" + cart + R"(","order_id":")" + order_id_for(customer, key) +
           R"(","customer_id":")" + customer + R"(","idempotency_key":")" + key + R"("})";
  };
  {
    SCOPED_TRACE("checkout customer_id of 64 characters, 65");
    const std::string cart = test::unique("cart");
    const std::string customer = unique_of_length("cust", 64, 'c');
    const int64_t before = commands_end();
    expect_refused(checkout(cart, customer + "c", "k"), "customer_id", before);
    expect_accepted(checkout(cart, customer, "k"), before, kCartsCommands, cart, "CheckoutCart",
                    checked_out(cart, customer, "k"));
  }
  {
    SCOPED_TRACE("checkout Idempotency-Key of 128 characters, 129");
    const std::string cart = test::unique("cart");
    const std::string key = unique_of_length("key", 128, 'k');
    const int64_t before = commands_end();
    expect_refused(checkout(cart, "c", key + "k"), "Idempotency-Key", before);
    expect_accepted(checkout(cart, "c", key), before, kCartsCommands, cart, "CheckoutCart",
                    checked_out(cart, "c", key));
  }
}

TEST(Limits, AdminStockOnHandFromZeroToOneBillion) {
  auto c = pipeline().client();
  const auto set = [&](const std::string& sku, const std::string& on_hand) {
    return c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":)" + on_hand + "}",
                     json_and(bearer(kAdminToken)));
  };
  for (const auto& [edge, past] :
       {std::pair<std::string, std::string>{"1000000000", "1000000001"}, {"0", "-1"}}) {
    SCOPED_TRACE(edge);
    const auto sku = new_sku();
    seed_product(sku, 10, 3);
    const int64_t before = commands_end();
    expect_refused(set(sku, past), "on_hand", before);
    expect_accepted(set(sku, edge), before, kInventoryCommands, sku, "AdjustStock",
                    R"({"sku":")" + sku + R"(","on_hand":)" + edge + "}");
  }
}

TEST(Router, CancelOnlyAllowsPost) {
  auto c = pipeline().client();
  const auto r = c.get("/v1/orders/" + random_uuid() + "/cancel");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "POST");
}

// ---------------------------------------------------------------------------------------------------
// Metrics and shutdown

TEST(ApiMetrics, NewRoutesAndTheWaiterGaugeAreExported) {
  auto c = pipeline().client();
  c.get("/v1/products?limit=1");
  const auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("route=\"/v1/products\""), std::string::npos);
  EXPECT_NE(m.body.find("orderflow_api_order_waiters"), std::string::npos);
  EXPECT_NE(m.body.find("orderflow_kafka_produce_seconds"), std::string::npos);
}

// Last in this file: it stops the one-thread api. A stopping api answers its waiters with the current
// state instead of dropping their connections.
TEST(WaitForOrderZShutdown, StoppingTheApiAnswersEveryoneStillWaiting) {
  auto& p = single_thread();
  const std::string id = random_uuid();
  test::seed_view_order(p.dsn(), id, "c", "PENDING");
  std::vector<std::future<http::Response>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(
        std::async(std::launch::async, [&] { return p.client().get("/v1/orders/" + id + "?wait=25"); }));
  }
  waiting.push_back(std::async(std::launch::async,
                               [&] { return p.client().get("/v1/orders/" + random_uuid() + "?wait=25"); }));
  std::this_thread::sleep_for(500ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.api().stop(), 0) << p.api().log_tail();
  for (size_t i = 0; i < waiting.size(); ++i) {
    const auto r = waiting[i].get();
    if (i < 3) {
      EXPECT_EQ(r.status, 200) << r.body << r.error;
      EXPECT_STREQ(parse(r.body)["status"].GetString(), "PENDING");
    } else {
      EXPECT_EQ(r.status, 404) << r.body << r.error;
    }
  }
  EXPECT_LT(seconds_since(start), 10.0);
}
