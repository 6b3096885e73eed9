#pragma once
// Publishes a source's outbox rows (runtime.outbox, written by the workers' transactions) in order with the
// idempotent producer and, once the broker acknowledged them, moves the source's cursor past them
// (runtime.outbox_relayed; migration 007 says why the order is (xid, seq)). Published rows go a whole
// partition at a time (housekeep). A crash before the cursor moved publishes them again, with the same
// ids and bytes. Among several instances of a role, one relay at a time holds the source's advisory
// lock, which keeps per-key order; the others stand by.
#include <atomic>
#include <cstdint>
#include <memory>
#include <pqxx/connection>
#include <string>
#include <thread>

#include "orderflow/config.hpp"

namespace orderflow::producers {

class OutboxRelay {
 public:
  OutboxRelay(const Config& config, std::string source);
  ~OutboxRelay();  // stop()
  void start();
  // Publishes what is left (bounded), then stops the thread.
  void stop();
  bool healthy() const { return healthy_.load(); }

  // The LISTEN/NOTIFY channel on which a transaction that wrote rows of `source` wakes the relay.
  static std::string channel(const std::string& source) { return "outbox_" + source; }

 private:
  struct State;  // producer and metrics, created with the relay
  // Where a source's relay is: the (xid, seq) of the last row it published.
  struct Position {
    std::string xid = "0";
    int64_t seq = 0;
  };
  enum class Round { idle, published, held_back };
  void run();
  Round relay_once(pqxx::connection& conn);
  Position load_cursor(pqxx::connection& conn) const;
  void housekeep(pqxx::connection& conn);

  const Config& config_;
  std::string source_;
  std::unique_ptr<State> state_;
  Position cursor_;  // the relay thread's only
  std::atomic<bool> stopping_{false};
  std::atomic<bool> healthy_{true};
  std::thread thread_;
};

}  // namespace orderflow::producers
