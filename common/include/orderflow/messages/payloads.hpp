#pragma once
// One C++ type per message type and version: the payload of the envelope, as schemas/messages/
// <Type>.v<N>.schema.json describes it. Each type lists its fields once (fields()), and the codec
// (messages/message.hpp) writes and reads JSON from that list; nothing else builds or reads message
// JSON. Which topic carries a type, and its key, is bound in messages/topics.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "orderflow/messages/states.hpp"

namespace orderflow::messages {

// A field of message type T: its JSON name and the member that holds it. std::optional members are
// left out of the JSON when empty.
template <typename T, typename M>
struct Field {
  std::string_view name;
  M T::*member;
};
template <typename T, typename M>
constexpr Field<T, M> field(std::string_view name, M T::*member) {
  return {name, member};
}

// What the codec (and a test walking fields()) asks of a member's type.
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

struct OrderLine {
  std::string sku;
  int quantity = 0;
  static constexpr auto fields() {
    return std::tuple{field("sku", &OrderLine::sku), field("quantity", &OrderLine::quantity)};
  }
  bool operator==(const OrderLine&) const = default;
};

struct PricedLine {
  std::string sku;
  int quantity = 0;
  int64_t unit_price_cents = 0;
  static constexpr auto fields() {
    return std::tuple{field("sku", &PricedLine::sku), field("quantity", &PricedLine::quantity),
                      field("unit_price_cents", &PricedLine::unit_price_cents)};
  }
  bool operator==(const PricedLine&) const = default;
};

// --- orders.commands ---------------------------------------------------------------------------------

// Place an order. Lines are empty only for the checkout of an empty cart (that order is rejected).
struct PlaceOrder {
  static constexpr std::string_view kType = "PlaceOrder";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::string customer_id;
  std::string idempotency_key;
  std::optional<std::string> cart_id;
  std::vector<OrderLine> lines;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &PlaceOrder::order_id),
                      field("customer_id", &PlaceOrder::customer_id),
                      field("idempotency_key", &PlaceOrder::idempotency_key),
                      field("cart_id", &PlaceOrder::cart_id), field("lines", &PlaceOrder::lines)};
  }
  bool operator==(const PlaceOrder&) const = default;
};

// Cancel a PENDING or CONFIRMED order.
struct CancelOrder {
  static constexpr std::string_view kType = "CancelOrder";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::optional<std::string> reason;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &CancelOrder::order_id), field("reason", &CancelOrder::reason)};
  }
  bool operator==(const CancelOrder&) const = default;
};

// --- orders.events -----------------------------------------------------------------------------------

// The order exists, PENDING, priced from the catalog.
struct OrderPlaced {
  static constexpr std::string_view kType = "OrderPlaced";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::string customer_id;
  std::optional<std::string> cart_id;
  std::vector<PricedLine> lines;
  int64_t total_cents = 0;
  int64_t version = 1;
  static constexpr auto fields() {
    return std::tuple{
        field("order_id", &OrderPlaced::order_id),       field("customer_id", &OrderPlaced::customer_id),
        field("cart_id", &OrderPlaced::cart_id),         field("lines", &OrderPlaced::lines),
        field("total_cents", &OrderPlaced::total_cents), field("version", &OrderPlaced::version)};
  }
  bool operator==(const OrderPlaced&) const = default;
};

// Every line is reserved.
struct OrderConfirmed {
  static constexpr std::string_view kType = "OrderConfirmed";
  static constexpr int kVersion = 1;
  std::string order_id;
  int64_t total_cents = 0;
  int64_t version = 1;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &OrderConfirmed::order_id),
                      field("total_cents", &OrderConfirmed::total_cents),
                      field("version", &OrderConfirmed::version)};
  }
  bool operator==(const OrderConfirmed&) const = default;
};

// The order cannot be fulfilled; reserved stock is being released.
struct OrderRejected {
  static constexpr std::string_view kType = "OrderRejected";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::string reason;
  int64_t version = 1;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &OrderRejected::order_id), field("reason", &OrderRejected::reason),
                      field("version", &OrderRejected::version)};
  }
  bool operator==(const OrderRejected&) const = default;
};

// The customer cancelled; reserved stock is being released.
struct OrderCancelled {
  static constexpr std::string_view kType = "OrderCancelled";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::optional<std::string> reason;
  int64_t version = 1;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &OrderCancelled::order_id), field("reason", &OrderCancelled::reason),
                      field("version", &OrderCancelled::version)};
  }
  bool operator==(const OrderCancelled&) const = default;
};

// A command the order's state does not allow (e.g. cancel a REJECTED order).
struct OrderCommandRefused {
  static constexpr std::string_view kType = "OrderCommandRefused";
  static constexpr int kVersion = 1;
  std::string order_id;
  OrderCommand command = OrderCommand::CancelOrder;
  SeenStatus status = SeenStatus::Unknown;
  std::string reason;
  static constexpr auto fields() {
    return std::tuple{
        field("order_id", &OrderCommandRefused::order_id), field("command", &OrderCommandRefused::command),
        field("status", &OrderCommandRefused::status), field("reason", &OrderCommandRefused::reason)};
  }
  bool operator==(const OrderCommandRefused&) const = default;
};

// --- inventory.commands ------------------------------------------------------------------------------

