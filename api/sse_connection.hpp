#pragma once
// An HTTP response written by our own thread, chunk by chunk, onto a connection Pistache 0.0.5 owns.
//
// Why not Pistache's Http::ResponseStream: its flush() calls Transport::flush(), which drains the
// transport's write queue and reads its peer table on the calling thread. Both belong to the
// transport's reactor thread (the queue is multi-producer, single-consumer; the table has no lock),
// so a ResponseStream may only be flushed from the request's handler, and a stream would then hold a
// Pistache thread for its whole life. Tcp::Peer::send() only pushes onto that queue (the same path a
// ResponseWriter::send() from another thread takes, which the api already does for its 202s), so any
// thread may call it; the reactor writes the bytes in the order they were pushed.
#include <pistache/peer.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace orderflow::api {

class SseConnection {
 public:
  explicit SseConnection(std::weak_ptr<Pistache::Tcp::Peer> peer)
      : state_(std::make_shared<State>(std::move(peer))) {}
  // The status line and headers of a 200 text/event-stream response with a chunked body.
  bool send_head();
  // One chunk. False when the client is gone, or so far behind that `kMaxPendingWrites` writes are
  // still queued: then the stream should end (a slow reader must not grow the api's memory).
  bool send(std::string_view body_bytes);
  // The last chunk.
  void finish();
  // Waits until every write handed to Pistache has completed or failed, at most `timeout`.
  bool drain(std::chrono::milliseconds timeout) const;
  bool alive() const { return !state_->broken && !state_->peer.expired(); }

  static constexpr int kMaxPendingWrites = 256;

 private:
  struct State {
    explicit State(std::weak_ptr<Pistache::Tcp::Peer> p) : peer(std::move(p)) {}
    std::weak_ptr<Pistache::Tcp::Peer> peer;
    std::atomic<int> pending{0};
    std::atomic<bool> broken{false};
  };
  bool write(std::string bytes);
  std::shared_ptr<State> state_;  // shared with the completion callbacks, which may outlive us
};

}  // namespace orderflow::api
