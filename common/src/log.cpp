#include "orderflow/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace orderflow {
namespace {
std::string& name_of_process() {
  static std::string name = "orderflow";
  return name;
}
}  // namespace

const std::string& process_name() {
  return name_of_process();
}

void init_logging(const std::string& process_name, const std::string& level) {
  name_of_process() = process_name;
  auto logger = spdlog::stderr_color_mt(process_name);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace orderflow
