#include "orderflow/topics.hpp"

#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow {

std::vector<TopicSpec> topic_manifest() {
  auto doc = json::parse(resource("schemas/topics.json"));
  if (!doc || !doc->HasMember("topics")) throw std::runtime_error("schemas/topics.json is malformed");
  std::vector<TopicSpec> out;
  for (const auto& t : (*doc)["topics"].GetArray()) {
    out.push_back(TopicSpec{t["name"].GetString(), t["partitions"].GetInt(), t["retention_ms"].GetInt64()});
  }
  return out;
}

}  // namespace orderflow
