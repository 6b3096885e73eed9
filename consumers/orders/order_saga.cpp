#include "order_saga.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "orderflow/overloaded.hpp"
#include "orderflow/vassert.hpp"

namespace orderflow::orders {
namespace {

bool legal(OrderStatus from, OrderStatus to) {
  switch (from) {
    case OrderStatus::Pending:
      return to == OrderStatus::Confirmed || to == OrderStatus::Rejected || to == OrderStatus::Cancelled;
    case OrderStatus::Confirmed:
      return to == OrderStatus::Cancelled;
    case OrderStatus::Rejected:
    case OrderStatus::Cancelled:
      return false;
  }
  return false;
}

bool legal(LineState from, LineState to) {
  switch (from) {
    case LineState::Pending:
      return to == LineState::Reserved || to == LineState::Short;
    case LineState::Reserved:
      return to == LineState::Releasing;
    case LineState::Releasing:
      return to == LineState::Released;
    case LineState::Short:
    case LineState::Released:
      return false;
  }
  return false;
}

}  // namespace

void OrderSaga::set_status(Order& o, OrderStatus to) {
  vassert(legal(o.status, to), "order {} cannot go from {} to {}", o.order_id, messages::to_string(o.status),
          messages::to_string(to));
  if (to == OrderStatus::Confirmed) {
    vassert(std::all_of(o.lines.begin(), o.lines.end(),
                        [](const Line& l) { return l.state == LineState::Reserved; }),
            "order {} confirmed with a line not reserved", o.order_id);
    vassert(!o.lines.empty(), "order {} confirmed without lines", o.order_id);
  }
  o.status = to;
  ++o.version;
  o.dirty = true;
}

void OrderSaga::set_state(Order& o, Line& l, LineState to) {
  vassert(legal(l.state, to), "line {} ({}) of order {} cannot go from {} to {}", l.line_no, l.sku,
          o.order_id, messages::to_string(l.state), messages::to_string(to));
  l.state = to;
  l.dirty = true;
  o.dirty = true;
}

Line* OrderSaga::line_of(Order& order, const std::string& sku) {
  auto it = std::find_if(order.lines.begin(), order.lines.end(), [&](const Line& l) { return l.sku == sku; });
  return it == order.lines.end() ? nullptr : &*it;
}

void OrderSaga::place(const messages::PlaceOrder& m, const std::string& placed_at, Out& out) {
  if (orders.count(m.order_id) != 0) return;  // a retry of the same order: it exists already
  create(m, placed_at, out);
  apply_early(m.order_id, out);
}

bool OrderSaga::park_if_early(const StockAnswerMessage& answer, const std::string& order_id) {
  if (orders.count(order_id) != 0) return false;
  early[order_id].push_back(answer);
  parked.push_back(answer);
  return true;
}

void OrderSaga::apply_early(const std::string& order_id, Out& out) {
  auto it = early.find(order_id);
  if (it == early.end()) return;
  const auto answers = std::move(it->second);
  early.erase(it);
  early_applied.insert(order_id);
  for (const auto& a : answers) {
    std::visit(overloaded{[&](const messages::StockReserved& m) { reserved(m, out); },
                          [&](const messages::StockShort& m) { short_of(m, out); },
                          [&](const messages::StockReleased& m) { released(m); }},
               a);
  }
}

void OrderSaga::create(const messages::PlaceOrder& m, const std::string& placed_at, Out& out) {
  Order& o = orders[m.order_id];
  o.order_id = m.order_id;
  o.customer_id = m.customer_id;
  o.idempotency_key = m.idempotency_key;
  o.cart_id = m.cart_id;
  o.status = OrderStatus::Pending;
  o.placed_at = placed_at;
  o.created = true;
  o.dirty = true;
  o.version = 1;
  std::string unknown;
  messages::OrderPlaced placed{o.order_id, o.customer_id, o.cart_id, {}, 0, o.version};
  for (const auto& nl : m.lines) {
    Line l;
    l.line_no = static_cast<int>(o.lines.size()) + 1;
    l.sku = nl.sku;
    l.quantity = nl.quantity;
    auto price = catalog_prices.find(nl.sku);
    if (price == catalog_prices.end()) {
      if (unknown.empty()) unknown = nl.sku;
      l.state = LineState::Short;  // born short: nothing to reserve
    } else {
      l.unit_price_cents = price->second;
    }
    o.total_cents += l.unit_price_cents * l.quantity;
    placed.lines.push_back(messages::PricedLine{l.sku, l.quantity, l.unit_price_cents});
    o.lines.push_back(l);
  }
  placed.total_cents = o.total_cents;
  out.emplace_back(std::move(placed));
  if (o.lines.empty()) {
    reject(o, "the order has no lines (empty cart)", out);
    return;
  }
  if (!unknown.empty()) {
    reject(o, fmt::format("unknown sku {}", unknown), out);
    return;
  }
  for (const auto& l : o.lines) out.emplace_back(messages::ReserveStock{o.order_id, l.sku, l.quantity});
}

void OrderSaga::reserved(const messages::StockReserved& m, Out& out) {
  if (park_if_early(m, m.order_id)) return;
  auto it = orders.find(m.order_id);
  Order& o = it->second;
  Line* line = line_of(o, m.sku);
  if (line == nullptr || line->state != LineState::Pending) return;  // applied before
  set_state(o, *line, LineState::Reserved);
  if (o.status != OrderStatus::Pending) {
    // The order was decided (rejected, cancelled) while this reservation was on its way: give it back.
    release_line(o, *line, out);
    return;
  }
  const bool all = std::all_of(o.lines.begin(), o.lines.end(),
                               [](const Line& l) { return l.state == LineState::Reserved; });
  if (!all) return;
  set_status(o, OrderStatus::Confirmed);
  out.emplace_back(messages::OrderConfirmed{o.order_id, o.total_cents, o.version});
}

void OrderSaga::short_of(const messages::StockShort& m, Out& out) {
  if (park_if_early(m, m.order_id)) return;
  auto it = orders.find(m.order_id);
  Order& o = it->second;
  Line* line = line_of(o, m.sku);
  if (line == nullptr || line->state != LineState::Pending) return;
  set_state(o, *line, LineState::Short);
  if (o.status == OrderStatus::Pending) {
    reject(o,
           fmt::format("insufficient stock for sku {}: {} requested, {} available", m.sku, line->quantity,
                       m.available),
           out);
  }
}

void OrderSaga::released(const messages::StockReleased& m) {
  if (park_if_early(m, m.order_id)) return;
  auto it = orders.find(m.order_id);
  Line* line = line_of(it->second, m.sku);
  if (line == nullptr || line->state != LineState::Releasing) return;
  set_state(it->second, *line, LineState::Released);
}

void OrderSaga::cancel(const messages::CancelOrder& m, Out& out) {
  auto it = orders.find(m.order_id);
  if (it == orders.end() ||
      (it->second.status != OrderStatus::Pending && it->second.status != OrderStatus::Confirmed)) {
    const auto status =
        it == orders.end() ? messages::SeenStatus::Unknown : messages::seen(it->second.status);
    out.emplace_back(messages::OrderCommandRefused{
        m.order_id, messages::OrderCommand::CancelOrder, status,
        fmt::format("an order that is {} cannot be cancelled", messages::to_string(status))});
    return;
  }
  Order& o = it->second;
  o.reason = m.reason.value_or("cancelled by the customer");
  set_status(o, OrderStatus::Cancelled);
  out.emplace_back(messages::OrderCancelled{o.order_id, o.reason, o.version});
  release_reserved_lines(o, out);
}

void OrderSaga::reject(Order& o, const std::string& reason, Out& out) {
  o.reason = reason;
  set_status(o, OrderStatus::Rejected);
  out.emplace_back(messages::OrderRejected{o.order_id, reason, o.version});
  release_reserved_lines(o, out);
}

void OrderSaga::release_reserved_lines(Order& o, Out& out) {
  for (auto& l : o.lines) {
    if (l.state == LineState::Reserved) release_line(o, l, out);
  }
}

void OrderSaga::release_line(Order& o, Line& l, Out& out) {
  set_state(o, l, LineState::Releasing);
  out.emplace_back(messages::ReleaseStock{o.order_id, l.sku});
}

}  // namespace orderflow::orders
