// Topic administration with librdkafka's C admin API (the C++ API has none), each handle in RAII.
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "orderflow/kafka.hpp"
#include "orderflow/kafka_log.hpp"

namespace orderflow::kafka {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

Handle make_handle(const std::string& brokers, rd_kafka_type_t type) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  route_logs(conf);
  char err[512];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(err);
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes ownership of conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create Kafka client: ") + err);
  }
  return Handle(rk);
}

using Metadata = std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)>;

// Metadata of every topic (and the live brokers) of the cluster.
Metadata cluster_metadata(rd_kafka_t* rk) {
  const rd_kafka_metadata_t* md = nullptr;
  const auto code = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("metadata: " + std::string(rd_kafka_err2str(code)));
  return Metadata(md, &rd_kafka_metadata_destroy);
}

// Topics that existed before with another replication factor keep it: say so, since a 202 rests on it.
void warn_about_other_replication(rd_kafka_t* rk, const std::string& prefix,
                                  const std::vector<TopicSpec>& specs, int factor) {
  const auto md = cluster_metadata(rk);
  for (const auto& spec : specs) {
    const std::string name = prefix + spec.name;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const auto& t = md->topics[i];
      if (name != t.topic || t.partition_cnt == 0) continue;
      if (t.partitions[0].replica_cnt != factor)
        spdlog::warn("topic {} exists with {} replica(s), not {}: it keeps them", name,
                     t.partitions[0].replica_cnt, factor);
    }
  }
}

}  // namespace

int live_brokers(const std::string& brokers) {
  auto rk = make_handle(brokers, RD_KAFKA_PRODUCER);
  return cluster_metadata(rk.get())->broker_cnt;
}

Replication create_topics(const std::string& brokers, const std::string& prefix,
                          const std::vector<TopicSpec>& specs, const ReplicationRequest& request) {
  auto rk = make_handle(brokers, RD_KAFKA_PRODUCER);
  const Replication replication =
      resolve_replication(cluster_metadata(rk.get())->broker_cnt, replication_target(), request);
  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  char err[512];
  for (const auto& spec : specs) {
    const std::string name = prefix + spec.name;
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), spec.partitions, replication.factor, err, sizeof err);
    if (t == nullptr) throw std::runtime_error(fmt::format("topic {}: {}", name, err));
    owned.emplace_back(t);
    rd_kafka_NewTopic_set_config(t, "retention.ms", std::to_string(spec.retention_ms).c_str());
    // acks=all waits for the in-sync replicas only: without a floor, a leader alone in sync acks alone.
    rd_kafka_NewTopic_set_config(t, "min.insync.replicas",
                                 std::to_string(replication.min_insync_replicas).c_str());
    raw.push_back(t);
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_CreateTopics(rk.get(), raw.data(), raw.size(), nullptr, queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), 30000));
  if (!event) throw std::runtime_error("CreateTopics: no answer from the broker within 30 s");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(std::string("CreateTopics: ") + rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const auto code = rd_kafka_topic_result_error(results[i]);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR && code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      throw std::runtime_error(fmt::format("topic {}: {}", rd_kafka_topic_result_name(results[i]),
                                           rd_kafka_topic_result_error_string(results[i])));
    }
  }
  warn_about_other_replication(rk.get(), prefix, specs, replication.factor);
  return replication;
}

namespace {

struct PartitionRange {
  int32_t partition = 0;
  int64_t low = 0, high = 0;  // the first offset still kept, the next one to be written
};

// Every partition of `topic` with its watermarks.
std::vector<PartitionRange> partition_ranges(rd_kafka_t* rk, const std::string& topic) {
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> t(
      rd_kafka_topic_new(rk, topic.c_str(), nullptr), &rd_kafka_topic_destroy);
  const rd_kafka_metadata_t* md = nullptr;
  auto code = rd_kafka_metadata(rk, 0, t.get(), &md, 10000);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("metadata: " + std::string(rd_kafka_err2str(code)));
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> owned(
      md, &rd_kafka_metadata_destroy);
  if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("unknown topic " + topic);
  }
  std::vector<PartitionRange> ranges;
  for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
    PartitionRange r{md->topics[0].partitions[i].id};
    code = rd_kafka_query_watermark_offsets(rk, topic.c_str(), r.partition, &r.low, &r.high, 10000);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("watermarks: " + std::string(rd_kafka_err2str(code)));
    ranges.push_back(r);
  }
  return ranges;
}

int64_t end_offset_total_once(rd_kafka_t* rk, const std::string& topic) {
  int64_t total = 0;
  for (const auto& r : partition_ranges(rk, topic)) total += r.high;
  return total;
}

}  // namespace

std::optional<int64_t> oldest_record_ms(const std::string& brokers, const std::string& topic) {
  auto rk = make_handle(brokers, RD_KAFKA_CONSUMER);
  std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> t(
      rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr), &rd_kafka_topic_destroy);
  std::optional<int64_t> oldest;
  for (const auto& [p, low, high] : partition_ranges(rk.get(), topic)) {
    if (high <= low) continue;  // empty: nothing to re-read
    // The first record still in the partition (the legacy per-partition consumer: no group needed).
    if (rd_kafka_consume_start(t.get(), p, low) != 0)
      throw std::runtime_error("cannot read " + topic + ": " + rd_kafka_err2str(rd_kafka_last_error()));
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> m(
        rd_kafka_consume(t.get(), p, 10000), &rd_kafka_message_destroy);
    rd_kafka_consume_stop(t.get(), p);
    if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("cannot read the first record of " + topic + "[" + std::to_string(p) + "]");
    const int64_t ts = rd_kafka_message_timestamp(m.get(), nullptr);
    if (!oldest || ts < *oldest) oldest = ts;
  }
  return oldest;
}

int64_t end_offset_total(const std::string& brokers, const std::string& topic) {
  auto rk = make_handle(brokers, RD_KAFKA_CONSUMER);
  // Right after a topic is created its partitions may have no leader yet ("Not leader for partition",
  // unknown topic): that passes within a few seconds, so retry for a while before giving up.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    try {
      return end_offset_total_once(rk.get(), topic);
    } catch (const std::runtime_error&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace orderflow::kafka
