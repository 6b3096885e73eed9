// The order saga end to end on the real broker and database: api -> orders worker -> inventory worker ->
// orders worker, with carts and the admin stock endpoint. Guarantees 2, 3, 4 and 5 of ARCHITECTURE.md,
// the event contract (valid envelopes, stable ids), replay from the start, and `orderflow-ctl verify`.
// The tests share one pipeline and run in the order written; each uses its own SKUs, customers and carts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;
using test::saga::json_string;
using test::saga::Line;

namespace {

const std::vector<std::string> kRoles = {"inventory", "orders", "carts"};

test::Pipeline& pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = true, .roles = kRoles, .env = {{"ORDERFLOW_ADMIN_TOKEN", "secret"}}});
  return p;
}

std::string new_sku(int64_t price_cents, int64_t on_hand) {
  const std::string sku = test::unique("SKU");
  test::seed_product(pipeline().dsn(), sku, price_cents, on_hand);
  return sku;
}

struct Stock {
  int64_t on_hand = -1, available = -1, reserved = -1;
  bool operator==(const Stock&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Stock& s) {
  return os << "{on_hand " << s.on_hand << ", available " << s.available << ", reserved " << s.reserved
            << "}";
}
Stock stock(const std::string& sku) {
  const auto rows =
      test::sql_rows(pipeline().dsn(),
                     "SELECT s.on_hand, s.available, (SELECT coalesce(sum(r.quantity), 0) FROM "
                     "inventory.reservations r WHERE "
                     "r.sku = s.sku AND r.state = 'RESERVED') FROM inventory.stock s WHERE s.sku = '" +
                         sku + "'");
  if (rows.empty()) return {};
  return Stock{std::stoll(rows[0][0]), std::stoll(rows[0][1]), std::stoll(rows[0][2])};
}

std::string in_list(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "'" : ",'") + id + "'";
  return out;
}

// Order id -> status for `ids` (missing ones are absent).
std::map<std::string, std::string> statuses(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  for (const auto& row : test::sql_rows(pipeline().dsn(),
                                        "SELECT order_id, status FROM orders.orders WHERE "
                                        "order_id IN (" +
                                            in_list(ids) + ")")) {
    out[row[0]] = row[1];
  }
  return out;
}

bool all_decided(const std::vector<std::string>& ids) {
  return pipeline().sql("SELECT count(*) FROM orders.orders WHERE status <> 'PENDING' AND order_id IN (" +
                        in_list(ids) + ")") == std::to_string(ids.size());
}

// "sku:STATE ..." of an order's lines, ordered by sku.
std::string line_states(const std::string& order_id) {
  return pipeline().sql(
      "SELECT string_agg(sku || ':' || state, ' ' ORDER BY sku) FROM orders.order_lines WHERE "
      "order_id = '" +
      order_id + "'");
}
// "sku:quantity:STATE ..." of an order's reservations, ordered by sku.
std::string reservation_states(const std::string& order_id) {
  return pipeline().sql(
      "SELECT string_agg(sku || ':' || quantity || ':' || state, ' ' ORDER BY sku) FROM "
      "inventory.reservations WHERE order_id = '" +
      order_id + "'");
}

bool quiet(std::chrono::milliseconds timeout = 60s) {
  return test::wait_until([] { return pipeline().quiescent(); }, timeout, 200ms);
}

std::string context(const std::vector<std::string>& order_ids, const std::vector<std::string>& skus) {
  return "\n" + test::saga::describe_orders(pipeline(), order_ids) +
         test::saga::describe_stock(pipeline(), skus) + "  progress: " + pipeline().progress() + "\n" +
         test::saga::worker_logs(pipeline(), kRoles);
}

http::Response admin_set_stock(http::Client& c, const std::string& sku, int64_t on_hand) {
  return c.request("PUT", "/v1/admin/stock/" + sku, R"({"on_hand":)" + std::to_string(on_hand) + "}",
                   {{"Content-Type", "application/json"}, {"Authorization", "Bearer secret"}});
}

