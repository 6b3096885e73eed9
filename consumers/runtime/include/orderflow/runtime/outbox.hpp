#pragma once
// What a transaction wants published. Rows are written in the batch's own transaction, so a message is
// published if and only if the state change that caused it committed (guarantee 3); the OutboxRelay
// sends them afterwards.
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "orderflow/config.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/runtime/record.hpp"

namespace orderflow::runtime {

class Outbox {
 public:
  Outbox(const Config& config, std::string source);

  // Publishes `m` to its type's topic (with the run's prefix), keyed by its key. Encoding checks the
  // message against its contract first and throws messages::ContractViolation: the batch fails rather
  // than commit a message its consumer would dead-letter.
  void publish(const messages::Message& m);
  // The message `cause` causes, with an id derived from the cause's (messages::caused_by).
  void publish_caused(const messages::Message& cause, messages::Payload payload);
  // Sends the raw record to <topic>.dlq, with headers saying why and where it came from (guarantee 6).
  void dead_letter(const Record& r, const std::string& reason);

  // Inserts every queued row in one statement and wakes the relay on commit; clears the queue.
  void write(pqxx::transaction_base& tx);
  void clear() { truncate(0); }
  // Drops rows queued after the first `n` (a record whose effects were rolled back).
  void truncate(size_t n);
  size_t size() const { return rows_.size(); }
  // Dead letters among the queued rows.
  size_t dead_letters() const;
  // The queued messages (dead letters aside) by type, e.g. {"OrderConfirmed", 3}.
  std::map<std::string_view, size_t> messages_by_type() const;
  const std::string& source() const { return source_; }

 private:
  struct Row {
    std::string topic, key, payload, headers_json;
    std::string_view type;  // the message type's name (static storage); empty: a dead letter
    bool dead_letter() const { return type.empty(); }
  };
  const Config& config_;
  std::string source_;
  std::vector<Row> rows_;
};

}  // namespace orderflow::runtime
