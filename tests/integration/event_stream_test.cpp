// GET /v1/admin/events, the back-office's Server-Sent Events of orders.events and inventory.events,
// against a real broker with the orders and inventory workers producing the events: resuming from
// Last-Event-ID loses and repeats nothing, the type filter, authentication, the bound on streams.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

namespace {

constexpr const char* kAdminToken = "secret";
constexpr int kMaxStreams = 2;

test::Pipeline& pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = true,
                              .roles = {"orders", "inventory"},
                              .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken},
                                      {"ORDERFLOW_MAX_EVENT_STREAMS", std::to_string(kMaxStreams)}}});
  return p;
}

struct SseEvent {
  std::string id, type, data;
  bool operator==(const SseEvent&) const = default;
};

// The events of an SSE body (comments and retry hints skipped).
std::vector<SseEvent> parse_sse(const std::string& body) {
  std::vector<SseEvent> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\n\n", start);
    if (end == std::string::npos) end = body.size();
    SseEvent e;
    std::string block = body.substr(start, end - start);
    size_t line_start = 0;
    while (line_start < block.size()) {
      size_t line_end = block.find('\n', line_start);
      if (line_end == std::string::npos) line_end = block.size();
      const std::string line = block.substr(line_start, line_end - line_start);
      if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
      if (line.rfind("event: ", 0) == 0) e.type = line.substr(7);
      if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
      line_start = line_end + 1;
    }
    if (!e.type.empty()) out.push_back(e);
    start = end + 2;
  }
  return out;
}

http::Response events(const std::string& query, Headers extra = {}) {
  auto client = pipeline().client();
  extra.emplace_back("Authorization", std::string("Bearer ") + kAdminToken);
  return client.request("GET", "/v1/admin/events" + query, {}, extra);
}

std::vector<SseEvent> read_events(const std::string& query, Headers extra = {}) {
  const auto r = events(query, std::move(extra));
  EXPECT_EQ(r.status, 200) << r.body << r.error;
  EXPECT_EQ(r.header("content-type").rfind("text/event-stream", 0), 0u) << r.header("content-type");
  return parse_sse(r.body);
}

// The position a stream opened now starts from (its first comment), to resume a later stream there.
std::string position_now() {
  const auto r = events("?follow=false");
  EXPECT_EQ(r.status, 200) << r.body;
  const auto at = r.body.find(": from ");
  EXPECT_NE(at, std::string::npos) << r.body;
  return r.body.substr(at + 7, r.body.find('\n', at) - at - 7);
}

std::vector<std::string> place_and_decide(int count) {
  const std::string sku = test::unique("SSE");
  test::seed_product(pipeline().dsn(), sku, 1200, 1000);
  auto client = pipeline().client();
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i)
    ids.push_back(test::saga::place_accepted(client, "sse-customer", {{sku, 1}}));
  for (const auto& id : ids) {
    const auto body = test::saga::wait_decided(client, id);
    EXPECT_EQ(test::saga::json_string(body, "status"), "CONFIRMED") << body;
  }
  // Every event of those orders is in its topic once the pipeline has nothing in flight.
  EXPECT_TRUE(test::wait_until([] { return pipeline().quiescent(); }, 60s)) << pipeline().progress();
  return ids;
}

