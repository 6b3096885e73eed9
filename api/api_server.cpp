#include "api_server.hpp"

#include <pistache/endpoint.h>
#include <spdlog/spdlog.h>

#include "admin_page_routes.hpp"
#include "admin_routes.hpp"
#include "cart_routes.hpp"
#include "command_replies.hpp"
#include "dead_letter_routes.hpp"
#include "event_stream_routes.hpp"
#include "openapi_doc.hpp"
#include "order_routes.hpp"
#include "order_store.hpp"
#include "order_waiter.hpp"
#include "orderflow/http_util.hpp"
#include "orderflow/ops_routes.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/producers/command_publisher.hpp"
#include "product_routes.hpp"
#include "rate_limits.hpp"
#include "router.hpp"
#include "sales_routes.hpp"
#include "view_notifications.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

class Handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)
  explicit Handler(const Router& router) : router_(router) {}
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    http::keep_alive_by_default(request, response);
    router_.dispatch(request, std::move(response));
  }

 private:
  const Router& router_;
};

// The database lane: threads that may block on PostgreSQL, requests queued at most, and how long one
// may wait for a thread before it gets 503 instead.
constexpr size_t kDatabaseThreads = 4;
constexpr size_t kDatabaseQueue = 256;
constexpr std::chrono::milliseconds kDatabaseMaxWait(2000);

// Requests parked by GET /v1/orders/{id}?wait at most (then 503), and how often all their orders are
// read even if no notification named them (a safety net: notifications are the way they are woken).
constexpr size_t kMaxOrderWaiters = 10000;
constexpr std::chrono::milliseconds kOrderWaiterRecheck(2000);

// What an operator must know of how open this api is; keys themselves are never logged.
void warn_about_access(const Config& c, const ApiKeys& keys) {
  if (keys.required()) {
    spdlog::info("{} API keys configured{}: every /v1 route takes a key", keys.size(),
                 keys.has_admin_token() ? " (and the admin token)" : "");
  } else {
    spdlog::warn(
        "no API keys configured (ORDERFLOW_API_KEYS_FILE, ORDERFLOW_API_KEYS): the order, cart "
        "and product routes are open to anyone; admin routes {}",
        keys.has_admin_token() ? "take the admin token" : "are disabled");
  }
  if (c.order_id_secret.empty())
    spdlog::warn(
        "ORDERFLOW_ORDER_ID_SECRET is not set: order ids can be computed from customer id and "
        "Idempotency-Key");
}

}  // namespace

struct ApiServer::Impl {
  const Config& config;
  kafka::Producer producer;
  producers::CommandPublisher publisher;
  CommandReplies replies;
  OrderStore store;
  CatalogStore catalog;
  CartStore carts;
  ViewNotifications notifications;  // the waiter's thread's only
  OrderWaiter waiter;
  OrderRoutes orders;
  CartRoutes cart_routes;
  ProductRoutes products;
  AdminRoutes admin;
  DeadLetterRoutes dead_letters;
  SalesRoutes sales;
  EventStreamRoutes events;
  AdminPageRoutes admin_page;
  DatabaseLane database_lane{kDatabaseThreads, kDatabaseQueue, kDatabaseMaxWait};
  Gate gate;
  RateLimits limits;
  Router router{&database_lane, &gate, &limits};
  const std::string openapi = bundled_openapi();  // bundled once: a bad $ref stops the start
  ops::Checks ops_checks{{"kafka", [this] { return producer.reachable(std::chrono::milliseconds(1000)); }},
                         {"postgres", [this] { return store.reachable(); }}};
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;

