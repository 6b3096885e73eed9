#pragma once
// The states an order, an order line and a stock reservation can be in. Their names are the strings
// of the SQL CHECK constraints (infra/migrations) and of the message schemas; a unit test holds the
// three in step.
#include <array>
#include <optional>
#include <string_view>

namespace orderflow::messages {

enum class OrderStatus { Pending, Confirmed, Rejected, Cancelled };
// An order line, as the orders worker tracks its stock: RELEASING waits for the StockReleased of a
// ReleaseStock it sent.
enum class LineState { Pending, Reserved, Short, Releasing, Released };
// A reservation of the inventory worker for one (order, sku).
enum class ReservationState { Reserved, Short, Released };
// The commands an OrderCommandRefused can refuse.
enum class OrderCommand { CancelOrder };
// An order's status as a refusal reports it: UNKNOWN when there is no such order.
enum class SeenStatus { Pending, Confirmed, Rejected, Cancelled, Unknown };

// Each enum's names, in declaration order.
template <typename E>
struct EnumNames;
template <>
struct EnumNames<OrderStatus> {
  static constexpr std::array<std::string_view, 4> names{"PENDING", "CONFIRMED", "REJECTED", "CANCELLED"};
};
template <>
struct EnumNames<LineState> {
  static constexpr std::array<std::string_view, 5> names{"PENDING", "RESERVED", "SHORT", "RELEASING",
                                                         "RELEASED"};
};
template <>
struct EnumNames<ReservationState> {
  static constexpr std::array<std::string_view, 3> names{"RESERVED", "SHORT", "RELEASED"};
};
template <>
struct EnumNames<OrderCommand> {
  static constexpr std::array<std::string_view, 1> names{"CancelOrder"};
};

template <>
struct EnumNames<SeenStatus> {
  static constexpr std::array<std::string_view, 5> names{"PENDING", "CONFIRMED", "REJECTED", "CANCELLED",
                                                         "UNKNOWN"};
};

template <typename E>
concept NamedEnum = requires {
  EnumNames<E>::names;
};

template <NamedEnum E>
constexpr std::string_view to_string(E e) {
  return EnumNames<E>::names.at(static_cast<size_t>(e));
}

template <NamedEnum E>
constexpr std::optional<E> parse(std::string_view name) {
  for (size_t i = 0; i < EnumNames<E>::names.size(); ++i) {
    if (EnumNames<E>::names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr SeenStatus seen(OrderStatus s) {
  return static_cast<SeenStatus>(static_cast<int>(s));
}

}  // namespace orderflow::messages
