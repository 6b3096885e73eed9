#pragma once
// Reads of the orders context for GET endpoints. Each Pistache thread keeps its own connection.
#include <optional>
#include <string>

namespace orderflow::api {

class OrderStore {
 public:
  explicit OrderStore(std::string dsn) : dsn_(std::move(dsn)) {}
  // The order with its lines as the api's JSON, or nullopt if it is not (yet) persisted.
  std::optional<std::string> order_json(const std::string& order_id) const;
  bool reachable() const;

 private:
  std::string dsn_;
};

}  // namespace orderflow::api
