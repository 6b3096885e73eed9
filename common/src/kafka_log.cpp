#include "orderflow/kafka_log.hpp"

#include <spdlog/spdlog.h>

namespace orderflow::kafka {
namespace {

// librdkafka speaks syslog levels: 0-2 emergency/alert/critical, 3 error, 4 warning, 5 notice,
// 6 info, 7 debug.
spdlog::level::level_enum level_of(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

// Called on librdkafka's threads: spdlog's loggers are thread-safe.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  spdlog::log(level_of(level), "kafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "-", facility, message);
}

}  // namespace

void route_logs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, log_line);
}

}  // namespace orderflow::kafka
