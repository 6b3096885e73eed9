#pragma once
// One logging setup for every process: spdlog to stderr, level from the config.
#include <spdlog/spdlog.h>

#include <string>

namespace orderflow {
void init_logging(const std::string& process_name, const std::string& level);
// The name init_logging was given ("api", "worker-orders", ...; "orderflow" before it was called).
const std::string& process_name();
}  // namespace orderflow
