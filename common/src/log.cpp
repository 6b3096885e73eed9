#include "orderflow/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace orderflow {

void init_logging(const std::string& process_name, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(process_name);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace orderflow
