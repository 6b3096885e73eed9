#pragma once
// Reads of the orders context (orders.orders, orders.order_lines) for the GET and cancel endpoints.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderflow::api {

class OrderStore {
 public:
  explicit OrderStore(std::string dsn) : dsn_(std::move(dsn)) {}
  // The order with its lines as the api's JSON, or nullopt if it is not (yet) persisted.
  std::optional<std::string> order_json(const std::string& order_id) const;
  // The JSON of each of `order_ids` (lowercase UUIDs) that exists, by id, in ONE query; with
  // `decided_only` just those whose status is no longer PENDING.
  std::map<std::string, std::string> orders_json(const std::vector<std::string>& order_ids,
                                                 bool decided_only) const;
  struct Head {
    std::string status;
    std::string customer_id;
  };
  // The order's status and customer, or nullopt if it is not (yet) persisted.
  std::optional<Head> status(const std::string& order_id) const;
  bool reachable() const;

 private:
  std::string dsn_;
};

}  // namespace orderflow::api