std::vector<std::string> sorted_data(std::vector<SseEvent> list) {
  std::vector<std::string> out;
  for (auto& e : list) out.push_back(std::move(e.data));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(EventStream, ResumingFromLastEventIdLosesAndRepeatsNothing) {
  place_and_decide(8);
  const auto all = read_events("?from=beginning&follow=false");
  ASSERT_GE(all.size(), 8u * 3) << "8 orders: OrderPlaced, StockReserved, OrderConfirmed each";

  // Cut the stream at several places, resume each time from the last id received.
  for (const size_t cut : {size_t{1}, all.size() / 3, all.size() / 2, all.size() - 1}) {
    const auto head = read_events("?from=beginning&limit=" + std::to_string(cut));
    ASSERT_EQ(head.size(), cut);
    const auto rest = read_events("?follow=false", {{"Last-Event-ID", head.back().id}});
    std::vector<SseEvent> joined = head;
    joined.insert(joined.end(), rest.begin(), rest.end());
    EXPECT_EQ(joined.size(), all.size()) << "cut after " << cut;
    EXPECT_EQ(sorted_data(joined), sorted_data(all)) << "cut after " << cut << ": a gap or a repeat";
  }
}

TEST(EventStream, LiveEventsArriveAsTheyHappen) {
  const auto from = position_now();
  auto stream = std::async(std::launch::async, [&] {
    return read_events("?types=OrderPlaced,OrderConfirmed&limit=2", {{"Last-Event-ID", from}});
  });
  const auto ids = place_and_decide(1);
  ASSERT_EQ(stream.wait_for(30s), std::future_status::ready);
  const auto got = stream.get();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, "OrderPlaced");
  EXPECT_EQ(got[1].type, "OrderConfirmed");
  EXPECT_NE(got[1].data.find(ids[0]), std::string::npos) << got[1].data;
}

TEST(EventStream, TypeFilterKeepsOnlyTheNamedTypes) {
  place_and_decide(3);
  const auto all = read_events("?from=beginning&follow=false");
  const auto filtered = read_events("?from=beginning&follow=false&types=OrderConfirmed,StockReserved");
  std::vector<SseEvent> expected;
  for (const auto& e : all) {
    if (e.type == "OrderConfirmed" || e.type == "StockReserved") expected.push_back(e);
  }
  ASSERT_GE(expected.size(), 6u);
  EXPECT_EQ(sorted_data(filtered), sorted_data(expected));
  for (const auto& e : filtered)
    EXPECT_TRUE(e.type == "OrderConfirmed" || e.type == "StockReserved") << e.type;

  const auto bad = events("?types=OrderConfirmed,PlaceOrder");  // a command, not an event
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find(R"("field":"types")"), std::string::npos) << bad.body;
}

TEST(EventStream, RequiresTheAdminToken) {
  auto client = pipeline().client_with_key("");
  const auto none = client.get("/v1/admin/events?follow=false");
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(none.header("www-authenticate"), R"(Bearer realm="orderflow")");
  const auto wrong =
      client.request("GET", "/v1/admin/events?follow=false", {}, {{"Authorization", "Bearer not-the-token"}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
}

TEST(EventStream, RefusesAnIdThatIsNotOneOfItsPositions) {
  const auto r = events("?follow=false", {{"Last-Event-ID", "12,x/3"}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find(R"("field":"Last-Event-ID")"), std::string::npos) << r.body;
}

TEST(EventStream, AtMostTheConfiguredNumberOfStreamsAtOnce) {
  const auto from = position_now();
  std::vector<std::future<std::vector<SseEvent>>> open;
  for (int i = 0; i < kMaxStreams; ++i) {
    open.push_back(std::async(std::launch::async, [&] {
      // A probe below may hold a slot for a moment: try again until this stream is in.
      http::Response r;
      test::wait_until(
          [&] {
            return (r = events("?types=OrderPlaced&limit=1", {{"Last-Event-ID", from}})).status != 503;
          },
          20s);
      EXPECT_EQ(r.status, 200) << r.body;
      return parse_sse(r.body);
    }));
  }
  // Once both are open, one more is refused (a stream that was accepted ends at once: follow=false).
  EXPECT_TRUE(test::wait_until([] { return events("?follow=false").status == 503; }, 10s));
  place_and_decide(1);  // the OrderPlaced that ends both streams
  for (auto& f : open) {
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    EXPECT_EQ(f.get().size(), 1u);
  }
  EXPECT_TRUE(test::wait_until([] { return events("?follow=false").status == 200; }, 5s));
}
