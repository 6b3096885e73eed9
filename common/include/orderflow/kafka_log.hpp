#pragma once
// librdkafka's own log lines (connection failures, broker state, ...) go through our logger, with its
// format and level, instead of raw "%3|1700000000.123|FAIL|rdkafka#producer-1| ..." lines on stderr.
// Call on every configuration before a handle is made from it (producer, consumer, admin).
#include <librdkafka/rdkafka.h>

namespace orderflow::kafka {

void route_logs(rd_kafka_conf_t* conf);

}  // namespace orderflow::kafka
