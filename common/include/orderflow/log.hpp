#pragma once
// One logging setup for every process: spdlog to stderr, level from the config.
#include <spdlog/spdlog.h>

#include <string>

namespace orderflow {
void init_logging(const std::string& process_name, const std::string& level);
}
