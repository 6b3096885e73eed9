#pragma once
// Publishes a source's outbox rows (runtime.outbox, written by the workers' transactions) in order with the
// idempotent producer and deletes them after the broker acknowledged them. Rows left by a crash are simply
// still there and go out on restart. Among several instances of a role, one relay at a time holds the
// source's advisory lock, which keeps per-key order; the others stand by.
#include <atomic>
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
  void run();
  bool relay_once(pqxx::connection& conn);

  const Config& config_;
  std::string source_;
  std::unique_ptr<State> state_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> healthy_{true};
  std::thread thread_;
};

}  // namespace orderflow::producers
