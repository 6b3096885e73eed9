#pragma once
// One request/response exchange. It owns the ResponseWriter (move-only in Pistache) behind a shared_ptr,
// so a reply can be sent later from another thread, e.g. a Kafka delivery report, and it records the
// request's metrics exactly once, when the reply is sent.
#include <pistache/http.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace orderflow::api {

class Exchange {
 public:
  Exchange(Pistache::Http::ResponseWriter response, std::string route);
  // Sends a JSON reply; extra headers (e.g. Location) may be added through writer() first.
  void reply(Pistache::Http::Code code, const std::string& json_body);
  void error(Pistache::Http::Code code, std::string_view error_code, std::string_view message,
             std::string_view field = {});
  Pistache::Http::ResponseWriter& writer() { return state_->response; }
  // A copy sharing the same reply: hand it to whatever answers later.
  std::shared_ptr<Exchange> share() const { return std::make_shared<Exchange>(*this); }

 private:
  struct State {
    Pistache::Http::ResponseWriter response;
    std::string route;
    std::chrono::steady_clock::time_point started;
    bool sent = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace orderflow::api
