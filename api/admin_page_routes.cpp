#include "admin_page_routes.hpp"

#include "orderflow/resources.hpp"

namespace orderflow::api {
namespace {

// Pistache 0.0.5 drops headers added with addRaw: each header is a typed one.
#define ORDERFLOW_FIXED_HEADER(Class, Name)                         \
  class Class : public Pistache::Http::Header::Header {             \
   public:                                                          \
    NAME(Name)                                                      \
    Class() = default;                                              \
    explicit Class(std::string value) : value_(std::move(value)) {} \
    void write(std::ostream& os) const override { os << value_; }   \
                                                                    \
   private:                                                         \
    std::string value_;                                             \
  };
ORDERFLOW_FIXED_HEADER(ContentSecurityPolicy, "Content-Security-Policy")
ORDERFLOW_FIXED_HEADER(ContentTypeOptions, "X-Content-Type-Options")
ORDERFLOW_FIXED_HEADER(ReferrerPolicy, "Referrer-Policy")
ORDERFLOW_FIXED_HEADER(FrameOptions, "X-Frame-Options")
#undef ORDERFLOW_FIXED_HEADER

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