// sku -> quantity of a cart's items as GET /v1/carts/{id} shows them, and the rest of its document.
struct CartView {
  int status = 0;
  std::map<std::string, int64_t> items;
  std::string last_order_id;
  int64_t version = -1;
  std::string body;
};
CartView get_cart(http::Client& c, const std::string& cart_id) {
  CartView v;
  const auto r = c.get("/v1/carts/" + cart_id);
  v.status = r.status;
  v.body = r.body;
  if (r.status != 200) return v;
  auto doc = json::parse(r.body);
  if (!doc || !doc->IsObject()) return v;
  if (doc->HasMember("items") && (*doc)["items"].IsArray()) {
    for (const auto& item : (*doc)["items"].GetArray()) {
      v.items[item["sku"].GetString()] = item["quantity"].GetInt64();
    }
  }
  if (auto id = json::get_string(*doc, "last_order_id")) v.last_order_id = std::string(*id);
  if (auto ver = json::get_int(*doc, "version")) v.version = *ver;
  return v;
}

http::Response checkout(http::Client& c, const std::string& cart_id, const std::string& customer,
                        const std::string& key) {
  return c.post_json("/v1/carts/" + cart_id + "/checkout", R"({"customer_id":")" + customer + R"("})",
                     {{"Idempotency-Key", key}});
}

// The api's order document.
struct OrderView {
  std::string status, reason, customer_id;
  int64_t total_cents = -1;
  std::map<std::string, std::pair<int64_t, int64_t>> lines;  // sku -> (quantity, unit_price_cents)
};
OrderView order_view(const std::string& body) {
  OrderView v;
  auto doc = json::parse(body);
  if (!doc || !doc->IsObject()) return v;
  if (auto s = json::get_string(*doc, "status")) v.status = std::string(*s);
  if (auto s = json::get_string(*doc, "reason")) v.reason = std::string(*s);
  if (auto s = json::get_string(*doc, "customer_id")) v.customer_id = std::string(*s);
  if (auto t = json::get_int(*doc, "total_cents")) v.total_cents = *t;
  if (doc->HasMember("lines") && (*doc)["lines"].IsArray()) {
    for (const auto& l : (*doc)["lines"].GetArray()) {
      const int64_t price = l.HasMember("unit_price_cents") && l["unit_price_cents"].IsInt64()
                                ? l["unit_price_cents"].GetInt64()
                                : -1;
      v.lines[l["sku"].GetString()] = {l["quantity"].GetInt64(), price};
    }
  }
  return v;
}

// Every row of the state the saga owns, without timestamps, for before/after comparisons.
std::vector<std::string> snapshot() {
  const char* queries[] = {
      "SELECT 'order ' || ROW(order_id, customer_id, idempotency_key, cart_id, status, reason, total_cents, "
      "version)::text FROM orders.orders ORDER BY order_id",
      "SELECT 'line ' || ROW(order_id, line_no, sku, quantity, unit_price_cents, state)::text FROM "
      "orders.order_lines ORDER BY order_id, line_no",
      "SELECT 'stock ' || ROW(sku, on_hand, available, version)::text FROM inventory.stock ORDER BY sku",
      "SELECT 'reservation ' || ROW(order_id, sku, quantity, state)::text FROM inventory.reservations ORDER "
      "BY "
      "order_id, sku",
      "SELECT 'cart ' || ROW(cart_id, last_order_id, version)::text FROM carts.carts ORDER BY cart_id",
      "SELECT 'cart_item ' || ROW(cart_id, sku, quantity)::text FROM carts.cart_items ORDER BY cart_id, sku",
  };
  std::vector<std::string> rows;
  for (const char* q : queries) {
    for (const auto& r : test::sql_rows(pipeline().dsn(), q)) rows.push_back(r[0]);
  }
  return rows;
}

std::string snapshot_diff(std::vector<std::string> before, std::vector<std::string> after) {
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  std::vector<std::string> gone, added;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(gone));
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
  return "rows before " + std::to_string(before.size()) + ", after " + std::to_string(after.size()) +
         "\n only before:\n" + test::saga::first_lines(gone, 20) + " only after:\n" +
         test::saga::first_lines(added, 20);
}

std::set<std::string> event_ids(const std::string& topic) {
  std::set<std::string> ids;
  for (const auto& e : test::saga::read_events(pipeline(), topic).events) ids.insert(e.id);
  return ids;
}

// Distinct ids of events of `type` about `order_id` on `topic`.
size_t count_events(const std::string& topic, const std::string& type, const std::string& order_id) {
  std::set<std::string> ids;
  for (const auto& e : test::saga::read_events(pipeline(), topic).events) {
    if (e.type == type && e.order_id == order_id) ids.insert(e.id);
  }
  return ids.size();
}

}  // namespace

