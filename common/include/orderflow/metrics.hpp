#pragma once
// The process-wide Prometheus registry and the text exposition served at /metrics.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

namespace orderflow::metrics {

prometheus::Registry& registry();
// Everything in the registry, in Prometheus' text format.
std::string serialize();
// Latency buckets in seconds, 0.5 ms .. 10 s.
prometheus::Histogram::BucketBoundaries latency_buckets();
// Count buckets for batch sizes, 1 .. 5000.
prometheus::Histogram::BucketBoundaries size_buckets();

}  // namespace orderflow::metrics
