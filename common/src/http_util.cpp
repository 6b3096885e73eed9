#include "orderflow/http_util.hpp"

#include "orderflow/json.hpp"

namespace orderflow::http {

void send_json(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code, const std::string& body) {
  response.headers().add<Pistache::Http::Header::ContentType>(MIME(Application, Json));
  response.send(code, body);
}

void send_error(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
                std::string_view error_code, std::string_view message, std::string_view field) {
  send_json(response, code, json::error_body(error_code, message, field));
}

void keep_alive_by_default(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response) {
  using namespace Pistache::Http;
  if (request.version() != Version::Http11 || request.headers().tryGet<Header::Connection>()) return;
  response.headers().remove<Header::Connection>();
  response.headers().add<Header::Connection>(ConnectionControl::KeepAlive);
}

}  // namespace orderflow::http
