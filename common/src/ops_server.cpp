#include "orderflow/ops_server.hpp"

#include <pistache/endpoint.h>

#include "orderflow/http_util.hpp"

namespace orderflow {
namespace {

class OpsHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(OpsHandler)
  explicit OpsHandler(const ops::Checks& checks) : checks_(checks) {}
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override {
    using Pistache::Http::Code;
    http::keep_alive_by_default(request, response);
    auto reply = request.method() == Pistache::Http::Method::Get ? ops::answer(request.resource(), checks_)
                                                                 : std::nullopt;
    if (!reply) {
      http::send_error(response, Code::Not_Found, "not_found",
                       "the ops endpoint serves /healthz, /readyz, /metrics");
      return;
    }
    response.headers().add<Pistache::Http::Header::ContentType>(reply->type);
    response.send(reply->code, reply->body);
  }

 private:
  const ops::Checks& checks_;
};

}  // namespace

struct OpsServer::Impl {
  ops::Checks checks;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint;
};

OpsServer::OpsServer(const std::string& bind_address, uint16_t port, ops::Checks checks)
    : impl_(std::make_unique<Impl>()) {
  impl_->checks = std::move(checks);
  impl_->endpoint =
      std::make_unique<Pistache::Http::Endpoint>(Pistache::Address(bind_address, Pistache::Port(port)));
  impl_->endpoint->init(
      Pistache::Http::Endpoint::options().threads(1).flags(Pistache::Tcp::Options::ReuseAddr));
  impl_->endpoint->setHandler(Pistache::Http::make_handler<OpsHandler>(impl_->checks));
  impl_->endpoint->serveThreaded();
}

OpsServer::~OpsServer() {
  impl_->endpoint->shutdown();
}

}  // namespace orderflow
