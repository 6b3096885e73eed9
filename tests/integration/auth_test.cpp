// Who may call what: every route of the api (api/access.cpp's rows) × no key, a key that is not
// valid, and each role's key; the namespace of a partner key; ownership of orders; order ids that
// need the server's secret.
#include <gtest/gtest.h>

#include <algorithm>

#include "access.hpp"
#include "orderflow/digest.hpp"
#include "orderflow/ids.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using Pistache::Http::Method;

namespace {

constexpr const char* kSecret = "auth-test-order-id-secret";

test::Pipeline& pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = true, .roles = {}, .env = {{"ORDERFLOW_ORDER_ID_SECRET", kSecret}}});
  return p;
}

// What this test expects of each route, written here independently of api/access.cpp: a route added
// there (or to the router) without a row here fails EveryRouteHasARowHere.
struct Expected {
  Method method;
  std::string pattern;
  std::string target;  // a request path for the pattern
  std::string body;
  bool open, storefront, partner, admin;
};

const std::string kOrderBody = R"({"customer_id":"partner:c1","lines":[{"sku":"NO-SUCH","quantity":1}]})";
const std::string kOrderId = "00000000-0000-4000-8000-000000000000";

const std::vector<Expected>& expected() {
  static const std::vector<Expected> rows = {
      {Method::Get, "/healthz", "/healthz", "", true, true, true, true},
      {Method::Get, "/readyz", "/readyz", "", true, true, true, true},
      {Method::Get, "/metrics", "/metrics", "", true, true, true, true},
      {Method::Get, "/openapi.json", "/openapi.json", "", true, true, true, true},
      {Method::Get, "/admin", "/admin", "", true, true, true, true},
      {Method::Get, "/admin/admin.js", "/admin/admin.js", "", true, true, true, true},
      {Method::Get, "/admin/admin.css", "/admin/admin.css", "", true, true, true, true},
      {Method::Get, "/v1/products", "/v1/products", "", false, true, true, true},
      {Method::Get, "/v1/products/:sku", "/v1/products/NO-SUCH", "", false, true, true, true},
      {Method::Post, "/v1/orders", "/v1/orders", kOrderBody, false, true, true, true},
      {Method::Get, "/v1/orders/:id", "/v1/orders/" + kOrderId, "", false, true, true, true},
      {Method::Get, "/v1/customers/:customer_id/orders", "/v1/customers/partner:c1/orders", "", false, true,
       true, true},
      {Method::Post, "/v1/orders/:id/cancel", "/v1/orders/" + kOrderId + "/cancel", "", false, true, false,
       true},
      {Method::Post, "/v1/carts/:cart_id/items", "/v1/carts/auth-cart/items",
       R"({"sku":"NO-SUCH","quantity":1})", false, true, false, true},
      {Method::Delete, "/v1/carts/:cart_id/items/:sku", "/v1/carts/auth-cart/items/NO-SUCH", "", false, true,
       false, true},
      {Method::Post, "/v1/carts/:cart_id/checkout", "/v1/carts/auth-cart/checkout",
       R"({"customer_id":"partner:c1"})", false, true, false, true},
      {Method::Get, "/v1/carts/:cart_id", "/v1/carts/auth-cart", "", false, true, false, true},
      {Method::Put, "/v1/admin/stock/:sku", "/v1/admin/stock/NO-SUCH", R"({"on_hand":1})", false, false,
       false, true},
      {Method::Get, "/v1/admin/dead-letters", "/v1/admin/dead-letters", "", false, false, false, true},
      {Method::Get, "/v1/admin/sales", "/v1/admin/sales", "", false, false, false, true},
      {Method::Get, "/v1/admin/events", "/v1/admin/events?follow=false&limit=1", "", false, false, false,
       true},
  };
  return rows;
}

http::Response call(const Expected& row, const std::string& key) {
  auto c = pipeline().client_with_key(key);
  return c.request(Pistache::Http::methodString(row.method), row.target, row.body,
                   {{"Content-Type", "application/json"}, {"Idempotency-Key", "auth-k"}});
}

}  // namespace

