#include "orderflow/readers/topic_reader.hpp"

#include <fmt/format.h>

#include <ctime>
#include <set>
#include <stdexcept>

#include "orderflow/ids.hpp"
#include "orderflow/kafka_log.hpp"

namespace orderflow::readers {
namespace {

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK)
    throw std::runtime_error("kafka config " + name + ": " + err);
}

struct PartitionsDeleter {
  void operator()(std::vector<RdKafka::TopicPartition*>* parts) const {
    RdKafka::TopicPartition::destroy(*parts);
    delete parts;
  }
};
using OwnedPartitions = std::unique_ptr<std::vector<RdKafka::TopicPartition*>, PartitionsDeleter>;

KafkaRecord to_record(const RdKafka::Message& m) {
  KafkaRecord r;
  r.topic = m.topic_name();
  r.partition = m.partition();
  r.offset = m.offset();
  r.timestamp_ms = m.timestamp().timestamp;
  if (m.key_pointer() != nullptr) r.key = std::string(static_cast<const char*>(m.key_pointer()), m.key_len());
  if (m.payload() != nullptr) r.value.assign(static_cast<const char*>(m.payload()), m.len());
  if (const RdKafka::Headers* headers = const_cast<RdKafka::Message&>(m).headers()) {
    for (const auto& h : headers->get_all()) {
      r.headers.emplace_back(h.key(), h.value() != nullptr
                                          ? std::string(static_cast<const char*>(h.value()), h.value_size())
                                          : std::string());
    }
  }
  return r;
}

}  // namespace

std::optional<std::string> KafkaRecord::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return std::nullopt;
}

TopicReader::TopicReader(const std::string& brokers) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  kafka::route_logs(conf->c_ptr_global());
  set(*conf, "bootstrap.servers", brokers);
  // The C++ consumer wants a group id even when it never joins the group (assign only, no commits).
  set(*conf, "group.id", "orderflow-reader-" + random_uuid());
  set(*conf, "enable.auto.commit", "false");
  set(*conf, "enable.auto.offset.store", "false");
  set(*conf, "enable.partition.eof", "true");
  set(*conf, "client.id", "orderflow-reader");
  std::string err;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("cannot create Kafka consumer: " + err);
}

TopicReader::~TopicReader() {
  consumer_->unassign();
  consumer_->close();
}

std::vector<PartitionRange> TopicReader::partitions(const std::string& topic) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer_.get(), topic, nullptr, err));
  if (!t) throw std::runtime_error("topic " + topic + ": " + err);
  RdKafka::Metadata* raw = nullptr;
  const auto code = consumer_->metadata(false, t.get(), &raw, 10000);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (code != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("metadata of " + topic + ": " + RdKafka::err2str(code));
  if (md->topics()->size() != 1 || md->topics()->at(0)->err() != RdKafka::ERR_NO_ERROR ||
      md->topics()->at(0)->partitions()->empty())
    throw std::runtime_error("no topic " + topic);
  std::vector<PartitionRange> out;
  for (const auto* p : *md->topics()->at(0)->partitions()) {
    PartitionRange range{p->id(), 0, 0};
    const auto wm = consumer_->query_watermark_offsets(topic, p->id(), &range.low, &range.high, 10000);
    if (wm != RdKafka::ERR_NO_ERROR)
      throw std::runtime_error(fmt::format("watermarks of {}[{}]: {}", topic, p->id(), RdKafka::err2str(wm)));
    out.push_back(range);
  }
  return out;
}

void TopicReader::assign(const std::string& topic, const std::vector<std::pair<int32_t, int64_t>>& starts) {
  OwnedPartitions parts(new std::vector<RdKafka::TopicPartition*>());
  for (const auto& [partition, offset] : starts)
    parts->push_back(RdKafka::TopicPartition::create(topic, partition, offset));
  const auto code = consumer_->assign(*parts);
  if (code != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("assign " + topic + ": " + RdKafka::err2str(code));
}

std::vector<KafkaRecord> TopicReader::read(const std::string& topic, int32_t partition, int64_t from,
                                           int64_t to, std::chrono::milliseconds timeout) {
  std::vector<KafkaRecord> out;
  if (from >= to) return out;
  assign(topic, {{partition, from}});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(200));
    // What the consumer still had queued of an earlier read (another partition) is not this read's:
    // its end-of-partition must not end this one.
    const bool ours = m->topic_name() == topic && m->partition() == partition;
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      if (!ours || m->offset() < from) continue;
      if (m->offset() >= to) break;
      out.push_back(to_record(*m));
      if (m->offset() + 1 >= to) break;
    } else if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      if (ours && m->offset() >= from) break;
    } else if (m->err() != RdKafka::ERR__TIMED_OUT) {
      throw std::runtime_error(fmt::format("reading {}[{}]: {}", topic, partition, m->errstr()));
    }
  }
  consumer_->unassign();
  return out;
}

std::optional<KafkaRecord> TopicReader::fetch(const std::string& topic, int32_t partition, int64_t offset) {
  auto records = read(topic, partition, offset, offset + 1);
  if (records.empty() || records.front().offset != offset) return std::nullopt;
  return std::move(records.front());
}

void TopicReader::follow(const std::string& topic, bool from_beginning,
                         const std::function<bool(KafkaRecord)>& on_record,
                         const std::function<bool()>& keep_going) {
  // The end is read as watermarks now, not left to OFFSET_END: what is written after this call is shown
  // even if it lands before the assignment takes effect.
  std::vector<std::pair<int32_t, int64_t>> starts;
  for (const auto& p : partitions(topic)) starts.emplace_back(p.partition, from_beginning ? p.low : p.high);
  assign(topic, starts);
  while (keep_going()) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      if (!on_record(to_record(*m))) break;
    } else if (m->err() != RdKafka::ERR__PARTITION_EOF && m->err() != RdKafka::ERR__TIMED_OUT) {
      throw std::runtime_error("reading " + topic + ": " + m->errstr());
    }
  }
  consumer_->unassign();
}

std::string rfc3339_millis(int64_t timestamp_ms) {
  const std::time_t seconds = static_cast<std::time_t>(timestamp_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, timestamp_ms % 1000);
}

}  // namespace orderflow::readers
