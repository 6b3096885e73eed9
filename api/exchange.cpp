#include "exchange.hpp"

#include "api_metrics.hpp"
#include "orderflow/http_util.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {

Exchange::Exchange(Pistache::Http::ResponseWriter response, std::string route)
    : state_(std::make_shared<State>(State{std::move(response), std::move(route), std::chrono::steady_clock::now()})) {}

void Exchange::reply(Pistache::Http::Code code, const std::string& json_body) {
  if (state_->sent) return;
  state_->sent = true;
  http::send_json(state_->response, code, json_body);
  metrics::observe_request(state_->route, static_cast<int>(code),
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->started).count());
}

void Exchange::error(Pistache::Http::Code code, std::string_view error_code, std::string_view message,
                     std::string_view field) {
  reply(code, json::error_body(error_code, message, field));
}

}  // namespace orderflow::api