TEST(EveryRoute, HasARowHere) {
  for (const auto& route : api::route_access()) {
    const bool found = std::any_of(expected().begin(), expected().end(), [&](const Expected& e) {
      return e.method == route.method && e.pattern == route.pattern;
    });
    EXPECT_TRUE(found) << Pistache::Http::methodString(route.method) << " " << route.pattern
                       << " has no row in auth_test.cpp: say what each role gets";
  }
  for (const auto& e : expected()) {
    const auto row = api::access_for(e.method, e.pattern);
    ASSERT_TRUE(row) << e.pattern;
    EXPECT_EQ(row->open, e.open) << e.pattern;
    EXPECT_EQ(row->storefront, e.storefront) << e.pattern;
    EXPECT_EQ(row->partner, e.partner) << e.pattern;
    EXPECT_EQ(row->admin, e.admin) << e.pattern;
  }
}

TEST(EveryRoute, WithoutAKeyIs401WithAChallengeUnlessOpen) {
  for (const auto& row : expected()) {
    SCOPED_TRACE(row.target);
    const auto r = call(row, "");
    if (row.open) {
      EXPECT_NE(r.status, 401) << r.body;
      EXPECT_NE(r.status, 403) << r.body;
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
      EXPECT_EQ(r.header("www-authenticate"), R"(Bearer realm="orderflow")");
      EXPECT_NE(r.body.find(R"("field":"Authorization")"), std::string::npos) << r.body;
    }
  }
}

TEST(EveryRoute, AKeyThatIsNotValidIs403UnlessOpen) {
  const auto& s = pipeline().storefront_key();
  const std::string wrong_secret = s.substr(0, s.find('.')) + ".not-the-secret";
  for (const auto& row : expected()) {
    SCOPED_TRACE(row.target);
    for (const auto& key : {wrong_secret, std::string("unknown.key"), std::string("no-dot")}) {
      const auto r = call(row, key);
      if (row.open) {
        EXPECT_NE(r.status, 403) << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << key << ": " << r.body;
      }
    }
  }
}

TEST(EveryRoute, EachRoleGetsInOrIs403) {
  const std::vector<std::pair<std::string, bool Expected::*>> roles = {
      {pipeline().storefront_key(), &Expected::storefront},
      {pipeline().partner_key(), &Expected::partner},
      {pipeline().admin_key(), &Expected::admin},
  };
  for (const auto& row : expected()) {
    for (const auto& [key, allowed] : roles) {
      SCOPED_TRACE(row.target + " as " + key.substr(0, key.find('.')));
      const auto r = call(row, key);
      EXPECT_NE(r.status, 401) << r.body;
      if (row.*allowed) {
        EXPECT_NE(r.status, 403) << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_NE(r.body.find("may not call this route"), std::string::npos) << r.body;
      }
    }
  }
}

TEST(Keys, XApiKeyWorksLikeABearerKey) {
  auto c = pipeline().client_with_key("");
  EXPECT_EQ(c.request("GET", "/v1/products", {}, {{"X-Api-Key", pipeline().storefront_key()}}).status, 200);
  EXPECT_EQ(c.request("GET", "/v1/products", {}, {{"X-Api-Key", "test-storefront.wrong"}}).status, 403);
}

TEST(Keys, TheAdminTokenIsNotNeededWhenKeysAreConfigured) {
  // This pipeline has no ORDERFLOW_ADMIN_TOKEN: its admin key alone opens the admin routes.
  auto admin = pipeline().client_with_key(pipeline().admin_key());
  EXPECT_EQ(admin.get("/v1/admin/dead-letters").status, 200);
}

// ---------------------------------------------------------------------------------------------------
// A partner's namespace, and who may see an order

namespace {

std::string seed_order(const std::string& customer, const std::string& status) {
  const std::string id = random_uuid();
  test::sql_exec(pipeline().dsn(),
                 "INSERT INTO orders.orders (order_id, customer_id, idempotency_key, status, total_cents, "
                 "placed_at) VALUES ('" +
                     id + "', '" + customer + "', 'k', '" + status + "', 100, now())");
  // GETs read the projections' view of it (no projections worker runs here).
  test::seed_view_order(pipeline().dsn(), id, customer, status, 100);
  return id;
}

http::Response place(http::Client& c, const std::string& customer, const std::string& key) {
  return c.post_json("/v1/orders",
                     R"({"customer_id":")" + customer + R"(","lines":[{"sku":"A","quantity":1}]})",
                     {{"Idempotency-Key", key}});
}

}  // namespace

