#pragma once
// The topic manifest (schemas/topics.json): the one place topics, keys and partitions are declared.
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
inline constexpr const char* kOrdersCommands = "orders.commands";
inline constexpr const char* kOrdersEvents = "orders.events";
inline constexpr const char* kInventoryCommands = "inventory.commands";
inline constexpr const char* kInventoryEvents = "inventory.events";
inline constexpr const char* kCartsCommands = "carts.commands";
inline std::string dlq(const std::string& topic) {
  return topic + ".dlq";
}
}  // namespace topics

}  // namespace orderflow
