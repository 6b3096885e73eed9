#include "orderflow/pg.hpp"

#include <spdlog/spdlog.h>

#include <thread>

namespace orderflow::pg {

std::unique_ptr<pqxx::connection> connect(const std::string& dsn) {
  return std::make_unique<pqxx::connection>(dsn);
}

std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& dsn,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    try {
      return connect(dsn);
    } catch (const pqxx::broken_connection& e) {
      if (std::chrono::steady_clock::now() + backoff > deadline) throw;
      spdlog::warn("PostgreSQL not reachable yet ({}); retrying in {} ms", e.what(), backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }
}

}  // namespace orderflow::pg
