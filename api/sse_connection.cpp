#include "sse_connection.hpp"

#include <pistache/stream.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "sse_format.hpp"

namespace orderflow::api {

bool SseConnection::send_head() {
  // Written by hand because Pistache's own head writer is ResponseStream's (see the header). nosniff
  // and no-store as every api answer; X-Accel-Buffering stops nginx (docker-compose) from buffering.
  return write(
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream; charset=utf-8\r\n"
      "Cache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "X-Accel-Buffering: no\r\n"
      "Connection: keep-alive\r\n"
      "Transfer-Encoding: chunked\r\n"
      "\r\n");
}

bool SseConnection::send(std::string_view body_bytes) {
  if (state_->pending.load() >= kMaxPendingWrites) {
    spdlog::info("event stream: the client is {} writes behind; ending its stream", kMaxPendingWrites);
    state_->broken = true;
    return false;
  }
  return write(sse::chunk(body_bytes));
}

void SseConnection::finish() {
  write(std::string(sse::kLastChunk));
}

bool SseConnection::write(std::string bytes) {
  if (state_->broken) return false;
  const auto peer = state_->peer.lock();
  if (!peer) {
    state_->broken = true;
    return false;
  }
  ++state_->pending;
  try {
    const auto size = bytes.size();
    peer->send(Pistache::RawBuffer(std::move(bytes), size))
        .then([state = state_](ssize_t) { --state->pending; },
              [state = state_](const std::exception_ptr&) {
                state->broken = true;
                --state->pending;
              });
  } catch (const std::exception& e) {
    --state_->pending;
    state_->broken = true;
    spdlog::debug("event stream: write failed: {}", e.what());
    return false;
  }
  return true;
}

bool SseConnection::drain(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (state_->pending.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace orderflow::api
