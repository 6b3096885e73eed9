#include "order_saga.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "orderflow/json.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::orders {
namespace {

using Writer = json::Writer;

template <typename Fn>
std::string object(Fn&& fill) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  fill(w);
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

SagaMessage order_event(const Order& o, std::string type, std::string payload) {
  return SagaMessage{topics::kOrdersEvents, std::move(type), o.order_id, std::move(payload), ""};
}

}  // namespace

void OrderSaga::touch(Order& order) {
  ++order.version;
  order.dirty = true;
}

Line* OrderSaga::line_of(Order& order, const std::string& sku) {
  auto it = std::find_if(order.lines.begin(), order.lines.end(), [&](const Line& l) { return l.sku == sku; });
  return it == order.lines.end() ? nullptr : &*it;
}

void OrderSaga::place(const std::string& order_id, const std::string& customer_id,
                      const std::string& idempotency_key, const std::optional<std::string>& cart_id,
                      const std::vector<NewOrderLine>& lines, const std::string& placed_at,
                      std::vector<SagaMessage>& out) {
  if (orders.count(order_id) != 0) return;  // a retry of the same order: it exists already
  Order& o = orders[order_id];
  o.order_id = order_id;
  o.customer_id = customer_id;
  o.idempotency_key = idempotency_key;
  o.cart_id = cart_id;
  o.status = "PENDING";
  o.placed_at = placed_at;
  o.created = true;
  o.dirty = true;
  o.version = 1;
  std::string unknown;
  for (const auto& nl : lines) {
    Line l;
    l.line_no = static_cast<int>(o.lines.size()) + 1;
    l.sku = nl.sku;
    l.quantity = nl.quantity;
    auto price = catalog_prices.find(nl.sku);
    if (price == catalog_prices.end()) {
      if (unknown.empty()) unknown = nl.sku;
      l.state = "SHORT";
    } else {
      l.unit_price_cents = price->second;
    }
    o.total_cents += l.unit_price_cents * l.quantity;
    o.lines.push_back(l);
  }
  out.push_back(order_event(o, "OrderPlaced", object([&](Writer& w) {
                              json::put(w, "order_id", o.order_id);
                              json::put(w, "customer_id", o.customer_id);
                              if (o.cart_id) json::put(w, "cart_id", *o.cart_id);
                              w.Key("lines");
                              w.StartArray();
                              for (const auto& l : o.lines) {
                                w.StartObject();
                                json::put(w, "sku", l.sku);
                                json::put(w, "quantity", static_cast<int64_t>(l.quantity));
                                json::put(w, "unit_price_cents", l.unit_price_cents);
                                w.EndObject();
                              }
                              w.EndArray();
                              json::put(w, "total_cents", o.total_cents);
                              json::put(w, "version", static_cast<int64_t>(o.version));
                            })));
  if (o.lines.empty()) {
    reject(o, "the order has no lines (empty cart)", out);
    return;
  }
  if (!unknown.empty()) {
    reject(o, fmt::format("unknown sku {}", unknown), out);
    return;
  }
  for (const auto& l : o.lines) {
    out.push_back(SagaMessage{topics::kInventoryCommands, "ReserveStock", l.sku, object([&](Writer& w) {
                                json::put(w, "order_id", o.order_id);
                                json::put(w, "sku", l.sku);
                                json::put(w, "quantity", static_cast<int64_t>(l.quantity));
                              }),
                              l.sku});
  }
}

