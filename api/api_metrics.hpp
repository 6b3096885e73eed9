#pragma once
// The api's metrics: requests by route and status, request latency, Kafka produce latency.
#include <string>

namespace orderflow::api::metrics {

void observe_request(const std::string& route, int status, double seconds);
void observe_produce(bool ok, double seconds);

}  // namespace orderflow::api::metrics
