// The read side for operators: `orderflow-ctl tail` decodes and filters a topic's events, `dlq list`
// shows dead letters with their reason and source, `dlq replay` puts one back where it came from (and
// refuses one whose origin is unknown), and GET /v1/admin/dead-letters serves the same list to admins.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "commands.hpp"
#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

const std::string kAdminToken = "ctl-read-test-token";

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{
      .api = true, .roles = {"orders", "inventory"}, .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken}}});
  static const bool seeded = [] {
    test::seed_product(p.dsn(), "S1", 900, 1000);
    return true;
  }();
  (void)seeded;
  return p;
}

// Produces one record and waits for its acknowledgement: where it landed.
kafka::DeliveryResult produce(const std::string& topic, const std::string& key, const std::string& value,
                              const kafka::Headers& headers = {}) {
  kafka::Producer producer(
      kafka::ProducerOptions{pipeline().config().kafka_brokers, "ctl-read-test", 10000, 0});
  std::promise<kafka::DeliveryResult> done;
  auto result = done.get_future();
  EXPECT_TRUE(producer.produce(topic, key, value, headers,
                               [&](const kafka::DeliveryResult& r) { done.set_value(r); }));
  auto r = result.get();
  EXPECT_TRUE(r.ok) << r.error;
  return r;
}

std::string decided_order() {
  auto client = pipeline().client();
  const auto id = test::saga::place_accepted(client, test::unique("cust"), {{"S1", 1}});
  const auto body = test::saga::wait_decided(client, id);
  EXPECT_EQ(test::saga::json_string(body, "status"), "CONFIRMED") << body;
  return id;
}

std::vector<rapidjson::Document> json_lines(const std::string& output) {
  std::vector<rapidjson::Document> out;
  size_t i = 0;
  while (i < output.size()) {
    auto j = output.find('\n', i);
    if (j == std::string::npos) j = output.size();
    const auto line = output.substr(i, j - i);
    if (!line.empty()) {
      auto doc = json::parse(line);
      EXPECT_TRUE(doc && doc->IsObject()) << "not a JSON object: " << line;
      if (doc) out.push_back(std::move(*doc));
    }
    i = j + 1;
  }
  return out;
}