// 1) Guarantee 4 under contention: 50 buyers, 10 units.
TEST(Saga, FiftyConcurrentOrdersForTenUnitsConfirmExactlyTen) {
  const std::string sku = new_sku(250, 10);
  const std::string customer = test::unique("cust");
  constexpr int kThreads = 10, kPerThread = 5;
  std::vector<std::string> ids(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = pipeline().client();
      for (int i = 0; i < kPerThread; ++i) {
        const auto r = test::saga::place(c, customer, {{sku, 1}}, test::unique("k"));
        if (r.status == 202) ids[t * kPerThread + i] = json_string(r.body, "order_id");
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(std::count(ids.begin(), ids.end(), std::string()), 0) << "some orders were not accepted";
  ASSERT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());

  ASSERT_TRUE(test::wait_until([&] { return all_decided(ids); }, 60s)) << context(ids, {sku});
  std::map<std::string, int> by_status;
  for (const auto& [id, status] : statuses(ids)) ++by_status[status];
  EXPECT_EQ(by_status["CONFIRMED"], 10) << context(ids, {sku});
  EXPECT_EQ(by_status["REJECTED"], 40) << context(ids, {sku});
  ASSERT_TRUE(quiet()) << context(ids, {sku});
  EXPECT_EQ(stock(sku), (Stock{10, 0, 10})) << context(ids, {sku});
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM inventory.reservations WHERE sku = '" + sku +
                           "' AND state = 'RESERVED'"),
            "10");

  // The api shows the decision, priced from the catalog; a rejection names the sku.
  auto c = pipeline().client();
  for (const auto& [id, status] : statuses(ids)) {
    auto view = order_view(c.get("/v1/orders/" + id).body);
    EXPECT_EQ(view.status, status) << id;
    if (status == "CONFIRMED") {
      EXPECT_EQ(view.total_cents, 250) << id;
      EXPECT_EQ(view.lines[sku], std::make_pair(int64_t{1}, int64_t{250})) << id;
    } else {
      EXPECT_NE(view.reason.find(sku), std::string::npos) << id << " reason: " << view.reason;
    }
  }

  const auto verify = pipeline().run_ctl({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
}

// 2) Several SKUs, some lines short: the short orders are rejected and their reserved lines released.
TEST(Saga, ShortLinesRejectTheOrderAndReleaseItsOtherLines) {
  const std::string a = new_sku(100, 5), b = new_sku(250, 3), cc = new_sku(999, 10), d = new_sku(40, 2);
  const std::string missing = test::unique("NOSUCH");  // not in the catalog
  const std::string customer = test::unique("cust");
  auto c = pipeline().client();
  struct Case {
    std::vector<Line> lines;
    std::string status;
    std::string short_sku;  // the sku the rejection names
  };
  const std::vector<Case> cases = {
      {{{a, 2}, {b, 1}, {cc, 3}}, "CONFIRMED", ""},  // a 3, b 2, c 7 left
      {{{a, 2}, {b, 5}}, "REJECTED", b},             // b short; a released
      {{{cc, 4}, {a, 4}}, "REJECTED", a},            // a short (3 < 4); c released
      {{{a, 3}, {b, 2}, {cc, 7}}, "CONFIRMED", ""},  // everything gone
      {{{cc, 1}}, "REJECTED", cc},                   // c short (0 < 1)
      {{{d, 1}, {missing, 1}}, "REJECTED", ""},      // unknown sku: rejected, d untouched
  };
  std::vector<std::string> ids;
  for (const auto& k : cases) {
    // One at a time, so the numbers are exact.
    const std::string id = test::saga::place_accepted(c, customer, k.lines);
    ASSERT_FALSE(id.empty());
    ids.push_back(id);
    const auto view = order_view(test::saga::wait_decided(c, id));
    ASSERT_EQ(view.status, k.status) << "case " << ids.size() << context({id}, {a, b, cc, d});
    if (!k.short_sku.empty()) {
      EXPECT_NE(view.reason.find(k.short_sku), std::string::npos) << "reason: " << view.reason;
    }
    if (k.status == "REJECTED") {
      EXPECT_FALSE(view.reason.empty());
    }
    if (!k.short_sku.empty()) {
      // REJECTED shows as soon as one line is short; another line's reservation may still be on its way
      // (the skus are on different partitions of inventory.commands) and is given back when it comes.
      // The next case counts on that stock: wait until every line of this one has settled.
      ASSERT_TRUE(test::wait_until(
          [&] {
            return pipeline().sql("SELECT count(*) FROM orders.order_lines WHERE order_id = '" + id +
                                  "' AND state NOT IN ('RELEASED', 'SHORT')") == "0";
          },
          30s))
          << "case " << ids.size() << context({id}, {a, b, cc, d});
    }
  }
  ASSERT_TRUE(quiet()) << context(ids, {a, b, cc, d});

  EXPECT_EQ(stock(a), (Stock{5, 0, 5}));
  EXPECT_EQ(stock(b), (Stock{3, 0, 3}));
  EXPECT_EQ(stock(cc), (Stock{10, 0, 10}));
  EXPECT_EQ(stock(d), (Stock{2, 2, 0}));
  // Per line: CONFIRMED lines stay reserved; a rejected order's short line is SHORT and its others RELEASED.
  const auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
  };
  EXPECT_EQ(line_states(ids[0]), sorted({a + ":RESERVED", b + ":RESERVED", cc + ":RESERVED"}));
  EXPECT_EQ(reservation_states(ids[0]), sorted({a + ":2:RESERVED", b + ":1:RESERVED", cc + ":3:RESERVED"}));
  EXPECT_EQ(line_states(ids[1]), sorted({a + ":RELEASED", b + ":SHORT"}));
  EXPECT_EQ(reservation_states(ids[1]), sorted({a + ":2:RELEASED", b + ":5:SHORT"}));
  EXPECT_EQ(line_states(ids[2]), sorted({cc + ":RELEASED", a + ":SHORT"}));
  EXPECT_EQ(reservation_states(ids[2]), sorted({cc + ":4:RELEASED", a + ":4:SHORT"}));
  EXPECT_EQ(line_states(ids[3]), sorted({a + ":RESERVED", b + ":RESERVED", cc + ":RESERVED"}));
  EXPECT_EQ(reservation_states(ids[3]), sorted({a + ":3:RESERVED", b + ":2:RESERVED", cc + ":7:RESERVED"}));
  EXPECT_EQ(line_states(ids[4]), cc + ":SHORT");
  EXPECT_EQ(reservation_states(ids[4]), cc + ":1:SHORT");
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM inventory.reservations WHERE order_id = '" + ids[5] +
                           "' AND state = 'RESERVED'"),
            "0");
  // Conservation for every sku of the test.
  for (const auto& sku : {a, b, cc, d}) {
    const auto s = stock(sku);
    EXPECT_EQ(s.on_hand, s.available + s.reserved) << sku << " " << s;
  }
  if (HasFailure()) ADD_FAILURE() << context(ids, {a, b, cc, d});
}

