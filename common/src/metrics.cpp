#include "orderflow/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace orderflow::metrics {

prometheus::Registry& registry() {
  static prometheus::Registry r;
  return r;
}

std::string serialize() {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry().Collect());
  return out.str();
}

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

prometheus::Histogram::BucketBoundaries size_buckets() {
  return {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
}

}  // namespace orderflow::metrics
