#pragma once
// The topic manifest (schemas/topics.json): partitions, retention and replication of every topic, for
// creating them. Which types a topic carries, and its key, are bound in messages/topics.hpp (a unit test
// holds the two in step).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orderflow {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int64_t retention_ms = -1;
};

std::vector<TopicSpec> topic_manifest();

// How many copies of every record a 202 rests on. The manifest's "replication" is the target of a
// production cluster (3 copies, 2 of them in sync before acks=all answers); a smaller cluster gets what
// it can hold. An explicit setting (ORDERFLOW_REPLICATION_FACTOR, ORDERFLOW_MIN_INSYNC_REPLICAS) is
// taken as it is, or refused when the cluster cannot satisfy it.
struct Replication {
  int factor = 1;
  int min_insync_replicas = 1;
  bool operator==(const Replication&) const = default;
};
Replication replication_target();  // the manifest's "replication"

struct ReplicationRequest {
  std::optional<int> factor;               // explicit, else min(target, brokers)
  std::optional<int> min_insync_replicas;  // explicit, else target when the factor reaches 3, else 1
};

// The replication to create topics with on a cluster of `brokers` live brokers. Throws
// std::invalid_argument, saying what and why, for an explicit setting the cluster cannot satisfy.
Replication resolve_replication(int brokers, const Replication& target, const ReplicationRequest& request);

namespace topics {
// The dead-letter topic of `topic`.
inline std::string dlq(const std::string& topic) {
  return topic + ".dlq";
}
}  // namespace topics

}  // namespace orderflow
