#include "orderflow/topics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow {
namespace {

const rapidjson::Document& manifest() {
  static const auto doc = [] {
    auto d = json::parse(resource("schemas/topics.json"));
    if (!d || !d->HasMember("topics") || !d->HasMember("replication"))
      throw std::runtime_error("schemas/topics.json is malformed");
    return std::move(*d);
  }();
  return doc;
}

}  // namespace

std::vector<TopicSpec> topic_manifest() {
  std::vector<TopicSpec> out;
  for (const auto& t : manifest()["topics"].GetArray()) {
    out.push_back(TopicSpec{t["name"].GetString(), t["partitions"].GetInt(), t["retention_ms"].GetInt64()});
  }
  return out;
}

Replication replication_target() {
  const auto& r = manifest()["replication"];
  return Replication{r["replicas"].GetInt(), r["min_insync_replicas"].GetInt()};
}

Replication resolve_replication(int brokers, const Replication& target, const ReplicationRequest& request) {
  if (brokers < 1) throw std::invalid_argument("the Kafka cluster reports no live broker");
  Replication out;
  if (request.factor) {
    if (*request.factor < 1)
      throw std::invalid_argument(fmt::format("replication factor {} is not at least 1", *request.factor));
    if (*request.factor > brokers)
      throw std::invalid_argument(
          fmt::format("replication factor {} needs {} brokers, the cluster has {} live broker(s)",
                      *request.factor, *request.factor, brokers));
    out.factor = *request.factor;
  } else {
    out.factor = std::min(target.factor, brokers);
  }
  if (request.min_insync_replicas) {
    const int m = *request.min_insync_replicas;
    if (m < 1 || m > out.factor)
      throw std::invalid_argument(fmt::format(
          "min.insync.replicas {} needs a replication factor of at least {}, the topics get {} ({} live "
          "broker(s)): every write would fail",
          m, std::max(m, 1), out.factor, brokers));
    out.min_insync_replicas = m;
  } else {
    // With 2 copies, 2 in sync would make the loss of either broker stop every write: 1, like 1 copy.
    out.min_insync_replicas = out.factor >= 3 ? std::min(target.min_insync_replicas, out.factor) : 1;
  }
  return out;
}

}  // namespace orderflow
