#include "dead_letter_commands.hpp"

#include <fmt/format.h>

#include <future>

#include "orderflow/json.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "orderflow/readers/dead_letters.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::cli {
namespace {

std::string dlq_name(const std::string& topic) {
  return topic.ends_with(topics::dlq("")) ? topic : topics::dlq(topic);
}

std::optional<readers::DeadLetter> fetch(const Config& config, const std::string& dlq_topic,
                                         int32_t partition, int64_t offset) {
  readers::TopicReader reader(config.kafka_brokers);
  auto record = reader.fetch(config.topic(dlq_topic), partition, offset);
  if (!record) return std::nullopt;
  return readers::dead_letter_from(std::move(*record));
}

std::string source_of(const readers::DeadLetter& d, const std::string& prefix) {
  if (!d.source_topic) return "-";
  const auto& t = *d.source_topic;
  return fmt::format("{}/{}/{}", t.starts_with(prefix) ? t.substr(prefix.size()) : t,
                     d.source_partition ? std::to_string(*d.source_partition) : "?",
                     d.source_offset ? std::to_string(*d.source_offset) : "?");
}

// The installation's own topics that a dead letter may go back to (never a .dlq).
bool replayable_topic(const Config& config, const std::string& full_name) {
  for (const auto& spec : topic_manifest())
    if (!spec.name.ends_with(topics::dlq("")) && config.topic(spec.name) == full_name) return true;
  return false;
}

}  // namespace

void list_dead_letters(const Config& config, const std::optional<std::string>& topic, size_t limit, bool json,
                       std::ostream& out) {
  readers::TopicReader reader(config.kafka_brokers);
  const auto topics = topic ? std::vector<std::string>{config.topic(dlq_name(*topic))}
                            : readers::dlq_topics(config.topic_prefix);
  const auto letters = readers::newest_dead_letters(reader, topics, limit);
  if (json) {
    for (const auto& d : letters) {
      rapidjson::StringBuffer buffer;
      json::Writer w(buffer);
      readers::write_json(w, d, config.topic_prefix);
      out << buffer.GetString() << "\n";
    }
    return;
  }
  out << fmt::format("{:<24} {:<30} {:<30} {:<10} {:>7}  {}\n", "time", "dead letter", "source", "consumer",
                     "bytes", "reason");
  for (const auto& d : letters) {
    const auto& r = d.record;
    const auto name = r.topic.substr(config.topic_prefix.size());
    out << fmt::format("{:<24} {:<30} {:<30} {:<10} {:>7}  {}\n", readers::rfc3339_millis(r.timestamp_ms),
                       fmt::format("{}/{}/{}", name, r.partition, r.offset),
                       source_of(d, config.topic_prefix), readers::preview(d.consumer, d.consumer.size()),
                       r.value.size(), readers::preview(d.reason, d.reason.size()));
  }
  out << letters.size() << " dead letter(s)\n";
}

int show_dead_letter(const Config& config, const std::string& dlq_topic, int32_t partition, int64_t offset,
                     std::ostream& out) {
  const auto d = fetch(config, dlq_topic, partition, offset);
  if (!d) {
    out << "no record at " << dlq_topic << "/" << partition << "/" << offset << "\n";
    return 1;
  }
  const auto& r = d->record;
  out << "dead letter: " << dlq_topic << "/" << partition << "/" << offset << "\n"
      << "time:        " << readers::rfc3339_millis(r.timestamp_ms) << "\n"
      << "key:         " << (r.key ? readers::preview(*r.key, r.key->size()) : "(none)") << "\n"
      << "reason:      " << readers::preview(d->reason, d->reason.size()) << "\n"
      << "source:      " << source_of(*d, config.topic_prefix) << "\n"
      << "consumer:    " << readers::preview(d->consumer, d->consumer.size()) << "\n"
      << "headers:\n";
  for (const auto& [k, v] : r.headers)
    out << "  " << readers::preview(k, k.size()) << ": " << readers::preview(v, v.size()) << "\n";
  out << "value (" << r.value.size() << " bytes, invalid UTF-8 shown as U+FFFD):\n"
      << readers::preview(r.value, r.value.size()) << "\n";
  return 0;
}

int replay_dead_letter(const Config& config, const std::string& dlq_topic, int32_t partition, int64_t offset,
                       std::ostream& out) {
  const auto where = fmt::format("{}/{}/{}", dlq_topic, partition, offset);
  const auto d = fetch(config, dlq_topic, partition, offset);
  if (!d) {
    out << "refused: no record at " << where << "\n";
    return 1;
  }
  if (!d->source_topic) {
    out << "refused: " << where << " has no " << readers::dlq_headers::kSourceTopic
        << " header, so where it belongs is unknown; nothing published\n";
    return 1;
  }
  if (!replayable_topic(config, *d->source_topic)) {
    out << "refused: " << where << " names source topic '" << readers::preview(*d->source_topic, 200)
        << "', which is not a topic of this installation (prefix '" << config.topic_prefix
        << "'); nothing published\n";
    return 1;
  }
  kafka::Producer producer(kafka::ProducerOptions{config.kafka_brokers, "orderflow-ctl", 10000, 0});
  std::promise<kafka::DeliveryResult> delivered;
  auto result = delivered.get_future();
  std::string error;
  const kafka::Headers headers = {
      {readers::dlq_headers::kReplayOf, config.topic(dlq_topic) + fmt::format("/{}/{}", partition, offset)}};
  if (!producer.produce(
          *d->source_topic, d->record.key.value_or(""), d->record.value, headers,
          [&](const kafka::DeliveryResult& r) { delivered.set_value(r); }, &error)) {
    out << "failed: cannot queue the record: " << error << "\n";
    return 2;
  }
  const auto r = result.get();  // the producer's message timeout bounds the wait
  if (!r.ok) {
    out << "failed: Kafka did not acknowledge the record: " << r.error << "\n";
    return 2;
  }
  out << "replayed " << where << " (" << d->record.value.size() << " bytes, key "
      << (d->record.key ? *d->record.key : "(none)") << ", reason was: " << readers::preview(d->reason, 200)
      << ") to " << d->source_topic->substr(config.topic_prefix.size()) << "/" << r.partition << "/"
      << r.offset << "\n";
  return 0;
}

}  // namespace orderflow::cli
