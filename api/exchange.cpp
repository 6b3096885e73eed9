#include "exchange.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api_metrics.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {
namespace {

// Replies inside ResponseWriter::send, process-wide. Why not count them down in a continuation of the
// promise send() returns: Pistache 0.0.5 chains that promise inside send() and its transport thread
// resolves the chain without the chain's lock, so a then() attached from our thread (a delivery report,
// the order waiter) at that moment pushes into the vector being iterated: the continuation is lost or
// the api crashes (seen under the bench: segfault in libpistache's Continuation::finishResolve).
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

// Counts one reply in flight for as long as it lives.
struct CountedInFlight {
  CountedInFlight() { in_flight().add(); }
  ~CountedInFlight() { in_flight().remove(); }
  CountedInFlight(const CountedInFlight&) = delete;
  CountedInFlight& operator=(const CountedInFlight&) = delete;
};

// A reply queued by send() from another thread is written by its connection's transport thread as soon
// as that thread wakes (an eventfd): well under this on a loaded box.
constexpr auto kTransportGrace = std::chrono::milliseconds(200);

}  // namespace

bool Exchange::drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto& f = in_flight();
  {
    std::unique_lock lock(f.mutex);
    if (!f.done.wait_until(lock, deadline, [&] { return f.count == 0; })) return false;
  }
  std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + kTransportGrace));
  return true;
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
    const CountedInFlight counted;
    state_->response.send(code, body);  // no then(): see InFlight
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