TEST(Tail, FiltersByKeyAndTypeAndPrintsAPlacedOrdersEventsAsATable) {
  const auto id = decided_order();
  auto r = pipeline().run_ctl(
      {"tail", "orders.events", "--from-beginning", "--key", id, "--max", "2", "--timeout-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OrderPlaced.v1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OrderConfirmed.v1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("orders.events/"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(pipeline().topic("orders.events")), std::string::npos)
      << "the prefix is shown: " << r.output;

  r = pipeline().run_ctl({"tail", "orders.events", "--from-beginning", "--key", id, "--type",
                          "OrderConfirmed", "--timeout-ms", "5000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OrderConfirmed.v1"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("OrderPlaced"), std::string::npos)
      << "--type lets another type through: " << r.output;
}

TEST(Tail, PrintsJsonLinesWithTheEnvelopeAndWhereItWasRead) {
  const auto id = decided_order();
  const auto r = pipeline().run_ctl({"tail", "orders.events", "--from-beginning", "--key", id, "--json",
                                     "--max", "2", "--timeout-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_STREQ(lines[0]["type"].GetString(), "OrderPlaced");
  EXPECT_STREQ(lines[1]["type"].GetString(), "OrderConfirmed");
  for (const auto& l : lines) {
    EXPECT_STREQ(l["key"].GetString(), id.c_str());
    EXPECT_STREQ(l["payload"]["order_id"].GetString(), id.c_str());
    EXPECT_STREQ(l["topic"].GetString(), "orders.events");
    EXPECT_TRUE(l["partition"].IsInt() && l["offset"].IsInt64());
    EXPECT_TRUE(l.HasMember("id") && l.HasMember("occurred_at") && l.HasMember("version"));
  }
}

TEST(Tail, WithoutFromBeginningStartsAtTheEndAndFollows) {
  const auto earlier = decided_order();
  const auto customer = test::unique("cust");
  const auto key = test::unique("key");
  const auto later = order_id_for(customer, key);
  auto follower = std::async(std::launch::async, [&] {
    return pipeline().run_ctl({"tail", "orders.events", "--max", "2", "--timeout-ms", "30000"});
  });
  std::this_thread::sleep_for(3s);  // the tail has read the ends and assigned itself by then
  auto client = pipeline().client();
  ASSERT_EQ(test::saga::place(client, customer, {{"S1", 1}}, key).status, 202);
  const auto r = follower.get();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(later), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(earlier), std::string::npos) << "started before the end: " << r.output;
}

TEST(Tail, ShowsARecordThatDoesNotDecodeAndGoesOn) {
  const auto key = test::unique("garbage");
  produce(pipeline().topic("orders.events"), key, "\xff not an envelope");
  auto r = pipeline().run_ctl(
      {"tail", "orders.events", "--from-beginning", "--key", key, "--max", "1", "--timeout-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(undecodable)"), std::string::npos) << r.output;
  r = pipeline().run_ctl({"tail", "orders.events", "--from-beginning", "--key", key, "--json", "--max", "1",
                          "--timeout-ms", "20000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_TRUE(lines[0].HasMember("undecodable")) << r.output;
}

// A poison record on orders.commands, dead-lettered by the orders worker; returns its key.
std::string poison_record() {
  const auto key = test::unique("poison");
  produce(pipeline().topic("orders.commands"), key, R"({"not":"an envelope"})");
  EXPECT_TRUE(test::wait_until(
      [&] {
        const auto r = pipeline().run_ctl({"dlq", "list", "orders.commands", "--json", "--limit", "50"});
        return r.output.find(key) != std::string::npos;
      },
      30s, 500ms));
  return key;
}

TEST(DeadLetters, ListShowsAPoisonRecordWithItsReasonAndSource) {
  const auto key = poison_record();
  auto r = pipeline().run_ctl({"dlq", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  bool found = false;
  for (const auto& l : json_lines(r.output)) {
    if (!l["key"].IsString() || l["key"].GetString() != key) continue;
    found = true;
    EXPECT_STREQ(l["dlq_topic"].GetString(), "orders.commands.dlq");
    EXPECT_STREQ(l["source"]["topic"].GetString(), "orders.commands");
    EXPECT_TRUE(l["source"]["partition"].IsInt() && l["source"]["offset"].IsInt64());
    EXPECT_GT(std::string(l["reason"].GetString()).size(), 0u);
    EXPECT_STREQ(l["consumer"].GetString(), "orders");
    EXPECT_STREQ(l["preview"].GetString(), R"({"not":"an envelope"})");
    EXPECT_EQ(l["size"].GetInt(), 21);
  }
  EXPECT_TRUE(found) << r.output;
  r = pipeline().run_ctl({"dlq", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("orders.commands/"), std::string::npos) << r.output;
}

TEST(DeadLetters, ReplayRepublishesTheOriginalSoTheOrderIsPlacedAndDecided) {
  // As an older, buggy worker would have: a valid PlaceOrder dead-lettered with its headers.
  const auto customer = test::unique("cust");
  const auto key = test::unique("key");
  const auto order_id = order_id_for(customer, key);
  const auto value = test::place_order_message(customer, key);
  const auto at = produce(pipeline().topic("orders.commands.dlq"), order_id, value,
                          {{"dlq.reason", "a bug of an older worker"},
                           {"dlq.source.topic", pipeline().topic("orders.commands")},
                           {"dlq.source.partition", "0"},
                           {"dlq.source.offset", "0"},
                           {"dlq.consumer", "orders"}});
  const auto commands_before =
      kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands"));
  const auto r = pipeline().run_ctl(
      {"dlq", "replay", "orders.commands.dlq", std::to_string(at.partition), std::to_string(at.offset)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("replayed"), std::string::npos) << r.output;
  EXPECT_EQ(kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands")),
            commands_before + 1);
  ASSERT_TRUE(test::wait_until([&] { return pipeline().order_status(order_id) == "CONFIRMED"; }, 30s))
      << "status: " << pipeline().order_status(order_id);
  const auto show = pipeline().run_ctl(
      {"dlq", "show", "orders.commands.dlq", std::to_string(at.partition), std::to_string(at.offset)});
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_NE(show.output.find("a bug of an older worker"), std::string::npos) << show.output;
}

TEST(DeadLetters, ReplayRefusesARecordWithoutItsSourceHeader) {
  const auto customer = test::unique("cust");
  const auto key = test::unique("key");
  const auto order_id = order_id_for(customer, key);
  const auto at =
      produce(pipeline().topic("orders.commands.dlq"), order_id, test::place_order_message(customer, key));
  const auto commands_before =
      kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands"));
  auto r = pipeline().run_ctl(
      {"dlq", "replay", "orders.commands.dlq", std::to_string(at.partition), std::to_string(at.offset)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("refused"), std::string::npos) << r.output;
  // A header naming a topic outside this installation is refused too.
  const auto foreign =
      produce(pipeline().topic("orders.commands.dlq"), order_id, test::place_order_message(customer, key),
              {{"dlq.source.topic", "orders.commands"}});
  r = pipeline().run_ctl({"dlq", "replay", "orders.commands.dlq", std::to_string(foreign.partition),
                          std::to_string(foreign.offset)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands")),
            commands_before);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(pipeline().order_status(order_id), "");
}

TEST(DeadLettersApi, AnswersOnlyAdminsWithTheNewestDeadLetters) {
  const auto key = poison_record();
  auto client = pipeline().client_with_key("");
  EXPECT_EQ(client.get("/v1/admin/dead-letters").status, 401);
  EXPECT_EQ(client.request("GET", "/v1/admin/dead-letters", {}, {{"Authorization", "Bearer wrong"}}).status,
            403);
  EXPECT_EQ(
      client
          .request("GET", "/v1/admin/dead-letters?limit=0", {}, {{"Authorization", "Bearer " + kAdminToken}})
          .status,
      400);
  const auto r = client.request("GET", "/v1/admin/dead-letters?limit=3", {},
                                {{"Authorization", "Bearer " + kAdminToken}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = json::parse(r.body);
  ASSERT_TRUE(doc && (*doc)["dead_letters"].IsArray()) << r.body;
  const auto& list = (*doc)["dead_letters"];
  ASSERT_GE(list.Size(), 1u);
  EXPECT_LE(list.Size(), 3u);
  // The newest first: the poison record just dead-lettered.
  EXPECT_STREQ(list[0]["key"].GetString(), key.c_str()) << r.body;
  EXPECT_STREQ(list[0]["source"]["topic"].GetString(), "orders.commands");
  for (const char* field : {"dlq_topic", "partition", "offset", "timestamp", "key", "reason", "source",
                            "consumer", "size", "preview"})
    EXPECT_TRUE(list[0].HasMember(field)) << field;
  for (rapidjson::SizeType i = 1; i < list.Size(); ++i)
    EXPECT_GE(std::string(list[i - 1]["timestamp"].GetString()),
              std::string(list[i]["timestamp"].GetString()));
}

}  // namespace
