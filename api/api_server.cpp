#include "api_server.hpp"

#include <pistache/endpoint.h>
#include <spdlog/spdlog.h>

#include "order_routes.hpp"
#include "order_store.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/metrics.hpp"
#include "router.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

class Handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(Handler)
  explicit Handler(const Router& router) : router_(router) {}
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    router_.dispatch(request, std::move(response));
  }

 private:
  const Router& router_;
};

}  // namespace

struct ApiServer::Impl {
  const Config& config;
  kafka::Producer producer;
  OrderStore store;
  OrderRoutes orders;
  Router router;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;

  explicit Impl(const Config& c)
      : config(c),
        producer(kafka::ProducerOptions{c.kafka_brokers, "orderflow-api", c.produce_timeout_ms, 2}),
        store(c.pg_dsn),
        orders(c, producer, store) {
    orders.register_on(router);
    router.add(Method::Get, "/healthz", [](const auto&, const PathParams&, Exchange& e) {
      e.reply(Code::Ok, R"({"status":"ok"})");
    });
    router.add(Method::Get, "/readyz", [this](const auto&, const PathParams&, Exchange& e) {
      const bool kafka_ok = producer.reachable(std::chrono::milliseconds(1000));
      const bool pg_ok = store.reachable();
      e.reply(kafka_ok && pg_ok ? Code::Ok : Code::Service_Unavailable,
              fmt::format(R"({{"status":"{}","kafka":{},"postgres":{}}})", kafka_ok && pg_ok ? "ready" : "not ready",
                          kafka_ok, pg_ok));
    });
    router.add(Method::Get, "/metrics", [](const auto&, const PathParams&, Exchange& e) {
      e.writer().headers().add<Pistache::Http::Header::ContentType>(MIME(Text, Plain));
      e.writer().send(Code::Ok, metrics::serialize());
    });
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
  if (impl_->endpoint) impl_->endpoint->shutdown();
  impl_->producer.flush(std::chrono::milliseconds(impl_->config.produce_timeout_ms + 1000));
}

}  // namespace orderflow::api
