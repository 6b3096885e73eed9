#pragma once
// GET /v1/admin/events: the back-office's live feed, Server-Sent Events of orders.events and
// inventory.events (admin token required).
//
//   ?types=OrderPlaced,OrderConfirmed   only these types (any of the two topics' types)
//   ?from=beginning                     from the start of the topics (default: from now on)
//   ?limit=N                            end the stream after N events (1-10000)
//   ?follow=false                       end at the topics' end as of the request (default: follow)
//   Last-Event-ID: <id>                 resume right after that event: no gap, no repeat
//
// Each stream runs on a thread of its own with its own Kafka reader (event_tail.hpp) and writes its
// connection directly (sse_connection.hpp): no Pistache thread is held. At most `max_streams` run at
// once (503 beyond). A stream ends after kMaxStreamLife, because Pistache 0.0.5 closes any connection
// 60 s after its request was read (with a 408 written into the body), even while a response is
// streaming; the `retry` hint and the event ids make the client's reconnect seamless.
#include <pistache/http.h>

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "event_tail.hpp"
#include "exchange.hpp"
#include "orderflow/config.hpp"
#include "router.hpp"

namespace orderflow::api {

class EventStreamRoutes {
 public:
  EventStreamRoutes(const Config& config, size_t max_streams) : config_(config), max_streams_(max_streams) {}
  ~EventStreamRoutes() { stop(); }
  void register_on(Router& router);
  // Ends every stream cleanly (the last chunk is written) and refuses new ones; returns once their
  // threads are done and their bytes handed to the sockets (at most ~2 s).
  void stop();

  static constexpr std::chrono::seconds kMaxStreamLife{50};
  static constexpr std::chrono::seconds kKeepAlive{10};
  static constexpr int kRetryMs = 1000;

 private:
  struct Request;  // what a stream was asked for, checked
  void open(const Pistache::Http::Request& request, Exchange& exchange);
  // Streams until the end and sets `over` as soon as the client has its last byte: the slot is free
  // then, not after the last writes are confirmed or the Kafka reader left in `tail` is closed (either
  // can take a while, and a client resuming at once must not get 503).
  void run(Request request, Exchange& exchange, std::unique_ptr<EventTail>& tail, std::atomic<bool>& over);
  void reap_finished();  // joins the threads of the streams that ended

  struct Stream {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  const Config& config_;
  const size_t max_streams_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::list<Stream> streams_;  // list: a Stream's address stays valid while others come and go
};

}  // namespace orderflow::api
