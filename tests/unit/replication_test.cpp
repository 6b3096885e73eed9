// What replication create-topics gives the topics on a cluster of a given size: the defaults fit the
// cluster, an explicit setting it cannot hold is refused with a message that says why.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "orderflow/topics.hpp"

namespace {

using orderflow::Replication;
using orderflow::ReplicationRequest;
using orderflow::resolve_replication;

const Replication kTarget{3, 2};

std::string refusal(int brokers, const ReplicationRequest& request) {
  try {
    resolve_replication(brokers, kTarget, request);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Replication, ManifestTargetsThreeCopiesTwoInSync) {
  EXPECT_EQ(orderflow::replication_target(), kTarget);
}

TEST(Replication, DefaultsFitTheCluster) {
  EXPECT_EQ(resolve_replication(1, kTarget, {}), (Replication{1, 1}));
  // Two copies with two in sync would stop every write when either broker goes: one in sync.
  EXPECT_EQ(resolve_replication(2, kTarget, {}), (Replication{2, 1}));
  EXPECT_EQ(resolve_replication(3, kTarget, {}), (Replication{3, 2}));
  EXPECT_EQ(resolve_replication(5, kTarget, {}), (Replication{3, 2}));
}

TEST(Replication, ExplicitSettingsThatFitAreTaken) {
  EXPECT_EQ(resolve_replication(5, kTarget, {5, 3}), (Replication{5, 3}));
  EXPECT_EQ(resolve_replication(3, kTarget, {1, std::nullopt}), (Replication{1, 1}));
  EXPECT_EQ(resolve_replication(3, kTarget, {std::nullopt, 3}), (Replication{3, 3}));
  EXPECT_EQ(resolve_replication(3, kTarget, {2, 2}), (Replication{2, 2}));
  // An explicit factor of 3 or more takes the target's min.insync.replicas, not 1.
  EXPECT_EQ(resolve_replication(4, kTarget, {4, std::nullopt}), (Replication{4, 2}));
}

TEST(Replication, AFactorAboveTheBrokersIsAClearError) {
  const auto why = refusal(1, {3, std::nullopt});
  EXPECT_NE(why.find("replication factor 3 needs 3 brokers"), std::string::npos) << why;
  EXPECT_NE(why.find("1 live broker"), std::string::npos) << why;
}

TEST(Replication, MinInsyncAboveTheFactorIsAClearError) {
  const auto why = refusal(1, {std::nullopt, 2});
  EXPECT_NE(why.find("min.insync.replicas 2"), std::string::npos) << why;
  EXPECT_NE(why.find("the topics get 1"), std::string::npos) << why;
  EXPECT_FALSE(refusal(3, {2, 3}).empty());
}

TEST(Replication, NonsenseIsRefused) {
  EXPECT_FALSE(refusal(0, {}).empty());
  EXPECT_FALSE(refusal(3, {0, std::nullopt}).empty());
  EXPECT_FALSE(refusal(3, {std::nullopt, 0}).empty());
}