TEST(PartnerNamespace, PlacesOnlyForItsOwnCustomers) {
  auto partner = pipeline().client_with_key(pipeline().partner_key());
  for (const std::string other : {"acme:c1", "c1", "partner", "partner:", "partnerx:c1"}) {
    SCOPED_TRACE(other);
    const auto r = place(partner, other, "ns-" + other);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_NE(r.body.find(R"("field":"customer_id")"), std::string::npos) << r.body;
  }
  EXPECT_EQ(place(partner, "partner:c1", "ns-own").status, 202);
}

TEST(PartnerNamespace, AnotherCustomersOrderIs404ToAPartner) {
  auto partner = pipeline().client_with_key(pipeline().partner_key());
  const auto theirs = seed_order("acme:c1", "CONFIRMED");
  const auto pending = seed_order("acme:c2", "PENDING");
  const auto mine = seed_order("partner:c1", "CONFIRMED");
  EXPECT_EQ(partner.get("/v1/orders/" + theirs).status, 404);
  EXPECT_EQ(partner.get("/v1/orders/" + theirs + "?wait=1").status, 404);   // decided already
  EXPECT_EQ(partner.get("/v1/orders/" + pending + "?wait=1").status, 404);  // through the waiter
  const auto own = partner.get("/v1/orders/" + mine);
  EXPECT_EQ(own.status, 200) << own.body;
  // The storefront key (no namespace) acts for every customer.
  EXPECT_EQ(pipeline().client().get("/v1/orders/" + theirs).status, 200);
}

TEST(Ownership, ANamespacedStorefrontCannotCancelAnotherCustomersOrder) {
  // A storefront key may be bound to a namespace too; cancelling outside it is 404, like a missing order.
  const std::string secret = random_uuid();
  test::Pipeline p(test::Pipeline::Options{
      .api = true,
      .roles = {},
      .env = {{"ORDERFLOW_API_KEYS", "shop storefront shop " + to_hex(sha256(secret))}},
      .api_keys = false});
  auto shop = p.client_with_key("shop." + secret);
  const std::string other = random_uuid(), own = random_uuid();
  for (const auto& [id, customer] : {std::pair{other, "acme:c1"}, std::pair{own, "shop:c1"}}) {
    test::sql_exec(p.dsn(),
                   "INSERT INTO orders.orders (order_id, customer_id, idempotency_key, status, total_cents, "
                   "placed_at) VALUES ('" +
                       id + "', '" + customer + "', 'k', 'PENDING', 100, now())");
  }
  EXPECT_EQ(shop.post_json("/v1/orders/" + other + "/cancel", "").status, 404);
  EXPECT_EQ(shop.post_json("/v1/orders/" + own + "/cancel", "").status, 202);
  const auto checkout = shop.post_json("/v1/carts/shop-cart/checkout", R"({"customer_id":"acme:c1"})",
                                       {{"Idempotency-Key", "co-1"}});
  EXPECT_EQ(checkout.status, 403) << checkout.body;
  EXPECT_NE(checkout.body.find(R"("field":"customer_id")"), std::string::npos) << checkout.body;
}

// ---------------------------------------------------------------------------------------------------
// Order ids

TEST(OrderIds, NeedTheServersSecretAndStayTheSameOnARetry) {
  auto c = pipeline().client();
  const auto first = place(c, "ids-c1", "ids-k1");
  ASSERT_EQ(first.status, 202) << first.body;
  const auto retry = place(c, "ids-c1", "ids-k1");
  ASSERT_EQ(retry.status, 202) << retry.body;
  EXPECT_EQ(first.header("location"), retry.header("location"));
  EXPECT_EQ(first.header("location"), "/v1/orders/" + order_id_for("ids-c1", "ids-k1", kSecret));
  EXPECT_NE(first.header("location"), "/v1/orders/" + order_id_for("ids-c1", "ids-k1"));
}
