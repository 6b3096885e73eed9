#include "exchange.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "api_metrics.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {
namespace {

// Replies handed to Pistache whose write has not completed yet, process-wide.
struct InFlight {
  std::mutex mutex;
  std::condition_variable done;
  size_t count = 0;
  void add() {
    std::lock_guard lock(mutex);
    ++count;
  }
  void remove() {
    std::lock_guard lock(mutex);
    if (--count == 0) done.notify_all();
  }
};

InFlight& in_flight() {
  static InFlight f;
  return f;
}

}  // namespace

bool Exchange::drain(std::chrono::milliseconds timeout) {
  auto& f = in_flight();
  std::unique_lock lock(f.mutex);
  return f.done.wait_for(lock, timeout, [&] { return f.count == 0; });
}

Exchange::Exchange(Pistache::Http::ResponseWriter response, std::string route)
    : state_(std::make_shared<State>(std::move(response), std::move(route))) {}

void Exchange::reply(Pistache::Http::Code code, const std::string& json_body) {
  reply(code, json_body, MIME(Application, Json));
}

void Exchange::reply(Pistache::Http::Code code, const std::string& body,
                     const Pistache::Http::Mime::MediaType& type) {
  if (state_->sent.exchange(true)) return;
  // Counted before it goes out: a client that reads /metrics right after this answer must see it (the
  // reply of a command is sent from the producer's thread, which raced the client's next request).
  metrics::observe_request(
      state_->route, static_cast<int>(code),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->started).count());
  try {
    state_->response.headers().add<Pistache::Http::Header::ContentType>(type);
    in_flight().add();
    try {
      state_->response.send(code, body)
          .then([](ssize_t) { in_flight().remove(); },
                [](const std::exception_ptr&) { in_flight().remove(); });
    } catch (...) {
      in_flight().remove();
      throw;
    }
  } catch (const std::exception& e) {
    // Pistache throws when the peer is gone (e.g. a client that stopped waiting): nobody to tell.
    spdlog::debug("reply {} on {} not sent: {}", static_cast<int>(code), state_->route, e.what());
  }
}

bool Exchange::detach(Pistache::Http::Code code) {
  if (state_->sent.exchange(true)) return false;
  metrics::observe_request(
      state_->route, static_cast<int>(code),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->started).count());
  return true;
}

void Exchange::error(Pistache::Http::Code code, std::string_view error_code, std::string_view message,
                     std::string_view field) {
  reply(code, json::error_body(error_code, message, field));
}

}  // namespace orderflow::api
