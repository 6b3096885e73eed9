#pragma once
// How the consumer loop retries a batch whose transaction failed. Pure (no broker, no database): the loop
// reports each failed attempt and the policy says how long to wait and whether the next attempt applies
// the records one by one. Nothing is ever skipped: a batch is retried until it commits; isolation only
// turns the one record that keeps failing into a dead letter (guarantee 6).
#include <chrono>
#include <exception>
#include <string>
#include <string_view>

namespace orderflow::runtime {

enum class FailureKind {
  // The connection is gone or could not be made: reconnect and retry the batch as it is.
  kLostConnection,
  // PostgreSQL refused for a reason that passes (serialization failure, deadlock, admin shutdown, too
  // many connections, connection exceptions): retry the batch as it is.
  kTransient,
  // Anything else, possibly the fault of a record in the batch: counts toward isolation.
  kCounted,
};

struct Failure {
  FailureKind kind = FailureKind::kCounted;
  std::string sqlstate;  // PostgreSQL's SQLSTATE when there is one, else empty
};

// Exponential backoff: `first`, doubling up to `max`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max) : next_(first), max_(max) {}
  // The wait to use now; the one after is twice as long (at most `max`).
  std::chrono::milliseconds next();

 private:
  std::chrono::milliseconds next_;
  std::chrono::milliseconds max_;
};

class RetryPolicy {
 public:
  struct Options {
    std::chrono::milliseconds first_wait{100};
    std::chrono::milliseconds max_wait{5000};
    // Counted failures after which records are applied one by one, each in its own savepoint.
    int isolate_after = 3;
    // Isolation is expected to succeed at once (the failing record becomes a dead letter), but when it
    // fails too (the failure is outside any record) retrying without a pause would hammer PostgreSQL.
    std::chrono::milliseconds min_isolation_wait{100};
  };

  RetryPolicy() : RetryPolicy(Options{}) {}
  explicit RetryPolicy(Options options);

  static FailureKind classify_sqlstate(std::string_view sqlstate);
  // What an exception thrown by an attempt (libpqxx's, or the role's) says about the next attempt.
  static Failure classify(const std::exception& e);

  // Records a failed attempt; returns how long to wait before the next one.
  std::chrono::milliseconds failed(FailureKind kind);
  // Whether the next attempt applies the records one by one.
  bool isolate() const { return counted_ >= options_.isolate_after; }
  int counted_failures() const { return counted_; }

 private:
  Options options_;
  Backoff backoff_;
  int counted_ = 0;
};

}  // namespace orderflow::runtime
