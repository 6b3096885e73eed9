#pragma once
// A log-linear latency histogram (the HdrHistogram idea, fixed precision): values below 2*S are
// counted exactly, and every power-of-two range above is split into S equal buckets, so a bucket is at
// most 1/S of its values wide. S = 128 gives percentiles within 0.4 % (half a bucket) of the true
// sample value at any magnitude, in a fixed 58 KiB of counters, with O(1) record and exact merge.
// Values are unsigned integers in whatever unit the caller picks (the load generator: microseconds).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace orderflow::loadgen {

class Histogram {
 public:
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;  // S
  // 2*S exact buckets, then S per octave for the octaves kSubBucketBits+1 .. 63.
  static constexpr size_t kBucketCount = (64 - kSubBucketBits + 1) * kSubBuckets;

  Histogram();

  void record(uint64_t value, uint64_t count = 1);
  // Adds every count of `other` (the histograms of several threads become one).
  void merge(const Histogram& other);
  void reset();

  uint64_t count() const { return total_; }
  uint64_t min() const { return total_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_); }
  // The value at percentile p (0..100): the smallest recorded value v such that at least p % of the
  // values are <= v, reported as the middle of v's bucket (exact below 2*S), clamped to [min, max].
  // 0 when empty; p <= 0 gives min(), p >= 100 gives max().
  uint64_t percentile(double p) const;

  // Bucket arithmetic, public for the tests.
  static size_t index_of(uint64_t value);
  static uint64_t bucket_low(size_t index);    // smallest value of the bucket
  static uint64_t bucket_width(size_t index);  // number of distinct values in it

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  unsigned __int128 sum_ = 0;
};

}  // namespace orderflow::loadgen
