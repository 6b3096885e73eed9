#include "event_stream_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>
#include <variant>

#include "event_position.hpp"
#include "event_tail.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/messages/topics.hpp"
#include "params.hpp"
#include "sse_connection.hpp"
#include "sse_format.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

// The tailed topics, in the order of an event id's lists.
constexpr std::array<std::string_view, 2> kTailedTopics = {messages::kOrdersEvents.name,
                                                           messages::kInventoryEvents.name};

bool is_event_type(std::string_view name) {
  for (const auto t : messages::kOrdersEvents.type_names())
    if (t == name) return true;
  for (const auto t : messages::kInventoryEvents.type_names())
    if (t == name) return true;
  return false;
}

// "A,B,C" (commas possibly percent-encoded) into its names; nullopt when one is not an event type.
std::optional<std::set<std::string>> parse_types(std::string text) {
  for (size_t at;
       (at = text.find("%2C")) != std::string::npos || (at = text.find("%2c")) != std::string::npos;)
    text.replace(at, 3, ",");
  std::set<std::string> names;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(',', start);
    const auto name = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!is_event_type(name)) return std::nullopt;
    names.insert(name);
    if (end == std::string::npos) return names;
    start = end + 1;
  }
}

}  // namespace

struct EventStreamRoutes::Request {
  std::set<std::string> types;  // empty: every type
  bool from_beginning = false;
  std::optional<std::string> last_event_id;
  int limit = 0;       // 0: no limit
  bool follow = true;  // false: end once the end the topics had when the stream opened is reached
};

void EventStreamRoutes::register_on(Router& router) {
  router.add(Pistache::Http::Method::Get, "/v1/admin/events",
             [this](const auto& request, const PathParams&, Exchange& exchange) { open(request, exchange); });
}

void EventStreamRoutes::open(const Pistache::Http::Request& http, Exchange& exchange) {
  Request request;
  if (const auto types = http.query().get("types")) {
    auto names = parse_types(*types);
    if (!names) {
      exchange.error(
          Code::Bad_Request, "invalid_query",
          "types must be a comma-separated list of event types of orders.events and inventory.events",
          "types");
      return;
    }
    request.types = std::move(*names);
  }
  if (const auto from = http.query().get("from")) {
    if (*from != "beginning") {
      exchange.error(Code::Bad_Request, "invalid_query", "from must be 'beginning' (or absent: from now on)",
                     "from");
      return;
    }
    request.from_beginning = true;
  }
  if (const auto follow = http.query().get("follow")) {
    if (*follow != "true" && *follow != "false") {
      exchange.error(Code::Bad_Request, "invalid_query", "follow must be true or false", "follow");
      return;
    }
    request.follow = *follow == "true";
  }
  const auto limit = require_int_query(http, "limit", 1, 10000, 0, exchange);
  if (!limit) return;
  request.limit = *limit;
  request.last_event_id = header(http, "Last-Event-ID");

  std::lock_guard lock(mutex_);
  reap_finished();
  if (stopping_) {
    exchange.error(Code::Service_Unavailable, "shutting_down", "the api is shutting down");
    return;
  }
  if (streams_.size() >= max_streams_) {
    exchange.error(Code::Service_Unavailable, "too_many_streams",
                   "at most " + std::to_string(max_streams_) + " event streams at once; retry later");
    return;
  }
  auto& stream = streams_.emplace_back();
  stream.thread = std::thread([this, request = std::move(request), exchange, &stream]() mutable {
    std::unique_ptr<EventTail> tail;
    try {
      run(std::move(request), exchange, tail, stream.done);
    } catch (const std::exception& e) {
      spdlog::error("event stream: {}", e.what());
      exchange.error(Code::Service_Unavailable, "kafka_unavailable", "the event topics cannot be read now");
    }
    stream.done = true;  // also when it failed before streaming
    tail.reset();
  });
}

void EventStreamRoutes::run(Request request, Exchange& exchange, std::unique_ptr<EventTail>& reader,
                            std::atomic<bool>& over) {
  std::vector<std::string> topics;
  for (const auto name : kTailedTopics) topics.push_back(config_.topic(std::string(name)));
  reader = std::make_unique<EventTail>(config_.kafka_brokers, topics);
  auto& tail = *reader;

  EventPosition position;
  if (request.last_event_id) {
    auto parsed = EventPosition::parse(*request.last_event_id, tail.partitions());
    if (!parsed) {
      exchange.error(Code::Bad_Request, "invalid_header",
                     "Last-Event-ID must be an id of this stream (offsets per partition)", "Last-Event-ID");
      return;
    }
    position = std::move(*parsed);
  } else {
    position = request.from_beginning ? EventPosition::uniform(tail.partitions(), 0) : tail.end();
  }
  tail.start(position);
  // Without follow, the stream ends where the topics ended when it opened (a snapshot, as kcat -e).
  const std::optional<EventPosition> stop_at = request.follow ? std::nullopt : std::optional(tail.end());
  const auto reached = [&] {
    if (!stop_at) return false;
    for (size_t t = 0; t < position.next_offsets.size(); ++t) {
      for (size_t p = 0; p < position.next_offsets[t].size(); ++p) {
        if (position.next_offsets[t][p] < stop_at->next_offsets[t][p]) return false;
      }
    }
    return true;
  };

  if (!exchange.detach(Code::Ok)) return;
  SseConnection connection(exchange.peer());
  // The first bytes say where the stream starts, so a client that gets no event before it reconnects
  // still resumes from here.
  bool open = connection.send_head() &&
              connection.send(sse::retry(kRetryMs) + sse::comment("from " + position.to_string()));
  const auto started = std::chrono::steady_clock::now();
  auto last_write = started;
  int sent = 0;
  while (open && !stopping_ && !reached() && std::chrono::steady_clock::now() - started < kMaxStreamLife) {
    auto event = tail.next(std::chrono::milliseconds(200));
    const auto now = std::chrono::steady_clock::now();
    if (!event) {
      if (now - last_write >= kKeepAlive) {
        open = connection.send(sse::comment("keep-alive"));
        last_write = now;
      } else {
        open = connection.alive();
      }
      continue;
    }
    position.next_offsets[event->topic_index][static_cast<size_t>(event->partition)] = event->offset + 1;
    auto decoded = messages::decode(event->value);
    const auto* message = std::get_if<messages::Message>(&decoded);
    if (message == nullptr) {
      spdlog::warn("event stream: {}[{}]@{} is not a valid event; skipped", topics[event->topic_index],
                   event->partition, event->offset);
      continue;
    }
    if (!request.types.empty() && !request.types.contains(std::string(message->type()))) continue;
    open = connection.send(sse::event(position.to_string(), message->type(), event->value));
    last_write = now;
    if (request.limit > 0 && ++sent >= request.limit) break;
  }
  connection.finish();
  over = true;
  if (!connection.drain(std::chrono::seconds(1))) spdlog::debug("event stream: last writes not confirmed");
}

void EventStreamRoutes::reap_finished() {
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (it->done) {
      it->thread.join();
      it = streams_.erase(it);
    } else {
      ++it;
    }
  }
}

void EventStreamRoutes::stop() {
  stopping_ = true;
  std::lock_guard lock(mutex_);
  for (auto& stream : streams_) {
    if (stream.thread.joinable()) stream.thread.join();
  }
  streams_.clear();
}

}  // namespace orderflow::api
