#pragma once
// Reads records of a topic without joining a consumer group: the reader assigns the partitions itself
// (librdkafka 2.0.2, C++ API, RAII), so it commits nothing, moves no worker's position and triggers no
// rebalance. For tools: tail a topic, list and fetch dead letters.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orderflow::readers {

struct KafkaRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;  // nullopt for a record without a key
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of the first header called `name`.
  std::optional<std::string> header(const std::string& name) const;
};

struct PartitionRange {
  int32_t partition = 0;
  int64_t low = 0;   // first offset still kept
  int64_t high = 0;  // the next offset to be written
};

class TopicReader {
 public:
  explicit TopicReader(const std::string& brokers);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Every partition of `topic` with its watermarks. Throws when the topic does not exist.
  std::vector<PartitionRange> partitions(const std::string& topic);
  // The records of one partition in [from, to), in offset order.
  std::vector<KafkaRecord> read(const std::string& topic, int32_t partition, int64_t from, int64_t to,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The record at `offset`, or nullopt when that offset is not (or no longer) in the partition.
  std::optional<KafkaRecord> fetch(const std::string& topic, int32_t partition, int64_t offset);

  // Reads every partition of `topic` from its start (or from its end: only what is written from now on)
  // and hands each record to `on_record`, until it returns false or `keep_going` does (polled at least
  // every 200 ms).
  void follow(const std::string& topic, bool from_beginning,
              const std::function<bool(KafkaRecord)>& on_record, const std::function<bool()>& keep_going);

 private:
  // Reads from these (partition, offset) of `topic`, replacing any previous assignment.
  void assign(const std::string& topic, const std::vector<std::pair<int32_t, int64_t>>& starts);

  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

// "2026-12-02T11:03:00.123Z" for a Kafka timestamp in milliseconds since the epoch.
std::string rfc3339_millis(int64_t timestamp_ms);

}  // namespace orderflow::readers
