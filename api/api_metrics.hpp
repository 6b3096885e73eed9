#pragma once
// The api's metrics: requests by route and status, request latency, Kafka produce latency.
#include <cstddef>
#include <string>

namespace orderflow::api::metrics {

void observe_request(const std::string& route, int status, double seconds);
void observe_produce(bool ok, double seconds);
// Requests parked in the order waiter (GET /v1/orders/{id}?wait=N).
void set_order_waiters(size_t count);

}  // namespace orderflow::api::metrics