void OrderSaga::reserved(const std::string& order_id, const std::string& sku, std::vector<SagaMessage>& out) {
  auto it = orders.find(order_id);
  if (it == orders.end()) return;
  Order& o = it->second;
  Line* line = line_of(o, sku);
  if (line == nullptr || line->state != "PENDING") return;  // applied before
  line->state = "RESERVED";
  line->dirty = true;
  o.dirty = true;
  if (o.status != "PENDING") {
    // The order was decided (rejected, cancelled) while this reservation was on its way: give it back.
    release_line(o, *line, out);
    return;
  }
  const bool all =
      std::all_of(o.lines.begin(), o.lines.end(), [](const Line& l) { return l.state == "RESERVED"; });
  if (!all) return;
  o.status = "CONFIRMED";
  touch(o);
  out.push_back(order_event(o, "OrderConfirmed", object([&](Writer& w) {
                              json::put(w, "order_id", o.order_id);
                              json::put(w, "total_cents", o.total_cents);
                              json::put(w, "version", static_cast<int64_t>(o.version));
                            })));
}

void OrderSaga::short_of(const std::string& order_id, const std::string& sku, int64_t available,
                         std::vector<SagaMessage>& out) {
  auto it = orders.find(order_id);
  if (it == orders.end()) return;
  Order& o = it->second;
  Line* line = line_of(o, sku);
  if (line == nullptr || line->state != "PENDING") return;
  line->state = "SHORT";
  line->dirty = true;
  o.dirty = true;
  if (o.status == "PENDING") {
    reject(o,
           fmt::format("insufficient stock for sku {}: {} requested, {} available", sku, line->quantity,
                       available),
           out);
  }
}

void OrderSaga::released(const std::string& order_id, const std::string& sku) {
  auto it = orders.find(order_id);
  if (it == orders.end()) return;
  Line* line = line_of(it->second, sku);
  if (line == nullptr || line->state != "RELEASING") return;
  line->state = "RELEASED";
  line->dirty = true;
  it->second.dirty = true;
}

void OrderSaga::cancel(const std::string& order_id, const std::optional<std::string>& reason,
                       std::vector<SagaMessage>& out) {
  auto it = orders.find(order_id);
  if (it == orders.end() || (it->second.status != "PENDING" && it->second.status != "CONFIRMED")) {
    const std::string status = it == orders.end() ? "UNKNOWN" : it->second.status;
    out.push_back(SagaMessage{topics::kOrdersEvents, "OrderCommandRefused", order_id, object([&](Writer& w) {
                                json::put(w, "order_id", order_id);
                                json::put(w, "command", "CancelOrder");
                                json::put(w, "status", status);
                                json::put(w, "reason",
                                          fmt::format("an order that is {} cannot be cancelled", status));
                              }),
                              ""});
    return;
  }
  Order& o = it->second;
  o.status = "CANCELLED";
  o.reason = reason.value_or("cancelled by the customer");
  touch(o);
  out.push_back(order_event(o, "OrderCancelled", object([&](Writer& w) {
                              json::put(w, "order_id", o.order_id);
                              json::put(w, "reason", *o.reason);
                              json::put(w, "version", static_cast<int64_t>(o.version));
                            })));
  release_reserved_lines(o, out);
}

void OrderSaga::reject(Order& o, const std::string& reason, std::vector<SagaMessage>& out) {
  o.status = "REJECTED";
  o.reason = reason;
  touch(o);
  out.push_back(order_event(o, "OrderRejected", object([&](Writer& w) {
                              json::put(w, "order_id", o.order_id);
                              json::put(w, "reason", reason);
                              json::put(w, "version", static_cast<int64_t>(o.version));
                            })));
  release_reserved_lines(o, out);
}

void OrderSaga::release_reserved_lines(Order& o, std::vector<SagaMessage>& out) {
  for (auto& l : o.lines) {
    if (l.state == "RESERVED") release_line(o, l, out);
  }
}

void OrderSaga::release_line(Order& o, Line& l, std::vector<SagaMessage>& out) {
  l.state = "RELEASING";
  l.dirty = true;
  o.dirty = true;
  out.push_back(SagaMessage{topics::kInventoryCommands, "ReleaseStock", l.sku, object([&](Writer& w) {
                              json::put(w, "order_id", o.order_id);
                              json::put(w, "sku", l.sku);
                            }),
                            l.sku});
}

}  // namespace orderflow::orders
