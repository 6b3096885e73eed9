#include "orderflow/runtime/retry_policy.hpp"

#include <algorithm>
#include <pqxx/except>

namespace orderflow::runtime {

std::chrono::milliseconds Backoff::next() {
  const auto now = next_;
  next_ = std::min(next_ * 2, max_);
  return now;
}

RetryPolicy::RetryPolicy(Options options)
    : options_(options), backoff_(options.first_wait, options.max_wait) {}

FailureKind RetryPolicy::classify_sqlstate(std::string_view state) {
  if (state == "40001" /* serialization failure */ || state == "40P01" /* deadlock detected */ ||
      state == "57P01" /* admin shutdown */ || state == "53300" /* too many connections */ ||
      state.starts_with("08") /* connection exception */) {
    return FailureKind::kTransient;
  }
  return FailureKind::kCounted;
}

Failure RetryPolicy::classify(const std::exception& e) {
  // in_doubt_error is a connection lost during COMMIT: whether it committed is unknown. Retrying cannot
  // apply a record twice (its id was marked processed in that transaction); at worst a dead letter is
  // sent twice.
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return {FailureKind::kLostConnection, ""};
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return {classify_sqlstate(sql->sqlstate()), sql->sqlstate()};
  }
  return {FailureKind::kCounted, ""};
}

std::chrono::milliseconds RetryPolicy::failed(FailureKind kind) {
  if (kind == FailureKind::kCounted) ++counted_;
  const auto wait = backoff_.next();
  return isolate() ? std::max(wait, options_.min_isolation_wait) : wait;
}

}  // namespace orderflow::runtime