// Reserve quantity of sku for an order line.
struct ReserveStock {
  static constexpr std::string_view kType = "ReserveStock";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::string sku;
  int quantity = 0;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &ReserveStock::order_id), field("sku", &ReserveStock::sku),
                      field("quantity", &ReserveStock::quantity)};
  }
  bool operator==(const ReserveStock&) const = default;
};

// Give back what an order reserved of sku.
struct ReleaseStock {
  static constexpr std::string_view kType = "ReleaseStock";
  static constexpr int kVersion = 1;
  std::string order_id;
  std::string sku;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &ReleaseStock::order_id), field("sku", &ReleaseStock::sku)};
  }
  bool operator==(const ReleaseStock&) const = default;
};

// Set the units on hand of sku (admin restock or count).
struct AdjustStock {
  static constexpr std::string_view kType = "AdjustStock";
  static constexpr int kVersion = 1;
  std::string sku;
  int64_t on_hand = 0;
  static constexpr auto fields() {
    return std::tuple{field("sku", &AdjustStock::sku), field("on_hand", &AdjustStock::on_hand)};
  }
  bool operator==(const AdjustStock&) const = default;
};

// --- inventory.events --------------------------------------------------------------------------------

// What the inventory answered for one order line: the fields StockReserved, StockShort and
// StockReleased share.
struct StockAnswer {
  std::string order_id;
  std::string sku;
  int quantity = 0;
  int64_t available = 0;
  int64_t sku_version = 1;
  static constexpr auto fields() {
    return std::tuple{field("order_id", &StockAnswer::order_id), field("sku", &StockAnswer::sku),
                      field("quantity", &StockAnswer::quantity), field("available", &StockAnswer::available),
                      field("sku_version", &StockAnswer::sku_version)};
  }
  bool operator==(const StockAnswer&) const = default;
};

// quantity of sku is now held for the order.
struct StockReserved : StockAnswer {
  static constexpr std::string_view kType = "StockReserved";
  static constexpr int kVersion = 1;
};
// Not enough of sku was available; nothing was reserved.
struct StockShort : StockAnswer {
  static constexpr std::string_view kType = "StockShort";
  static constexpr int kVersion = 1;
};
// The order's reservation of sku went back to available.
struct StockReleased : StockAnswer {
  static constexpr std::string_view kType = "StockReleased";
  static constexpr int kVersion = 1;
};

// Units on hand of sku were set.
struct StockAdjusted {
  static constexpr std::string_view kType = "StockAdjusted";
  static constexpr int kVersion = 1;
  std::string sku;
  int64_t on_hand = 0;
  int64_t available = 0;
  int64_t sku_version = 1;
  static constexpr auto fields() {
    return std::tuple{field("sku", &StockAdjusted::sku), field("on_hand", &StockAdjusted::on_hand),
                      field("available", &StockAdjusted::available),
                      field("sku_version", &StockAdjusted::sku_version)};
  }
  bool operator==(const StockAdjusted&) const = default;
};

// An AdjustStock asked for fewer units than are reserved.
struct StockAdjustRefused {
  static constexpr std::string_view kType = "StockAdjustRefused";
  static constexpr int kVersion = 1;
  std::string sku;
  int64_t on_hand = 0;
  int64_t reserved = 0;
  int64_t requested_on_hand = 0;
  int64_t sku_version = 1;
  static constexpr auto fields() {
    return std::tuple{field("sku", &StockAdjustRefused::sku), field("on_hand", &StockAdjustRefused::on_hand),
                      field("reserved", &StockAdjustRefused::reserved),
                      field("requested_on_hand", &StockAdjustRefused::requested_on_hand),
                      field("sku_version", &StockAdjustRefused::sku_version)};
  }
  bool operator==(const StockAdjustRefused&) const = default;
};

// --- carts.commands ----------------------------------------------------------------------------------

// Put sku in the cart with this quantity (replaces an earlier quantity).
struct AddCartItem {
  static constexpr std::string_view kType = "AddCartItem";
  static constexpr int kVersion = 1;
  std::string cart_id;
  std::string sku;
  int quantity = 0;
  static constexpr auto fields() {
    return std::tuple{field("cart_id", &AddCartItem::cart_id), field("sku", &AddCartItem::sku),
                      field("quantity", &AddCartItem::quantity)};
  }
  bool operator==(const AddCartItem&) const = default;
};

// Take sku out of the cart.
struct RemoveCartItem {
  static constexpr std::string_view kType = "RemoveCartItem";
  static constexpr int kVersion = 1;
  std::string cart_id;
  std::string sku;
  static constexpr auto fields() {
    return std::tuple{field("cart_id", &RemoveCartItem::cart_id), field("sku", &RemoveCartItem::sku)};
  }
  bool operator==(const RemoveCartItem&) const = default;
};

// Turn the cart's lines into a PlaceOrder with this order id and empty the cart.
struct CheckoutCart {
  static constexpr std::string_view kType = "CheckoutCart";
  static constexpr int kVersion = 1;
  std::string cart_id;
  std::string order_id;
  std::string customer_id;
  std::string idempotency_key;
  static constexpr auto fields() {
    return std::tuple{field("cart_id", &CheckoutCart::cart_id), field("order_id", &CheckoutCart::order_id),
                      field("customer_id", &CheckoutCart::customer_id),
                      field("idempotency_key", &CheckoutCart::idempotency_key)};
  }
  bool operator==(const CheckoutCart&) const = default;
};

}  // namespace orderflow::messages
