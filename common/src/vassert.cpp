#include "orderflow/vassert.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

namespace orderflow {

void invariant_failed(std::string_view condition, std::string_view what, const std::source_location& where) {
  const std::string line = fmt::format("invariant violated: {} ({}) at {}:{} in {}", what, condition,
                                       where.file_name(), where.line(), where.function_name());
  spdlog::critical("{}", line);
  spdlog::shutdown();
  std::fprintf(stderr, "%s\n", line.c_str());  // also when no logger is set up (tools, tests)
  std::abort();
}

}  // namespace orderflow
