#pragma once
// Each topic bound, in one place, to its name, its key and the message types it carries. The topic
// manifest (schemas/topics.json: partitions, retention) and the AsyncAPI document say the same; unit
// tests hold them in step with this file.
#include <array>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>

#include "orderflow/messages/payloads.hpp"

namespace orderflow::messages {

// A topic: its name (without the run's prefix), the name of its key, how a message's key is derived
// from its payload, and the types it carries.
template <typename KeyOf, typename... Types>
struct Topic {
  std::string_view name;
  std::string_view key_name;
  KeyOf key_of;
  template <typename T>
  static constexpr bool carries() {
    return (std::is_same_v<T, Types> || ...);
  }
  static constexpr std::array<std::string_view, sizeof...(Types)> type_names() { return {Types::kType...}; }
};
template <typename... Types, typename KeyOf>
constexpr Topic<KeyOf, Types...> topic(std::string_view name, std::string_view key_name, KeyOf key_of) {
  return {name, key_name, key_of};
}

inline constexpr auto kOrdersCommands = topic<PlaceOrder, CancelOrder>(
    "orders.commands", "order_id", [](const auto& m) -> const std::string& { return m.order_id; });

inline constexpr auto kOrdersEvents =
    topic<OrderPlaced, OrderConfirmed, OrderRejected, OrderCancelled, OrderCommandRefused>(
        "orders.events", "order_id", [](const auto& m) -> const std::string& { return m.order_id; });

// Keyed by sku: one writer per SKU (guarantee 4).
inline constexpr auto kInventoryCommands = topic<ReserveStock, ReleaseStock, AdjustStock>(
    "inventory.commands", "sku", [](const auto& m) -> const std::string& { return m.sku; });

// An order's answers are keyed by the order, so the orders worker sees them in order; adjustments,
// which belong to no order, by sku.
inline constexpr auto kInventoryEvents =
    topic<StockReserved, StockShort, StockReleased, StockAdjusted, StockAdjustRefused>(
        "inventory.events", "order_id (sku for StockAdjusted, StockAdjustRefused)",
        [](const auto& m) -> const std::string& {
          if constexpr (requires { m.order_id; }) {
            return m.order_id;
          } else {
            return m.sku;
          }
        });

inline constexpr auto kCartsCommands = topic<AddCartItem, RemoveCartItem, CheckoutCart>(
    "carts.commands", "cart_id", [](const auto& m) -> const std::string& { return m.cart_id; });

inline constexpr auto kTopics =
    std::tie(kOrdersCommands, kOrdersEvents, kInventoryCommands, kInventoryEvents, kCartsCommands);

// Every message type, in the order of the topics above.
using Payload =
    std::variant<PlaceOrder, CancelOrder, OrderPlaced, OrderConfirmed, OrderRejected, OrderCancelled,
                 OrderCommandRefused, ReserveStock, ReleaseStock, AdjustStock, StockReserved, StockShort,
                 StockReleased, StockAdjusted, StockAdjustRefused, AddCartItem, RemoveCartItem, CheckoutCart>;

// The topic that carries T.
template <typename T>
constexpr const auto& topic_of() {
  if constexpr (kOrdersCommands.carries<T>()) {
    return kOrdersCommands;
  } else if constexpr (kOrdersEvents.carries<T>()) {
    return kOrdersEvents;
  } else if constexpr (kInventoryCommands.carries<T>()) {
    return kInventoryCommands;
  } else if constexpr (kInventoryEvents.carries<T>()) {
    return kInventoryEvents;
  } else {
    static_assert(kCartsCommands.carries<T>(), "a message type no topic carries");
    return kCartsCommands;
  }
}

inline std::string_view topic_name(const Payload& p) {
  return std::visit([](const auto& m) { return topic_of<std::decay_t<decltype(m)>>().name; }, p);
}
inline const std::string& key_of(const Payload& p) {
  return std::visit(
      [](const auto& m) -> const std::string& { return topic_of<std::decay_t<decltype(m)>>().key_of(m); }, p);
}
inline std::string_view type_name(const Payload& p) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kType; }, p);
}
inline int version_of(const Payload& p) {
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::kVersion; }, p);
}

}  // namespace orderflow::messages
