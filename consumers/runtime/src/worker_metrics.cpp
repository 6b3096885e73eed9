#include "orderflow/runtime/worker_metrics.hpp"

namespace orderflow::runtime {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

WorkerMetrics::WorkerMetrics(const std::string& role)
    : role_(role),
      applied_(BuildCounter()
                   .Name("orderflow_consumer_records_total")
                   .Help("Records applied by a worker (dead letters excluded)")
                   .Register(metrics::registry())
                   .Add({{"role", role}})),
      dead_letters_(BuildCounter()
                        .Name("orderflow_dlq_records_total")
                        .Help("Records sent to a dead-letter topic")
                        .Register(metrics::registry())
                        .Add({{"role", role}})),
      retries_(BuildCounter()
                   .Name("orderflow_batch_retries_total")
                   .Help("Batches retried after a database error")
                   .Register(metrics::registry())
                   .Add({{"role", role}})),
      duplicates_(BuildCounter()
                      .Name("orderflow_duplicate_records_total")
                      .Help("Records skipped because their message id was applied before (replays, re-sends)")
                      .Register(metrics::registry())
                      .Add({{"role", role}})),
      batch_size_(BuildHistogram()
                      .Name("orderflow_batch_records")
                      .Help("Records per database transaction")
                      .Register(metrics::registry())
                      .Add({{"role", role}}, metrics::size_buckets())),
      tx_seconds_(BuildHistogram()
                      .Name("orderflow_db_transaction_seconds")
                      .Help("Time to apply one batch in PostgreSQL, commit included")
                      .Register(metrics::registry())
                      .Add({{"role", role}}, metrics::latency_buckets())),
      latency_(BuildHistogram()
                   .Name("orderflow_processing_latency_seconds")
                   .Help("From a record's Kafka timestamp to the commit of its effects")
                   .Register(metrics::registry())
                   .Add({{"role", role}}, metrics::latency_buckets())),
      assigned_(BuildGauge()
                    .Name("orderflow_assigned_partitions")
                    .Help("Partitions this instance consumes")
                    .Register(metrics::registry())
                    .Add({{"role", role}})),
      assignments_(
          prometheus::BuildCounter()
              .Name("orderflow_consumer_assignments_total")
              .Help("Assignments this instance got from its group: one per rebalance that reached it")
              .Register(metrics::registry())
              .Add({{"role", role}})),
      stalled_(BuildGauge()
                   .Name("orderflow_consumer_stalled_partitions")
                   .Help("Assigned partitions behind their end that have not moved for the stall timeout")
                   .Register(metrics::registry())
                   .Add({{"role", role}})),
      lag_family_(
          BuildGauge()
              .Name("orderflow_consumer_lag")
              .Help("Records of an assigned partition not applied yet: its end minus the committed offset")
              .Register(metrics::registry())),
      written_family_(BuildCounter()
                          .Name("orderflow_messages_written_total")
                          .Help("Messages committed transactions wrote to the outbox, by type (dead "
                                "letters excluded); the orders role's OrderConfirmed and OrderRejected are "
                                "its decisions")
                          .Register(metrics::registry())) {}

void WorkerMetrics::add_applied(size_t good, size_t batch_size) {
  applied_.Increment(static_cast<double>(good));
  batch_size_.Observe(static_cast<double>(batch_size));
}

void WorkerMetrics::add_dead_letters(size_t n) {
  dead_letters_.Increment(static_cast<double>(n));
}

void WorkerMetrics::add_written(const std::map<std::string_view, size_t>& by_type) {
  for (const auto& [type, n] : by_type) {
    auto it = written_.find(type);
    if (it == written_.end())
      it = written_
               .emplace(std::string(type),
                        &written_family_.Add({{"role", role_}, {"type", std::string(type)}}))
               .first;
    it->second->Increment(static_cast<double>(n));
  }
}

void WorkerMetrics::set_lag(const std::map<std::pair<std::string, int32_t>, int64_t>& lag) {
  for (auto it = lag_.begin(); it != lag_.end();) {
    if (lag.contains(it->first)) {
      ++it;
    } else {
      lag_family_.Remove(it->second);
      it = lag_.erase(it);
    }
  }
  for (const auto& [tp, records] : lag) {
    auto& gauge = lag_[tp];
    if (gauge == nullptr) {
      gauge =
          &lag_family_.Add({{"role", role_}, {"topic", tp.first}, {"partition", std::to_string(tp.second)}});
    }
    gauge->Set(static_cast<double>(records));
  }
}

}  // namespace orderflow::runtime
