#include "tail.hpp"

#include <fmt/format.h>

#include <chrono>

#include "orderflow/json.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/readers/dead_letters.hpp"

namespace orderflow::cli {
namespace {

constexpr size_t kSummaryChars = 72;

std::string summary(std::string text) {
  if (text.size() > kSummaryChars) text = text.substr(0, kSummaryChars - 3) + "...";
  return readers::preview(text, text.size());  // a cut in a multi-byte character shows as U+FFFD
}

std::string shown_key(const readers::KafkaRecord& r) {
  return r.key ? readers::preview(*r.key, r.key->size()) : "-";
}

}  // namespace

bool matches(const readers::KafkaRecord& record, const TailOptions& options) {
  if (options.key && record.key != options.key) return false;
  if (options.type) {
    const auto decoded = messages::decode(record.value);
    const auto* m = std::get_if<messages::Message>(&decoded);
    if (m == nullptr || m->type() != *options.type) return false;
  }
  return true;
}

std::string table_header() {
  return fmt::format("{:<24} {:<28} {:<22} {:<36} {:<36} {}", "time", "topic/partition/offset", "type", "key",
                     "id", "payload");
}

std::string table_row(const readers::KafkaRecord& record, const std::string& topic) {
  const auto where = fmt::format("{}/{}/{}", topic, record.partition, record.offset);
  const auto decoded = messages::decode(record.value);
  if (const auto* error = std::get_if<messages::DecodeError>(&decoded)) {
    return fmt::format("{:<24} {:<28} {:<22} {:<36} {:<36} {}", readers::rfc3339_millis(record.timestamp_ms),
                       where, "(undecodable)", shown_key(record), "-",
                       summary(error->reason + ": " + readers::preview(record.value, kSummaryChars)));
  }
  const auto& m = std::get<messages::Message>(decoded);
  return fmt::format("{:<24} {:<28} {:<22} {:<36} {:<36} {}", m.occurred_at, where,
                     fmt::format("{}.v{}", m.type(), m.version()), m.key, m.id,
                     summary(messages::encode_payload(m.payload)));
}

std::string json_line(const readers::KafkaRecord& record, const std::string& topic) {
  const auto decoded = messages::decode(record.value);
  if (std::holds_alternative<messages::Message>(decoded)) {
    // The envelope as it was written (decode has checked it), with where it was read from.
    auto doc = json::parse(record.value);
    auto& a = doc->GetAllocator();
    doc->AddMember("topic", rapidjson::Value(topic.c_str(), a), a);
    doc->AddMember("partition", record.partition, a);
    doc->AddMember("offset", record.offset, a);
    return json::to_string(*doc);
  }
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "topic", topic);
  json::put(w, "partition", int64_t{record.partition});
  json::put(w, "offset", record.offset);
  json::put(w, "timestamp", readers::rfc3339_millis(record.timestamp_ms));
  if (record.key) json::put(w, "key", readers::preview(*record.key, record.key->size()));
  json::put(w, "undecodable", std::get<messages::DecodeError>(decoded).reason);
  json::put(w, "preview", readers::preview(record.value));
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

int64_t tail(const Config& config, const TailOptions& options, std::ostream& out) {
  readers::TopicReader reader(config.kafka_brokers);
  const auto started = std::chrono::steady_clock::now();
  int64_t printed = 0;
  if (!options.json) out << table_header() << "\n" << std::flush;
  reader.follow(
      config.topic(options.topic), options.from_beginning,
      [&](readers::KafkaRecord record) {
        if (!matches(record, options)) return true;
        out << (options.json ? json_line(record, options.topic) : table_row(record, options.topic)) << "\n"
            << std::flush;
        ++printed;
        return !options.max || printed < *options.max;
      },
      [&] {
        return !options.timeout_ms ||
               std::chrono::steady_clock::now() - started < std::chrono::milliseconds(*options.timeout_ms);
      });
  return printed;
}

}  // namespace orderflow::cli
