#include "orderflow/log.hpp"

#include <fmt/chrono.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/text.hpp"

namespace orderflow {
namespace {
std::string& name_of_process() {
  static std::string name = "orderflow";
  return name;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const auto line = json_log_line(msg.time, std::string_view(level.data(), level.size()),
                                    std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                                    std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

const std::string& process_name() {
  return name_of_process();
}

std::string json_log_line(std::chrono::system_clock::time_point time, std::string_view level,
                          std::string_view process, std::string_view message) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "time", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, ms));
  json::put(w, "level", level);
  json::put(w, "process", text::replace_invalid_utf8(process));
  json::put(w, "message", text::replace_invalid_utf8(message));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void init_logging(const std::string& process_name, const std::string& level, const std::string& format) {
  if (format != "text" && format != "json")
    throw std::invalid_argument("ORDERFLOW_LOG_FORMAT must be text or json, got '" + format + "'");
  name_of_process() = process_name;
  auto logger = spdlog::stderr_color_mt(process_name);
  spdlog::set_default_logger(logger);
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace orderflow
