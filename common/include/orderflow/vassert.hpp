#pragma once
// An invariant check that is always on, in every build: a violated invariant means the state is not what
// the code that keeps it believes, and writing anything more would spread the damage. It logs what broke
// and where, then aborts the process before the transaction it is in can commit (no row is written). A
// restarted worker re-reads the batch from the offsets PostgreSQL holds, and stops again until the bug
// is fixed: loud, never silent.
#include <fmt/format.h>

#include <source_location>
#include <string_view>

namespace orderflow {

[[noreturn]] void invariant_failed(std::string_view condition, std::string_view what,
                                   const std::source_location& where);

}  // namespace orderflow

#define vassert(condition, ...)                                             \
  do {                                                                      \
    if (!(condition)) [[unlikely]] {                                        \
      ::orderflow::invariant_failed(#condition, ::fmt::format(__VA_ARGS__), \
                                    std::source_location::current());       \
    }                                                                       \
  } while (false)
