#pragma once
// Reads of orders for the api. GETs read the projections (schema `views`, the read side): an order
// with its lines and its timeline, a customer's orders newest first. Each read says how fresh it is
// (freshness.hpp). Only the cancel's precondition reads the orders context itself (orders.orders):
// whether a command makes sense is the write side's to say.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "freshness.hpp"

namespace orderflow::api {

struct OrderReads {
  std::map<std::string, std::string> orders;  // id -> the order's JSON
  Freshness freshness;
};

struct CustomerOrdersPage {
  std::vector<std::string> orders;  // JSON of each, newest first, without their timelines
  std::optional<std::string> next;  // the cursor of the next page
  Freshness freshness;
};

class OrderStore {
 public:
  OrderStore(std::string views_dsn, std::string orders_dsn)
      : views_dsn_(std::move(views_dsn)), orders_dsn_(std::move(orders_dsn)) {}
  // The JSON (with lines and timeline) of each of `order_ids` (lowercase UUIDs) the views hold, by id,
  // in ONE query; with `decided_only` just those whose status is no longer PENDING.
  OrderReads orders_json(const std::vector<std::string>& order_ids, bool decided_only) const;
  // A page of `limit` orders of `customer_id`, after `cursor` (a next of an earlier page).
  CustomerOrdersPage customer_orders(const std::string& customer_id, size_t limit,
                                     const std::optional<std::string>& cursor) const;
  // "<microseconds since the epoch>~<order id>": what a customer page's `next` looks like.
  static bool is_cursor(const std::string& text);
  struct Head {
    std::string status;
    std::string customer_id;
  };
  // The order's status and customer in the orders context, or nullopt if it is not (yet) persisted.
  std::optional<Head> status(const std::string& order_id) const;
  bool reachable() const;

 private:
  std::string views_dsn_;   // the projections' database
  std::string orders_dsn_;  // the orders context's
};

}  // namespace orderflow::api
