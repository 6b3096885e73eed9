#include "orderflow/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace orderflow::loadgen {

Histogram::Histogram() : counts_(kBucketCount, 0) {}

size_t Histogram::index_of(uint64_t value) {
  if (value < 2 * kSubBuckets) return static_cast<size_t>(value);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= kSubBucketBits + 1
  const unsigned shift = msb - kSubBucketBits;                                // >= 1
  // value >> shift is in [S, 2S): its offset from S is the linear sub-bucket within the octave.
  return static_cast<size_t>((shift + 1) * kSubBuckets + ((value >> shift) - kSubBuckets));
}

uint64_t Histogram::bucket_low(size_t index) {
  if (index < 2 * kSubBuckets) return index;
  const uint64_t shift = index / kSubBuckets - 1;
  return (index % kSubBuckets + kSubBuckets) << shift;
}

uint64_t Histogram::bucket_width(size_t index) {
  if (index < 2 * kSubBuckets) return 1;
  return uint64_t{1} << (index / kSubBuckets - 1);
}

void Histogram::record(uint64_t value, uint64_t count) {
  if (count == 0) return;
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<unsigned __int128>(value) * count;
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
  sum_ = 0;
}

uint64_t Histogram::percentile(double p) const {
  if (total_ == 0) return 0;
  if (p <= 0) return min_;
  if (p >= 100) return max_;
  // The rank (1-based) of the value at p: ceil(p% of the count), at least 1.
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t mid = bucket_low(i) + (bucket_width(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace orderflow::loadgen
