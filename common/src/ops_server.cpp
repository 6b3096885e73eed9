#include "orderflow/ops_server.hpp"

#include <pistache/endpoint.h>
#include <pistache/router.h>

#include "orderflow/http_util.hpp"
#include "orderflow/metrics.hpp"

namespace orderflow {

struct OpsServer::Impl {
  std::function<bool()> ready;
  Pistache::Rest::Router router;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
};

OpsServer::OpsServer(const std::string& bind_address, uint16_t port, std::function<bool()> ready)
    : impl_(std::make_unique<Impl>()) {
  using namespace Pistache;
  impl_->ready = std::move(ready);
  auto* impl = impl_.get();
  Rest::Routes::Get(impl_->router, "/metrics", [](const Rest::Request&, Http::ResponseWriter response) {
    response.headers().add<Http::Header::ContentType>(MIME(Text, Plain));
    response.send(Http::Code::Ok, metrics::serialize());
    return Rest::Route::Result::Ok;
  });
  Rest::Routes::Get(impl_->router, "/healthz", [](const Rest::Request&, Http::ResponseWriter response) {
    http::send_json(response, Http::Code::Ok, R"({"status":"ok"})");
    return Rest::Route::Result::Ok;
  });
  Rest::Routes::Get(impl_->router, "/readyz", [impl](const Rest::Request&, Http::ResponseWriter response) {
    const bool ok = impl->ready();
    http::send_json(response, ok ? Http::Code::Ok : Http::Code::Service_Unavailable,
                    ok ? R"({"status":"ready"})" : R"({"status":"not ready"})");
    return Rest::Route::Result::Ok;
  });
  impl_->endpoint = std::make_unique<Http::Endpoint>(Address(bind_address, Port(port)));
  impl_->endpoint->init(Http::Endpoint::options().threads(1).flags(Tcp::Options::ReuseAddr));
  impl_->endpoint->setHandler(impl_->router.handler());
  impl_->endpoint->serveThreaded();
}

OpsServer::~OpsServer() {
  impl_->endpoint->shutdown();
}

}  // namespace orderflow
