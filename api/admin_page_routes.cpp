#include "admin_page_routes.hpp"

#include "orderflow/resources.hpp"
#include "text_header.hpp"

namespace orderflow::api {
namespace {

ORDERFLOW_TEXT_HEADER(ContentSecurityPolicy, "Content-Security-Policy")
ORDERFLOW_TEXT_HEADER(ContentTypeOptions, "X-Content-Type-Options")
ORDERFLOW_TEXT_HEADER(ReferrerPolicy, "Referrer-Policy")
ORDERFLOW_TEXT_HEADER(FrameOptions, "X-Frame-Options")

constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void serve(Exchange& exchange, const char* path, const char* type) {
  auto& headers = exchange.writer().headers();
  headers.add<ContentSecurityPolicy>(kPolicy);
  headers.add<ContentTypeOptions>("nosniff");
  headers.add<ReferrerPolicy>("no-referrer");
  headers.add<FrameOptions>("DENY");
  headers.add<Pistache::Http::Header::CacheControl>(Pistache::Http::CacheDirective::NoCache);
  exchange.reply(Pistache::Http::Code::Ok, std::string(resource(path)),
                 Pistache::Http::Mime::MediaType::fromString(type));
}

}  // namespace

void AdminPageRoutes::register_on(Router& router) {
  using Pistache::Http::Method;
  router.add(Method::Get, "/admin", [](const auto&, const PathParams&, Exchange& e) {
    serve(e, "api/admin_page/index.html", "text/html; charset=utf-8");
  });
  router.add(Method::Get, "/admin/admin.js", [](const auto&, const PathParams&, Exchange& e) {
    serve(e, "api/admin_page/admin.js", "text/javascript; charset=utf-8");
  });
  router.add(Method::Get, "/admin/admin.css", [](const auto&, const PathParams&, Exchange& e) {
    serve(e, "api/admin_page/admin.css", "text/css; charset=utf-8");
  });
}

}  // namespace orderflow::api
