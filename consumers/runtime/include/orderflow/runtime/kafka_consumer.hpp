#pragma once
// The one owner of a librdkafka consumer (RdKafka::KafkaConsumer): value-type partition lists in and out
// (librdkafka's TopicPartition objects never leave kafka_consumer.cpp), the rebalance callback, Kafka
// commits, watermarks, and the application's pause state.
//
// Pause state lives here because librdkafka keeps an application pause across revoke and re-assign: a
// partition paused during a retry wait and then assigned again would stay paused until someone resumes
// it, and nobody would. So the runtime only states an intent (pause_all / resume_all); every assignment
// change re-applies it to the new assignment, and a revocation resumes what was paused. A partition can
// never stay paused after a rebalance.
//
// Single-threaded like the librdkafka handle's consume loop: every member is called from the thread that
// calls consume() (callbacks run inside it), except reachable().
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orderflow/runtime/offset_store.hpp"
#include "orderflow/runtime/record.hpp"
#include "orderflow/runtime/stall_watch.hpp"

namespace RdKafka {
class KafkaConsumer;
}

namespace orderflow::runtime {

struct Watermarks {
  int64_t low = 0;  // first offset still in the log (librdkafka knows it only with statistics on: may be < 0)
  int64_t high = 0;  // offset the next produced record gets
};

class KafkaConsumer {
 public:
  struct Options {
    std::string brokers;
    std::string group;
    std::string client_id;
    unsigned session_timeout_ms = 30000;
    // Static membership (KIP-345) when set: a restart within the session timeout gets its partitions
    // back without a rebalance; the price is that a stopped instance's partitions wait for the session
    // timeout (it does not leave the group).
    std::string group_instance_id;
    std::string log_name;  // prefix of its log lines
    // How long the broker may hold a fetch to fill it (up to 1 MB) instead of answering with the first
    // record: 0 answers at once. Under a moderate load each fetch then carries many records, so the
    // broker serves far fewer requests; a lone record waits this long at most.
    unsigned fetch_hold_ms = 0;
  };
  struct Callbacks {
    // The group gave us `partitions` (the eager protocol assigns the whole set each time). Returns the
    // offset to start each at; a partition left out starts at its beginning.
    std::function<std::map<TopicPartition, int64_t>(const std::vector<TopicPartition>& partitions)> on_assign;
    // Every partition was taken away: what was consumed and not committed is not ours any more.
    std::function<void()> on_revoke;
  };

  KafkaConsumer(Options options, Callbacks callbacks);
  ~KafkaConsumer();  // close() unless closed
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  void subscribe(const std::vector<std::string>& topics);
  // One record, or nothing when `timeout` passed (errors are logged). Rebalance callbacks run in here.
  std::optional<Record> consume(std::chrono::milliseconds timeout);
  // Commits `next` (offset after the last applied record) per partition, without waiting.
  void commit_async(const std::map<TopicPartition, int64_t>& next);

  // Stops fetching from every assigned partition, and from any partition assigned later, until
  // resume_all(). Consume keeps the group membership alive meanwhile.
  void pause_all();
  void resume_all();
  bool paused() const { return pause_intent_; }

  const std::vector<TopicPartition>& assignment() const { return assignment_; }
  // Last known watermarks of every assigned partition librdkafka has fetched from (no broker round trip).
  std::map<TopicPartition, Watermarks> watermarks() const;
  // Records behind the end, per assigned partition with known watermarks: the high watermark minus the
  // last committed offset (or the offset the partition was assigned at, or its beginning).
  std::map<TopicPartition, int64_t> lag() const;
  // The same with where each partition stands (that offset), for telling a stalled partition.
  std::map<TopicPartition, StallWatch::Progress> progress() const;

  // The broker answers a metadata request. Safe from any thread.
  bool reachable(std::chrono::milliseconds timeout) const;
  // Revokes the assignment (through the callbacks) and leaves the group at once, so the others take
  // over without waiting for the session timeout.
  void close();

 private:
  class Rebalancer;
  void assigned(const std::vector<TopicPartition>& partitions, std::map<TopicPartition, int64_t> starts);
  void revoked();
  // pause or resume `partitions`; returns those librdkafka accepted.
  std::vector<TopicPartition> set_paused(const std::vector<TopicPartition>& partitions, bool pause);

  Options options_;
  Callbacks callbacks_;
  bool pause_intent_ = false;
  std::set<TopicPartition> paused_;  // the partitions we paused, all of them in assignment_
  std::vector<TopicPartition> assignment_;
  std::map<TopicPartition, int64_t> committed_;  // next offset per assigned partition, as far as we know
  bool closed_ = false;
  // Declared before the handle: librdkafka calls it until the handle is gone.
  std::unique_ptr<Rebalancer> rebalancer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

}  // namespace orderflow::runtime
