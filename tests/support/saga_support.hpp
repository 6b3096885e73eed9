#pragma once
// Helpers for the saga tests (header-only): placing orders through the api, waiting for decisions,
// reading and checking the event topics, and describing the database state in failure messages.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "orderflow/json.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/resources.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

namespace orderflow::test::saga {

using Line = std::pair<std::string, int>;  // sku, quantity

inline std::string order_body(const std::string& customer, const std::vector<Line>& lines) {
  std::string body = R"({"customer_id":")" + customer + R"(","lines":[)";
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) body += ",";
    body += R"({"sku":")" + lines[i].first + R"(","quantity":)" + std::to_string(lines[i].second) + "}";
  }
  return body + "]}";
}

// The string member `name` of a JSON object text ("" when absent or not a string).
inline std::string json_string(const std::string& text, const char* name) {
  auto doc = json::parse(text);
  if (!doc || !doc->IsObject()) return "";
  const auto v = json::get_string(*doc, name);
  return v ? std::string(*v) : "";
}

// POST /v1/orders; returns the response (202 with {order_id} when accepted).
inline http::Response place(http::Client& c, const std::string& customer, const std::vector<Line>& lines,
                            const std::string& key) {
  return c.post_json("/v1/orders", order_body(customer, lines), {{"Idempotency-Key", key}});
}

// Places an order and returns its id; a failed assertion (and "") when it is not accepted.
inline std::string place_accepted(http::Client& c, const std::string& customer,
                                  const std::vector<Line>& lines) {
  const auto r = place(c, customer, lines, unique("key"));
  EXPECT_EQ(r.status, 202) << r.body << r.error;
  const std::string id = json_string(r.body, "order_id");
  EXPECT_FALSE(id.empty()) << r.body;
  return id;
}

inline http::Response cancel(http::Client& c, const std::string& order_id) {
  return c.post_json("/v1/orders/" + order_id + "/cancel", "{}", {{"Idempotency-Key", unique("cancel")}});
}

// GET /v1/orders/{id}?wait=... until the order is decided (status != PENDING) or `timeout` passes.
// Returns the last body (empty when none came).
inline std::string wait_decided(http::Client& c, const std::string& order_id,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  std::string last;
  wait_until(
      [&] {
        const auto r = c.get("/v1/orders/" + order_id + "?wait=5");
        if (r.status != 200) return false;
        last = r.body;
        const auto status = json_string(r.body, "status");
        return !status.empty() && status != "PENDING";
      },
      timeout, std::chrono::milliseconds(50));
  return last;
}

// Everything the database says about some orders, for failure messages.
inline std::string describe_orders(const Pipeline& p, const std::vector<std::string>& ids, size_t max = 20) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size() && i < max; ++i) {
    const auto rows =
        sql_rows(p.dsn(),
                 "SELECT o.status, coalesce(o.reason, ''), coalesce(o.total_cents::text, 'null'), "
                 "o.version, (SELECT string_agg(l.sku || 'x' || l.quantity || ':' || l.state, ' ' ORDER BY "
                 "l.line_no) FROM orders.order_lines l WHERE l.order_id = o.order_id), (SELECT "
                 "string_agg(r.sku || 'x' || r.quantity || ':' || r.state, ' ' ORDER BY r.sku) FROM "
                 "inventory.reservations r WHERE r.order_id = o.order_id) FROM orders.orders o WHERE "
                 "o.order_id = '" +
                     ids[i] + "'");
    out << "  order " << ids[i] << ": ";
    if (rows.empty()) {
      out << "(not in orders.orders)\n";
    } else {
      const auto& r = rows[0];
      out << r[0] << " reason='" << r[1] << "' total=" << r[2] << " v" << r[3] << " lines[" << r[4]
          << "] reservations[" << r[5] << "]\n";
    }
  }
  if (ids.size() > max) out << "  ... and " << ids.size() - max << " more\n";
  return out.str();
}

inline std::string describe_stock(const Pipeline& p, const std::vector<std::string>& skus) {
  std::ostringstream out;
  for (const auto& sku : skus) {
    const auto rows =
        sql_rows(p.dsn(),
                 "SELECT s.on_hand, s.available, s.version, (SELECT coalesce(sum(quantity), 0) FROM "
                 "inventory.reservations r WHERE r.sku = s.sku AND r.state = 'RESERVED') FROM "
                 "inventory.stock s WHERE s.sku = '" +
                     sku + "'");
    out << "  stock " << sku << ": ";
    if (rows.empty()) {
      out << "(no row)\n";
    } else {
      out << "on_hand " << rows[0][0] << " available " << rows[0][1] << " reserved " << rows[0][3] << " v"
          << rows[0][2] << "\n";
    }
  }
  return out.str();
}

inline std::string worker_logs(Pipeline& p, const std::vector<std::string>& roles, size_t bytes = 3000) {
  std::string out;
  for (const auto& r : roles)
    out += "---- worker " + r + " log tail ----\n" + p.worker(r).log_tail(bytes) + "\n";
  out += "---- api log tail ----\n" + p.api().log_tail(bytes) + "\n";
  return out;
}

// ---- events -------------------------------------------------------------------------------------------

struct Event {
  std::string raw;
  std::string id, type, key;
  std::string order_id, sku;  // from the payload when present
  int64_t quantity = 0;
  int64_t total_cents = -1;  // OrderPlaced, OrderConfirmed
};

// Types the manifest (schemas/topics.json) allows on `topic` (a base name like "orders.events").
inline std::set<std::string> manifest_types(const std::string& topic) {
  auto doc = json::parse(resource("schemas/topics.json"));
  std::set<std::string> types;
  if (!doc) return types;
  for (const auto& t : (*doc)["topics"].GetArray()) {
    if (std::string(t["name"].GetString()) != topic) continue;
    for (const auto& type : t["types"].GetArray()) types.insert(type.GetString());
  }
  return types;
}

