#pragma once
// The command each endpoint publishes, built from its request: the request body already valid against
// its schemas/http/ schema, path parameters and headers already checked. Pure functions, so a test can
// drive them with generated bodies and check the command against its message contract.
#include <rapidjson/document.h>

#include <string>

#include "orderflow/messages/payloads.hpp"

namespace orderflow::api::commands {

// POST /v1/orders: the order id is derived from (customer, Idempotency-Key), so a retry names the
// same order.
// `order_id_secret`: Config::order_id_secret (see order_id_for).
messages::PlaceOrder place_order(const rapidjson::Value& body, const std::string& idempotency_key,
                                 const std::string& order_id_secret);
// POST /v1/orders/{id}/cancel; `body` is null when the request has none.
messages::CancelOrder cancel_order(const std::string& order_id, const rapidjson::Value* body);
// POST /v1/carts/{cart_id}/items
messages::AddCartItem add_cart_item(const std::string& cart_id, const rapidjson::Value& body);
// DELETE /v1/carts/{cart_id}/items/{sku}
messages::RemoveCartItem remove_cart_item(const std::string& cart_id, const std::string& sku);
// POST /v1/carts/{cart_id}/checkout
messages::CheckoutCart checkout_cart(const std::string& cart_id, const rapidjson::Value& body,
                                     const std::string& idempotency_key, const std::string& order_id_secret);
// PUT /v1/admin/stock/{sku}
messages::AdjustStock adjust_stock(const std::string& sku, const rapidjson::Value& body);

}  // namespace orderflow::api::commands
