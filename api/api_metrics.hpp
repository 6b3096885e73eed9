#pragma once
// The api's metrics: requests by route and status, request latency, Kafka produce latency.
#include <cstddef>
#include <string>
#include <string_view>

namespace orderflow::api::metrics {

void observe_request(const std::string& route, int status, double seconds);
void observe_produce(bool ok, double seconds);
// A request refused 429 by the rate limit `policy` (rate_limits.hpp).
void count_rate_limited(std::string_view policy);
// Requests parked in the order waiter (GET /v1/orders/{id}?wait=N).
void set_order_waiters(size_t count);

}  // namespace orderflow::api::metrics