// 3) Cancelling a CONFIRMED order gives its stock back, exactly once even when cancelled twice.
TEST(Saga, CancellingAConfirmedOrderReturnsItsStockOnce) {
  const std::string sku = new_sku(300, 5);
  const std::string customer = test::unique("cust");
  auto c = pipeline().client();

  const std::string first = test::saga::place_accepted(c, customer, {{sku, 2}});
  ASSERT_EQ(order_view(test::saga::wait_decided(c, first)).status, "CONFIRMED") << context({first}, {sku});
  EXPECT_EQ(stock(sku), (Stock{5, 3, 2}));
  const auto r = test::saga::cancel(c, first);
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(test::wait_until([&] { return pipeline().order_status(first) == "CANCELLED"; }, 30s))
      << context({first}, {sku});
  ASSERT_TRUE(test::wait_until([&] { return stock(sku) == Stock{5, 5, 0}; }, 30s)) << context({first}, {sku});
  ASSERT_TRUE(test::wait_until([&] { return line_states(first) == sku + ":RELEASED"; }, 30s))
      << context({first}, {sku});
  EXPECT_EQ(reservation_states(first), sku + ":2:RELEASED");
  EXPECT_EQ(order_view(c.get("/v1/orders/" + first).body).status, "CANCELLED");

  // Twice, back to back: both may be accepted (the first is not applied yet), one release happens.
  const std::string second = test::saga::place_accepted(c, customer, {{sku, 2}});
  ASSERT_EQ(order_view(test::saga::wait_decided(c, second)).status, "CONFIRMED") << context({second}, {sku});
  EXPECT_EQ(stock(sku), (Stock{5, 3, 2}));
  const auto r1 = test::saga::cancel(c, second);
  const auto r2 = test::saga::cancel(c, second);
  ASSERT_EQ(r1.status, 202) << r1.body;
  ASSERT_TRUE(r2.status == 202 || r2.status == 409) << r2.status << " " << r2.body;
  ASSERT_TRUE(test::wait_until([&] { return pipeline().order_status(second) == "CANCELLED"; }, 30s))
      << context({second}, {sku});
  ASSERT_TRUE(quiet()) << context({first, second}, {sku});
  EXPECT_EQ(stock(sku), (Stock{5, 5, 0})) << context({first, second}, {sku});
  EXPECT_EQ(reservation_states(second), sku + ":2:RELEASED");
  EXPECT_EQ(line_states(second), sku + ":RELEASED");
  EXPECT_EQ(count_events("inventory.events", "StockReleased", first), 1u);
  EXPECT_EQ(count_events("inventory.events", "StockReleased", second), 1u);
  EXPECT_EQ(count_events("orders.events", "OrderCancelled", second), 1u);
  if (r2.status == 202) {
    EXPECT_EQ(count_events("orders.events", "OrderCommandRefused", second), 1u)
        << "the second CancelOrder should be refused with an event";
  }
  // A cancelled order cannot be cancelled again.
  const auto again = test::saga::cancel(c, second);
  EXPECT_EQ(again.status, 409) << again.body;
}

