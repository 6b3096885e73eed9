#pragma once
// The topic manifest (schemas/topics.json): partitions and retention of every topic, for creating them.
// Which types a topic carries, and its key, are bound in messages/topics.hpp (a unit test holds the two
// in step).
#include <cstdint>
#include <string>
#include <vector>

namespace orderflow {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int64_t retention_ms = -1;
};

std::vector<TopicSpec> topic_manifest();

namespace topics {
// The dead-letter topic of `topic`.
inline std::string dlq(const std::string& topic) {
  return topic + ".dlq";
}
}  // namespace topics

}  // namespace orderflow
