// RetryPolicy: which failures count toward isolating records, the backoff schedule, when isolation
// starts, and that isolation never retries without a pause.
#include "orderflow/runtime/retry_policy.hpp"

#include <gtest/gtest.h>

#include <pqxx/except>
#include <stdexcept>

using orderflow::runtime::Backoff;
using orderflow::runtime::FailureKind;
using orderflow::runtime::RetryPolicy;
using std::chrono::milliseconds;

TEST(RetryPolicy, PassingSqlStatesAreTransient) {
  for (const char* state : {"40001", "40P01", "57P01", "53300", "08000", "08006", "08P01"}) {
    EXPECT_EQ(RetryPolicy::classify_sqlstate(state), FailureKind::kTransient) << state;
  }
}

TEST(RetryPolicy, OtherSqlStatesCount) {
  // unique violation, not-null violation, division by zero, undefined table, raise_exception, unknown
  for (const char* state : {"23505", "23502", "22012", "42P01", "P0001", ""}) {
    EXPECT_EQ(RetryPolicy::classify_sqlstate(state), FailureKind::kCounted) << state;
  }
}

TEST(RetryPolicy, ClassifiesExceptions) {
  EXPECT_EQ(RetryPolicy::classify(pqxx::broken_connection("gone")).kind, FailureKind::kLostConnection);
  EXPECT_EQ(RetryPolicy::classify(pqxx::in_doubt_error("lost during commit")).kind,
            FailureKind::kLostConnection);
  const auto deadlock = RetryPolicy::classify(pqxx::sql_error("deadlock detected", "UPDATE", "40P01"));
  EXPECT_EQ(deadlock.kind, FailureKind::kTransient);
  EXPECT_EQ(deadlock.sqlstate, "40P01");
  const auto unique = RetryPolicy::classify(pqxx::sql_error("duplicate key", "INSERT", "23505"));
  EXPECT_EQ(unique.kind, FailureKind::kCounted);
  EXPECT_EQ(unique.sqlstate, "23505");
  // A role's own exception (a bug, an unexpected record) counts.
  EXPECT_EQ(RetryPolicy::classify(std::runtime_error("role failed")).kind, FailureKind::kCounted);
  EXPECT_TRUE(RetryPolicy::classify(std::runtime_error("role failed")).sqlstate.empty());
}

TEST(RetryPolicy, BackoffDoublesFrom100MsTo5Seconds) {
  RetryPolicy p;
  const milliseconds expected[] = {milliseconds(100),  milliseconds(200),  milliseconds(400),
                                   milliseconds(800),  milliseconds(1600), milliseconds(3200),
                                   milliseconds(5000), milliseconds(5000), milliseconds(5000)};
  for (const auto want : expected) EXPECT_EQ(p.failed(FailureKind::kTransient), want);
}

TEST(RetryPolicy, TransientFailuresAndLostConnectionsNeverIsolate) {
  RetryPolicy p;
  for (int i = 0; i < 50; ++i) {
    p.failed(i % 2 == 0 ? FailureKind::kTransient : FailureKind::kLostConnection);
    EXPECT_FALSE(p.isolate()) << "after " << i + 1 << " failures";
  }
  EXPECT_EQ(p.counted_failures(), 0);
}

TEST(RetryPolicy, IsolatesAfterThreeCountedFailures) {
  RetryPolicy p;
  EXPECT_FALSE(p.isolate());
  p.failed(FailureKind::kCounted);
  p.failed(FailureKind::kTransient);  // does not count
  p.failed(FailureKind::kCounted);
  EXPECT_FALSE(p.isolate());
  EXPECT_EQ(p.counted_failures(), 2);
  p.failed(FailureKind::kCounted);
  EXPECT_TRUE(p.isolate());
  p.failed(FailureKind::kTransient);
  EXPECT_TRUE(p.isolate()) << "isolation, once started, stays for the batch";
}

TEST(RetryPolicy, IsolationNeverRetriesWithoutAPause) {
  // Even with a schedule that would not wait, failures in isolation mode (outside any record, so no
  // dead letter can fix them) wait at least the isolation minimum, and back off further.
  RetryPolicy p(RetryPolicy::Options{.first_wait = milliseconds(0),
                                     .max_wait = milliseconds(0),
                                     .isolate_after = 3,
                                     .min_isolation_wait = milliseconds(100)});
  for (int i = 0; i < 2; ++i) EXPECT_EQ(p.failed(FailureKind::kCounted), milliseconds(0));
  for (int i = 0; i < 20; ++i) {
    EXPECT_GE(p.failed(i % 3 == 2 ? FailureKind::kTransient : FailureKind::kCounted), milliseconds(100));
    EXPECT_TRUE(p.isolate());
  }
}

TEST(RetryPolicy, DefaultScheduleKeepsBackingOffInIsolation) {
  RetryPolicy p;
  milliseconds last{0};
  for (int i = 0; i < 10; ++i) {
    const auto wait = p.failed(FailureKind::kCounted);
    EXPECT_GT(wait, milliseconds(0));
    EXPECT_GE(wait, last);
    EXPECT_LE(wait, milliseconds(5000));
    last = wait;
  }
  EXPECT_TRUE(p.isolate());
  EXPECT_EQ(last, milliseconds(5000));
}

TEST(RetryPolicy, BackoffStopsAtItsCap) {
  Backoff b(milliseconds(100), milliseconds(2000));
  EXPECT_EQ(b.next(), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(800));
  EXPECT_EQ(b.next(), milliseconds(1600));
  EXPECT_EQ(b.next(), milliseconds(2000));
  EXPECT_EQ(b.next(), milliseconds(2000));
}
