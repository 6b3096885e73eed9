#pragma once
// One logging setup for every process: spdlog to stderr, level and format from the config.
#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <string_view>

namespace orderflow {
// `format` "text": "2026-12-02T17:04:47.168 info [api] message" (local time); "json": one object per
// line (json_log_line), for log shippers that index fields.
void init_logging(const std::string& process_name, const std::string& level,
                  const std::string& format = "text");
// The name init_logging was given ("api", "worker-orders", ...; "orderflow" before it was called).
const std::string& process_name();
// {"time":"2026-12-02T17:04:47.168Z","level":"info","process":"api","message":"..."} and a newline:
// UTC with milliseconds; the message as JSON text (quotes, backslashes and control characters escaped,
// bytes that are not UTF-8 shown as U+FFFD).
std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view process, std::string_view message);
}  // namespace orderflow