  explicit Impl(const Config& c)
      : config(c),
        producer(kafka::ProducerOptions{c.kafka_brokers, "orderflow-api", c.produce_timeout_ms, 2}),
        publisher(c, producer),
        replies(publisher),
        // Each context is read from its owner's database (ORDERFLOW_PG_DSN_<ROLE>, else ORDERFLOW_PG_DSN);
        // the read models from the projections' one.
        store(c.pg_dsn_for("projections"), c.pg_dsn_for("orders")),
        catalog(c.pg_dsn_for("orders"), c.pg_dsn_for("projections")),
        carts(c.pg_dsn_for("carts"), c.pg_dsn_for("orders")),
        notifications(c.pg_dsn_for("projections"), pg::kViewsOrdersChannel),
        waiter([this](const std::vector<std::string>& ids,
                      bool decided_only) { return store.orders_json(ids, decided_only); },
               [this](std::chrono::milliseconds timeout) { return notifications.wait(timeout); },
               kMaxOrderWaiters, c.waiters_per_client, kOrderWaiterRecheck),
        orders(c, replies, store, waiter),
        cart_routes(c, replies, carts, catalog),
        products(catalog),
        admin(c, replies, catalog),
        dead_letters(c),
        sales(c),
        events(c, c.max_event_streams),
        gate(ApiKeys::from_config(c)),
        limits(c) {
    warn_about_access(c, gate.keys());
    orders.register_on(router);
    cart_routes.register_on(router);
    products.register_on(router);
    admin.register_on(router);
    dead_letters.register_on(router);
    sales.register_on(router);
    events.register_on(router);
    admin_page.register_on(router);
    for (const auto path : ops::kPaths) {
      // /readyz asks PostgreSQL (a full lane then says "not ready"); /healthz and /metrics do not.
      router.add(
          Method::Get, std::string(path),
          [this, path](const auto&, const PathParams&, Exchange& e) {
            const auto reply = *ops::answer(path, ops_checks);
            e.reply(reply.code, reply.body, reply.type);
          },
          path == "/readyz" ? Needs::database : Needs::no_database);
    }
    router.add(
        Method::Get, "/openapi.json",
        [this](const auto&, const PathParams&, Exchange& e) { e.reply(Code::Ok, openapi); },
        Needs::no_database);
  }
};

ApiServer::ApiServer(const Config& config) : impl_(std::make_unique<Impl>(config)) {}
ApiServer::~ApiServer() = default;

void ApiServer::start() {
  auto& c = impl_->config;
  impl_->endpoint = std::make_unique<Pistache::Http::Endpoint>(
      Pistache::Address(c.bind_address, Pistache::Port(c.api_port)));
  // Pistache 0.0.5 defaults to 4 KiB requests and 1 thread: both far too small. Bodies up to 16x our
  // own limit reach us, so we answer 413 with a JSON body; beyond that Pistache answers 413 itself.
  impl_->endpoint->init(Pistache::Http::Endpoint::options()
                            .threads(static_cast<int>(c.api_threads))
                            .maxRequestSize(c.max_body_bytes * 16 + 16384)
                            .flags(Pistache::Tcp::Options::ReuseAddr));
  impl_->endpoint->setHandler(Pistache::Http::make_handler<Handler>(impl_->router));
  impl_->endpoint->serveThreaded();
  spdlog::info("api listening on {}:{}", c.bind_address, c.api_port);
}

void ApiServer::stop() {
  const auto flush_timeout = std::chrono::milliseconds(impl_->config.produce_timeout_ms + 1000);
  // Pistache cannot stop accepting without closing every connection, and drops replies still queued
  // when it does. So first settle what is owed while connections are served: the waiting GETs get their
  // order's current state, the commands in flight their delivery reports (hence their 202 or 503),
  // and all those replies reach their sockets. Then close, and flush what arrived meanwhile.
  impl_->waiter.stop();
  impl_->events.stop();
  impl_->producer.flush(flush_timeout);
  if (!Exchange::drain(std::chrono::seconds(2)))
    spdlog::warn("some replies were not written before shutdown");
  if (impl_->endpoint) impl_->endpoint->shutdown();
  impl_->producer.flush(flush_timeout);
}

}  // namespace orderflow::api
