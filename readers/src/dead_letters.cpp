#include "orderflow/readers/dead_letters.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "orderflow/text.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::readers {
namespace {

template <typename Int>
std::optional<Int> to_int(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  Int v{};
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::string without_prefix(const std::string& topic, const std::string& prefix) {
  return topic.starts_with(prefix) ? topic.substr(prefix.size()) : topic;
}

bool newer(const DeadLetter& a, const DeadLetter& b) {
  if (a.record.timestamp_ms != b.record.timestamp_ms) return a.record.timestamp_ms > b.record.timestamp_ms;
  if (a.record.topic != b.record.topic) return a.record.topic < b.record.topic;
  return a.record.offset > b.record.offset;
}

}  // namespace

DeadLetter dead_letter_from(KafkaRecord record) {
  DeadLetter d;
  d.reason = record.header(dlq_headers::kReason).value_or("");
  d.source_topic = record.header(dlq_headers::kSourceTopic);
  d.source_partition = to_int<int32_t>(record.header(dlq_headers::kSourcePartition));
  d.source_offset = to_int<int64_t>(record.header(dlq_headers::kSourceOffset));
  d.consumer = record.header(dlq_headers::kConsumer).value_or("");
  d.record = std::move(record);
  return d;
}

std::string preview(const std::string& value, size_t preview_bytes) {
  return text::replace_invalid_utf8(std::string_view(value).substr(0, preview_bytes));
}

std::vector<DeadLetter> newest_dead_letters(TopicReader& reader, const std::vector<std::string>& dlq_topics,
                                            size_t limit) {
  std::vector<DeadLetter> all;
  for (const auto& topic : dlq_topics) {
    std::vector<PartitionRange> ranges;
    try {
      ranges = reader.partitions(topic);
    } catch (const std::runtime_error&) {
      continue;  // not created (yet): no dead letters there
    }
    // Each partition's last `limit` records are enough: the newest `limit` overall are among them.
    for (const auto& r : ranges) {
      const int64_t from = std::max(r.low, r.high - static_cast<int64_t>(limit));
      for (auto& record : reader.read(topic, r.partition, from, r.high))
        all.push_back(dead_letter_from(std::move(record)));
    }
  }
  std::sort(all.begin(), all.end(), newer);
  if (all.size() > limit) all.resize(limit);
  return all;
}

std::vector<std::string> dlq_topics(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& spec : topic_manifest())
    if (spec.name.ends_with(topics::dlq(""))) out.push_back(prefix + spec.name);
  return out;
}

// Header values and keys are bytes of unknown origin: shown as text, invalid UTF-8 replaced.
static void put_text_or_null(json::Writer& w, const char* name, const std::optional<std::string>& value) {
  w.Key(name);
  if (!value) {
    w.Null();
    return;
  }
  const auto text = text::replace_invalid_utf8(*value);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

template <typename Int>
static void put_int_or_null(json::Writer& w, const char* name, const std::optional<Int>& value) {
  w.Key(name);
  if (value)
    w.Int64(*value);
  else
    w.Null();
}

void write_json(json::Writer& w, const DeadLetter& d, const std::string& prefix) {
  w.StartObject();
  json::put(w, "dlq_topic", without_prefix(d.record.topic, prefix));
  json::put(w, "partition", int64_t{d.record.partition});
  json::put(w, "offset", d.record.offset);
  json::put(w, "timestamp", rfc3339_millis(d.record.timestamp_ms));
  put_text_or_null(w, "key", d.record.key);
  json::put(w, "reason", text::replace_invalid_utf8(d.reason));
  w.Key("source");
  w.StartObject();
  put_text_or_null(w, "topic",
                   d.source_topic ? std::optional(without_prefix(*d.source_topic, prefix)) : std::nullopt);
  put_int_or_null(w, "partition", d.source_partition);
  put_int_or_null(w, "offset", d.source_offset);
  w.EndObject();
  json::put(w, "consumer", text::replace_invalid_utf8(d.consumer));
  json::put(w, "size", static_cast<int64_t>(d.record.value.size()));
  json::put(w, "preview", preview(d.record.value));
  w.EndObject();
}

}  // namespace orderflow::readers
