#pragma once
// One request/response exchange. It owns the ResponseWriter (move-only in Pistache) behind a shared_ptr,
// so a reply can be sent later from another thread, e.g. a Kafka delivery report, and it records the
// request's metrics exactly once, when the reply is sent.
#include <pistache/http.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "caller.hpp"

namespace orderflow::api {

class Exchange {
 public:
  Exchange(Pistache::Http::ResponseWriter response, std::string route);
  // Sends a JSON reply; extra headers (e.g. Location) may be added through writer() first. Only the
  // first reply of an exchange is sent. A client that went away meanwhile is not an error.
  void reply(Pistache::Http::Code code, const std::string& json_body);
  // Any other body, e.g. the Prometheus text of /metrics.
  void reply(Pistache::Http::Code code, const std::string& body, const Pistache::Http::Mime::MediaType& type);
  void error(Pistache::Http::Code code, std::string_view error_code, std::string_view message,
             std::string_view field = {});
  Pistache::Http::ResponseWriter& writer() { return state_->response; }
  // Who sent the request (set by the router's gate; a caller with no key and no namespace otherwise).
  const Caller& caller() const { return state_->caller; }
  void set_caller(Caller caller) { state_->caller = std::move(caller); }
  // Who the client is for per-client limits: its key's id, else its address.
  std::string client() const {
    return state_->caller.key_id.empty() ? "address " + state_->address : "key " + state_->caller.key_id;
  }
  const std::string& address() const { return state_->address; }
  void set_address(std::string address) { state_->address = std::move(address); }
  // The route's metrics label, once the router has matched one (before the exchange is shared).
  void set_route(std::string route) { state_->route = std::move(route); }
  // A copy sharing the same reply: hand it to whatever answers later.
  std::shared_ptr<Exchange> share() const { return std::make_shared<Exchange>(*this); }
  // Hands the connection over to a caller that writes the whole response itself (an event stream,
  // see sse_connection.hpp): the exchange sends nothing any more and counts the request with `code`
  // now. False when a reply was already sent.
  bool detach(Pistache::Http::Code code);
  // The connection of this exchange; empty once the client is gone.
  std::shared_ptr<Pistache::Tcp::Peer> peer() const { return state_->response.getPeer(); }

  // Waits until no reply is being handed to Pistache, then gives its transport threads a short grace
  // to write what was queued, at most `timeout` in all; false on timeout. Pistache writes a reply sent
  // from another thread later, on its own thread, and drops what is still queued when the endpoint
  // shuts down: call this before that. (Why not wait for each write's promise: exchange.cpp, InFlight.)
  static bool drain(std::chrono::milliseconds timeout);

 private:
  struct State {
    State(Pistache::Http::ResponseWriter r, std::string name)
        : response(std::move(r)), route(std::move(name)), started(std::chrono::steady_clock::now()) {}
    Pistache::Http::ResponseWriter response;
    std::string route;
    std::chrono::steady_clock::time_point started;
    std::atomic<bool> sent{false};
    Caller caller;
    std::string address;  // the client's (rate_limits.hpp: the peer, or what a trusted proxy says)
  };
  std::shared_ptr<State> state_;
};

}  // namespace orderflow::api