struct EventLog {
  std::vector<Event> events;           // every record, in topic-read order (duplicates included)
  std::vector<std::string> problems;   // records that are not valid envelopes of a known type, etc.
  std::vector<std::string> conflicts;  // ids seen with two different contents

  // Distinct event ids per (order_id, type).
  std::map<std::pair<std::string, std::string>, std::set<std::string>> by_order_type() const {
    std::map<std::pair<std::string, std::string>, std::set<std::string>> out;
    for (const auto& e : events) out[{e.order_id, e.type}].insert(e.id);
    return out;
  }
};

// Reads every record of `topic` (base name) and checks it: decodes as a message with a payload valid
// for its type and a key its topic derives from the payload (messages/message.hpp), type listed for the
// topic in the manifest, key as the manifest says (order_id, or sku for the stock adjustment events),
// and no id with two different contents.
inline EventLog read_events(const Pipeline& p, const std::string& topic) {
  EventLog log;
  const auto allowed = manifest_types(topic);
  std::map<std::string, std::string> content_of;
  for (const auto& raw : read_topic(p.config().kafka_brokers, p.topic(topic))) {
    auto decoded = messages::decode(raw);
    if (auto* err = std::get_if<messages::DecodeError>(&decoded)) {
      log.problems.push_back(topic + ": not a valid message (" + err->reason + "): " + raw.substr(0, 300));
      continue;
    }
    const auto& m = std::get<messages::Message>(decoded);
    Event e;
    e.raw = raw;
    e.id = m.id;
    e.type = std::string(m.type());
    e.key = m.key;
    std::visit(
        [&e](const auto& payload) {
          if constexpr (requires { payload.order_id; }) e.order_id = payload.order_id;
          if constexpr (requires { payload.sku; }) e.sku = payload.sku;
          if constexpr (requires { payload.quantity; }) e.quantity = payload.quantity;
          if constexpr (requires { payload.total_cents; }) e.total_cents = payload.total_cents;
        },
        m.payload);
    if (!allowed.count(e.type))
      log.problems.push_back(topic + ": type " + e.type + " not in the manifest: " + raw);
    const bool keyed_by_sku = e.type == "StockAdjusted" || e.type == "StockAdjustRefused";
    const std::string expected_key = keyed_by_sku ? e.sku : e.order_id;
    if (e.key != expected_key) {
      log.problems.push_back(topic + ": key '" + e.key + "' but payload says '" + expected_key + "': " + raw);
    }
    auto [it, inserted] = content_of.emplace(e.id, raw);
    if (!inserted && it->second != raw) {
      log.conflicts.push_back("id " + e.id + " with two contents:\n    " + it->second + "\n    " + raw);
    }
    log.events.push_back(std::move(e));
  }
  return log;
}

// Orders whose events on orders.events do not tell their story exactly once: one OrderPlaced, and for
// the final status (rows of order_id, status) one OrderConfirmed / OrderRejected / OrderCancelled and
// none of the others (a CANCELLED order may have been confirmed first).
inline std::vector<std::string> order_story_problems(const EventLog& orders,
                                                     const std::vector<std::vector<std::string>>& id_status) {
  const auto by_type = orders.by_order_type();
  const auto count = [&](const std::string& order_id, const std::string& type) -> size_t {
    const auto it = by_type.find({order_id, type});
    return it == by_type.end() ? 0 : it->second.size();
  };
  std::vector<std::string> wrong;
  for (const auto& row : id_status) {
    const std::string& id = row[0];
    const std::string& status = row[1];
    const size_t placed = count(id, "OrderPlaced"), confirmed = count(id, "OrderConfirmed"),
                 rejected = count(id, "OrderRejected"), cancelled = count(id, "OrderCancelled");
    bool ok = placed == 1;
    if (status == "CONFIRMED") ok = ok && confirmed == 1 && rejected == 0 && cancelled == 0;
    if (status == "REJECTED") ok = ok && rejected == 1 && confirmed == 0 && cancelled == 0;
    if (status == "CANCELLED") ok = ok && cancelled == 1 && rejected == 0 && confirmed <= 1;
    if (status == "PENDING") ok = ok && rejected == 0 && confirmed == 0 && cancelled == 0;
    if (!ok) {
      wrong.push_back(id + " " + status + ": placed " + std::to_string(placed) + ", confirmed " +
                      std::to_string(confirmed) + ", rejected " + std::to_string(rejected) + ", cancelled " +
                      std::to_string(cancelled) + " (distinct event ids)");
    }
  }
  return wrong;
}

// (order, sku) pairs whose reservation or release inventory.events announced under more than one id.
inline std::vector<std::string> announced_twice(const EventLog& inventory) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> reserved, released;
  for (const auto& e : inventory.events) {
    if (e.type == "StockReserved") reserved[{e.order_id, e.sku}].insert(e.id);
    if (e.type == "StockReleased") released[{e.order_id, e.sku}].insert(e.id);
  }
  std::vector<std::string> twice;
  for (const auto& [what, ids] :
       {std::make_pair("StockReserved", &reserved), std::make_pair("StockReleased", &released)}) {
    for (const auto& [k, set] : *ids) {
      if (set.size() > 1) {
        twice.push_back(std::string(what) + " x" + std::to_string(set.size()) + " for order " + k.first +
                        " sku " + k.second);
      }
    }
  }
  return twice;
}

inline std::string first_lines(const std::vector<std::string>& items, size_t max = 10) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) out += "  " + items[i] + "\n";
  if (items.size() > max) out += "  ... and " + std::to_string(items.size() - max) + " more\n";
  return out;
}

}  // namespace orderflow::test::saga