// 4) A REJECTED order cannot be cancelled: 409, and nothing is published. An unknown order: 404.
TEST(Saga, CancellingARejectedOrderIs409) {
  const std::string sku = new_sku(100, 0);
  auto c = pipeline().client();
  const std::string id = test::saga::place_accepted(c, test::unique("cust"), {{sku, 1}});
  ASSERT_EQ(order_view(test::saga::wait_decided(c, id)).status, "REJECTED") << context({id}, {sku});
  ASSERT_TRUE(quiet());
  const auto& brokers = pipeline().config().kafka_brokers;
  const auto commands_before = kafka::end_offset_total(brokers, pipeline().topic("orders.commands"));
  const auto r = test::saga::cancel(c, id);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(kafka::end_offset_total(brokers, pipeline().topic("orders.commands")), commands_before);
  EXPECT_EQ(pipeline().order_status(id), "REJECTED");
  const auto unknown = test::saga::cancel(c, "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

// 6) Carts: add, add, change a quantity, add and remove, read, check out -> a CONFIRMED order of the cart.
TEST(Saga, CartFlowEndToEnd) {
  const std::string x = new_sku(120, 10), y = new_sku(75, 10), z = new_sku(500, 10);
  const std::string cart = test::unique("cart");
  const std::string customer = test::unique("cust");
  auto c = pipeline().client();
  const auto add = [&](const std::string& sku, int quantity) {
    const auto r = c.post_json("/v1/carts/" + cart + "/items",
                               R"({"sku":")" + sku + R"(","quantity":)" + std::to_string(quantity) + "}");
    EXPECT_EQ(r.status, 202) << r.body;
  };
  add(x, 2);
  add(y, 1);
  add(x, 3);  // sets x's quantity
  add(z, 1);
  const auto del = c.request("DELETE", "/v1/carts/" + cart + "/items/" + z);
  EXPECT_EQ(del.status, 202) << del.body;

  CartView view;
  ASSERT_TRUE(test::wait_until(
      [&] {
        view = get_cart(c, cart);
        return view.status == 200 && view.items == std::map<std::string, int64_t>{{x, 3}, {y, 1}};
      },
      30s))
      << view.status << " " << view.body << context({}, {x, y, z});
  EXPECT_GE(view.version, 1);
  EXPECT_TRUE(view.last_order_id.empty()) << view.body;

  const std::string key = test::unique("checkout");
  const auto r = checkout(c, cart, customer, key);
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string order_id = json_string(r.body, "order_id");
  ASSERT_FALSE(order_id.empty()) << r.body;
  EXPECT_EQ(r.header("location"), "/v1/orders/" + order_id);

  const auto order = order_view(test::saga::wait_decided(c, order_id));
  ASSERT_EQ(order.status, "CONFIRMED") << context({order_id}, {x, y, z});
  EXPECT_EQ(order.customer_id, customer);
  EXPECT_EQ(order.total_cents, 3 * 120 + 1 * 75);
  const std::map<std::string, std::pair<int64_t, int64_t>> expected_lines = {{x, {3, 120}}, {y, {1, 75}}};
  EXPECT_EQ(order.lines, expected_lines);
  EXPECT_EQ(pipeline().sql("SELECT cart_id FROM orders.orders WHERE order_id = '" + order_id + "'"), cart);
  // The cart is emptied and remembers its order.
  ASSERT_TRUE(test::wait_until(
      [&] {
        view = get_cart(c, cart);
        return view.status == 200 && view.last_order_id == order_id && view.items.empty();
      },
      30s))
      << view.status << " " << view.body;

  // The same checkout again (a client retry): same order, nothing new, stock taken once.
  const auto retry = checkout(c, cart, customer, key);
  ASSERT_EQ(retry.status, 202) << retry.body;
  EXPECT_EQ(json_string(retry.body, "order_id"), order_id);
  ASSERT_TRUE(quiet()) << context({order_id}, {x, y, z});
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'"), "1");
  const auto after = order_view(c.get("/v1/orders/" + order_id).body);
  EXPECT_EQ(after.status, "CONFIRMED");
  EXPECT_EQ(after.lines, expected_lines);
  EXPECT_EQ(stock(x), (Stock{10, 7, 3}));
  EXPECT_EQ(stock(y), (Stock{10, 9, 1}));
  EXPECT_EQ(stock(z), (Stock{10, 10, 0}));
  view = get_cart(c, cart);
  EXPECT_TRUE(view.items.empty()) << view.body;
  EXPECT_EQ(view.last_order_id, order_id);
}

TEST(Saga, CheckingOutAnEmptyCartMakesARejectedOrder) {
  const std::string sku = new_sku(10, 10);
  auto c = pipeline().client();
  // A cart whose only item was removed, and a cart that never had one.
  const std::string emptied = test::unique("cart");
  ASSERT_EQ(c.post_json("/v1/carts/" + emptied + "/items", R"({"sku":")" + sku + R"(","quantity":1})").status,
            202);
  ASSERT_EQ(c.request("DELETE", "/v1/carts/" + emptied + "/items/" + sku).status, 202);
  const std::string never = test::unique("cart");
  std::vector<std::string> ids;
  for (const auto& cart : {emptied, never}) {
    const auto r = checkout(c, cart, test::unique("cust"), test::unique("checkout"));
    ASSERT_EQ(r.status, 202) << cart << ": " << r.body;
    const std::string id = json_string(r.body, "order_id");
    ASSERT_FALSE(id.empty()) << r.body;
    ids.push_back(id);
    const auto order = order_view(test::saga::wait_decided(c, id));
    EXPECT_EQ(order.status, "REJECTED") << cart << context({id}, {sku});
    EXPECT_FALSE(order.reason.empty());
    EXPECT_TRUE(order.lines.empty());
  }
  ASSERT_TRUE(quiet()) << context(ids, {sku});
  EXPECT_EQ(stock(sku), (Stock{10, 10, 0}));
}

// 7) An admin restock: an order that was short confirms afterwards; available = on_hand - reserved.
TEST(Saga, AdminRestockLetsAShortOrderConfirm) {
  const std::string sku = new_sku(500, 1);
  const std::string customer = test::unique("cust");
  auto c = pipeline().client();
  const std::string before = test::saga::place_accepted(c, customer, {{sku, 3}});
  const auto rejected = order_view(test::saga::wait_decided(c, before));
  ASSERT_EQ(rejected.status, "REJECTED") << context({before}, {sku});
  EXPECT_NE(rejected.reason.find(sku), std::string::npos) << rejected.reason;

  const auto put = admin_set_stock(c, sku, 5);
  ASSERT_EQ(put.status, 202) << put.body;
  ASSERT_TRUE(test::wait_until(
      [&] {
        return stock(sku) == Stock{5, 5, 0};
      },
      30s))
      << context({before}, {sku});

  const std::string after = test::saga::place_accepted(c, customer, {{sku, 3}});
  const auto confirmed = order_view(test::saga::wait_decided(c, after));
  ASSERT_EQ(confirmed.status, "CONFIRMED") << context({before, after}, {sku});
  EXPECT_EQ(confirmed.total_cents, 1500);
  ASSERT_TRUE(test::wait_until([&] { return stock(sku) == Stock{5, 2, 3}; }, 30s)) << context({after}, {sku});

  // Setting on_hand while 3 are reserved: available follows as on_hand - reserved.
  ASSERT_EQ(admin_set_stock(c, sku, 10).status, 202);
  ASSERT_TRUE(test::wait_until(
      [&] {
        return stock(sku) == Stock{10, 7, 3};
      },
      30s))
      << context({after}, {sku});
  ASSERT_TRUE(quiet());
  EXPECT_EQ(pipeline().order_status(after), "CONFIRMED");
}

// 8) Prices come from the catalog, never from the client: total_cents = sum(quantity * price).
TEST(Saga, PricesComeFromTheCatalog) {
  const std::string p1 = new_sku(1999, 20), p2 = new_sku(1, 20), p3 = new_sku(0, 20);
  auto c = pipeline().client();
  const std::string id = test::saga::place_accepted(c, test::unique("cust"), {{p1, 3}, {p2, 7}, {p3, 2}});
  const auto started = std::chrono::steady_clock::now();
  const auto r = c.get("/v1/orders/" + id + "?wait=20");
  // ?wait answers as soon as the order is decided, not at the end of the wait.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
  auto order = order_view(r.body);
  if (order.status != "CONFIRMED") order = order_view(test::saga::wait_decided(c, id));
  ASSERT_EQ(order.status, "CONFIRMED") << context({id}, {p1, p2, p3});
  const int64_t total = 3 * 1999 + 7 * 1 + 2 * 0;
  EXPECT_EQ(order.total_cents, total);
  const std::map<std::string, std::pair<int64_t, int64_t>> expected = {
      {p1, {3, 1999}}, {p2, {7, 1}}, {p3, {2, 0}}};
  EXPECT_EQ(order.lines, expected);
  EXPECT_TRUE(order.reason.empty()) << order.reason;
  EXPECT_EQ(pipeline().sql("SELECT total_cents FROM orders.orders WHERE order_id = '" + id + "'"),
            std::to_string(total));

  ASSERT_TRUE(quiet());
  bool placed = false, confirmed = false;
  for (const auto& e : test::saga::read_events(pipeline(), "orders.events").events) {
    if (e.order_id != id) continue;
    if (e.type == "OrderPlaced") {
      placed = true;
      EXPECT_EQ(e.total_cents, total) << e.raw;
    }
    if (e.type == "OrderConfirmed") {
      confirmed = true;
      EXPECT_EQ(e.total_cents, total) << e.raw;
    }
  }
  EXPECT_TRUE(placed);
  EXPECT_TRUE(confirmed);
}

// 5) Replay: the orders and inventory groups read everything again from offset 0; nothing changes.
TEST(Saga, ReplayingOrdersAndInventoryFromTheStartChangesNothing) {
  ASSERT_TRUE(quiet()) << pipeline().progress();
  const auto before = snapshot();
  ASSERT_GT(before.size(), 50u);
  const auto orders_events = event_ids("orders.events");
  const auto inventory_events = event_ids("inventory.events");

  for (const std::string role : {"orders", "inventory"}) {
    const int status = pipeline().worker(role).stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << role << " status " << status;
  }
  const std::string& prefix = pipeline().config().topic_prefix;
  test::sql_exec(pipeline().dsn(), "DELETE FROM runtime.consumer_offsets WHERE group_id IN ('" + prefix +
                                       "orders', '" + prefix + "inventory')");
  pipeline().start_worker("inventory");
  pipeline().start_worker("orders");
  ASSERT_TRUE(test::wait_until(
      [] { return pipeline().caught_up("orders") && pipeline().caught_up("inventory"); }, 120s, 200ms))
      << pipeline().progress();
  ASSERT_TRUE(quiet(120s)) << pipeline().progress();

  const auto after = snapshot();
  EXPECT_TRUE(before == after) << snapshot_diff(before, after)
                               << test::saga::worker_logs(pipeline(), {"orders", "inventory"});
  // Whatever the replay re-sent carries the ids of the first time: no new event.
  std::vector<std::string> new_ids;
  for (const auto& [topic, old_ids] : std::vector<std::pair<std::string, std::set<std::string>>>{
           {"orders.events", orders_events}, {"inventory.events", inventory_events}}) {
    for (const auto& e : test::saga::read_events(pipeline(), topic).events) {
      if (!old_ids.count(e.id)) new_ids.push_back(topic + " " + e.raw);
    }
  }
  EXPECT_TRUE(new_ids.empty()) << new_ids.size() << " new event(s) after the replay:\n"
                               << test::saga::first_lines(new_ids);
}

// Beyond the issue's list (run with --gtest_also_run_disabled_tests): the carts group replayed from the
// start. Guarantee 3 asks the same of every worker; a replayed AddCartItem must not refill a cart that
// was checked out.
TEST(Saga, ReplayingTheCartsGroupFromTheStartChangesNothing) {
  ASSERT_TRUE(quiet()) << pipeline().progress();
  const auto before = snapshot();
  const int status = pipeline().worker("carts").stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "carts status " << status;
  test::sql_exec(pipeline().dsn(), "DELETE FROM runtime.consumer_offsets WHERE group_id = '" +
                                       pipeline().config().topic_prefix + "carts'");
  pipeline().start_worker("carts");
  ASSERT_TRUE(test::wait_until([] { return pipeline().caught_up("carts"); }, 120s, 200ms))
      << pipeline().progress();
  ASSERT_TRUE(quiet(120s)) << pipeline().progress();
  const auto after = snapshot();
  EXPECT_TRUE(before == after) << snapshot_diff(before, after)
                               << test::saga::worker_logs(pipeline(), {"carts"});
}

// 9) Every event is a valid envelope of a type its topic lists, keyed as documented; an id never
// stands for two different contents; each order's events tell its story once.
TEST(Saga, EveryEventIsAValidEnvelopeAndIdsAreStable) {
  ASSERT_TRUE(quiet());
  const auto orders = test::saga::read_events(pipeline(), "orders.events");
  const auto inventory = test::saga::read_events(pipeline(), "inventory.events");
  EXPECT_GT(orders.events.size(), 50u);
  EXPECT_GT(inventory.events.size(), 20u);
  EXPECT_TRUE(orders.problems.empty()) << test::saga::first_lines(orders.problems);
  EXPECT_TRUE(inventory.problems.empty()) << test::saga::first_lines(inventory.problems);
  EXPECT_TRUE(orders.conflicts.empty()) << test::saga::first_lines(orders.conflicts);
  EXPECT_TRUE(inventory.conflicts.empty()) << test::saga::first_lines(inventory.conflicts);

  const auto stories = test::saga::order_story_problems(
      orders, test::sql_rows(pipeline().dsn(), "SELECT order_id, status FROM orders.orders"));
  EXPECT_TRUE(stories.empty()) << stories.size() << " order(s):\n" << test::saga::first_lines(stories);
  const auto twice = test::saga::announced_twice(inventory);
  EXPECT_TRUE(twice.empty()) << test::saga::first_lines(twice);
}

TEST(Saga, VerifyIsCleanAfterTheSuite) {
  ASSERT_TRUE(quiet());
  const auto r = pipeline().run_ctl({"verify", "--pending-seconds", "30"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(r.output.empty());
}

// Last: it tampers with the database (and repairs it).
TEST(Saga, VerifyExitsOneOnATamperedDatabase) {
  const std::string sku = new_sku(100, 5);
  auto c = pipeline().client();
  const std::string id = test::saga::place_accepted(c, test::unique("cust"), {{sku, 2}});
  ASSERT_EQ(order_view(test::saga::wait_decided(c, id)).status, "CONFIRMED");
  ASSERT_TRUE(quiet());
  const auto clean = pipeline().run_ctl({"verify"});
  ASSERT_EQ(clean.exit_code, 0) << clean.output;

  test::sql_exec(pipeline().dsn(),
                 "UPDATE inventory.stock SET available = available + 1 WHERE sku = '" + sku + "'");
  const auto tampered = pipeline().run_ctl({"verify"});
  EXPECT_EQ(tampered.exit_code, 1) << tampered.output;
  EXPECT_NE(tampered.output.find(sku), std::string::npos) << "the report should name the sku:\n"
                                                          << tampered.output;

  test::sql_exec(pipeline().dsn(),
                 "UPDATE inventory.stock SET available = available - 1 WHERE sku = '" + sku + "'");
  const auto repaired = pipeline().run_ctl({"verify"});
  EXPECT_EQ(repaired.exit_code, 0) << repaired.output;
}
