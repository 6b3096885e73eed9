#include "orderflow/runtime/outbox.hpp"

#include <algorithm>

#include "orderflow/json.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/producers/outbox_relay.hpp"
#include "orderflow/text.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::runtime {

Outbox::Outbox(const Config& config, std::string source) : config_(config), source_(std::move(source)) {}

void Outbox::publish(const messages::Message& m) {
  rows_.push_back(Row{config_.topic(std::string(m.topic())), m.key, messages::encode(m), "{}", m.type()});
}

void Outbox::publish_caused(const messages::Message& cause, messages::Payload payload) {
  publish(messages::caused_by(cause.id, std::move(payload)));
}

void Outbox::dead_letter(const Record& r, const std::string& reason) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "dlq.reason", reason);
  json::put(w, "dlq.source.topic", r.topic);
  json::put(w, "dlq.source.partition", std::to_string(r.partition));
  json::put(w, "dlq.source.offset", std::to_string(r.offset));
  json::put(w, "dlq.consumer", source_);
  w.EndObject();
  rows_.push_back(Row{topics::dlq(r.topic), r.key, r.value, {buffer.GetString(), buffer.GetSize()}, {}});
}

void Outbox::write(pqxx::transaction_base& tx) {
  if (rows_.empty()) return;
  // The generation is read in the INSERT itself; a writer that read it just before a switch and inserts
  // after it is still safe: the relay empties a generation only under a lock this INSERT takes. ORDER BY
  // ord gives the rows their seq in the order they were queued. The payload goes as hex: it may be
  // any bytes (a dead letter's), and a text[] element cannot carry a NUL.
  pg::Rows rows;
  int ord = 0;
  for (const auto& row : rows_) rows.row(ord++, row.topic, row.key, text::hex(row.payload), row.headers_json);
  pg::exec_rows(tx,
                "INSERT INTO runtime.outbox (generation, source, topic, key, payload, headers)"
                " SELECT (SELECT current FROM runtime.outbox_generation), " +
                    tx.quote(source_) + ", topic, key, decode(payload, 'hex'), headers::jsonb FROM " +
                    rows.from("ord, topic, key, payload, headers") + " ORDER BY ord::int",
                rows);
  // Delivered on commit only, so the relay never wakes for rows it cannot see yet.
  tx.exec("NOTIFY " + tx.quote_name(producers::OutboxRelay::channel(source_)));
  rows_.clear();
}

}  // namespace orderflow::runtime

namespace orderflow::runtime {

void Outbox::truncate(size_t n) {
  if (n < rows_.size()) rows_.resize(n);
}

size_t Outbox::dead_letters() const {
  return static_cast<size_t>(
      std::count_if(rows_.begin(), rows_.end(), [](const Row& r) { return r.dead_letter(); }));
}

std::map<std::string_view, size_t> Outbox::messages_by_type() const {
  std::map<std::string_view, size_t> counts;
  for (const auto& r : rows_)
    if (!r.dead_letter()) ++counts[r.type];
  return counts;
}

}  // namespace orderflow::runtime
