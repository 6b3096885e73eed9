#include "orderflow/resources.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "orderflow/json.hpp"
#include "orderflow/messages/topics.hpp"
#include "orderflow/topics.hpp"

TEST(Resources, TopicManifestIsEmbeddedAndIsJson) {
  const auto text = orderflow::resource("schemas/topics.json");
  EXPECT_FALSE(text.empty());
  EXPECT_TRUE(orderflow::json::parse(text));
}

TEST(Resources, MigrationsAreSortedSqlFiles) {
  const auto migrations = orderflow::resources_under("infra/migrations/");
  ASSERT_FALSE(migrations.empty());
  EXPECT_TRUE(std::is_sorted(migrations.begin(), migrations.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));
  for (const auto& [path, sql] : migrations) {
    EXPECT_TRUE(path.starts_with("infra/migrations/")) << path;
    EXPECT_TRUE(path.ends_with(".sql")) << path;
    EXPECT_FALSE(sql.empty()) << path;
  }
}

TEST(Resources, UnknownPrefixGivesNothing) {
  EXPECT_TRUE(orderflow::resources_under("no/such/dir/").empty());
}

TEST(Resources, UnknownPathThrows) {
  EXPECT_THROW(orderflow::resource("schemas/nope.json"), std::out_of_range);
  EXPECT_THROW(orderflow::resource("schemas/"), std::out_of_range);
}

TEST(TopicManifest, DeclaresOrdersCommandsWithAtLeastSixPartitions) {
  const auto topics = orderflow::topic_manifest();
  auto it = std::find_if(topics.begin(), topics.end(),
                         [](const auto& t) { return t.name == orderflow::messages::kOrdersCommands.name; });
  ASSERT_NE(it, topics.end());
  EXPECT_GE(it->partitions, 6);
}

// Every topic a worker consumes needs its dead-letter topic (guarantee 6); event topics only read by
// the back-office and analytics do not.
TEST(TopicManifest, EveryConsumedTopicHasADlq) {
  const auto topics = orderflow::topic_manifest();
  auto has = [&](const std::string& name) {
    return std::any_of(topics.begin(), topics.end(), [&](const auto& t) { return t.name == name; });
  };
  for (const auto& t : topics) EXPECT_GE(t.partitions, 1) << t.name;
  namespace m = orderflow::messages;
  for (const std::string_view consumed : {m::kOrdersCommands.name, m::kInventoryCommands.name,
                                          m::kInventoryEvents.name, m::kCartsCommands.name}) {
    EXPECT_TRUE(has(std::string(consumed))) << consumed;
    EXPECT_TRUE(has(orderflow::topics::dlq(std::string(consumed)))) << consumed;
  }
}
