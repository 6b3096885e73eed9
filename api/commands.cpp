#include "commands.hpp"

#include "orderflow/ids.hpp"

namespace orderflow::api::commands {
namespace {

std::string str(const rapidjson::Value& v, const char* name) {
  const auto& s = v[name];
  return {s.GetString(), s.GetStringLength()};
}

}  // namespace

messages::PlaceOrder place_order(const rapidjson::Value& body, const std::string& idempotency_key,
                                 const std::string& order_id_secret) {
  messages::PlaceOrder m;
  m.customer_id = str(body, "customer_id");
  m.order_id = order_id_for(m.customer_id, idempotency_key, order_id_secret);
  m.idempotency_key = idempotency_key;
  for (const auto& line : body["lines"].GetArray()) {
    m.lines.push_back(messages::OrderLine{str(line, "sku"), line["quantity"].GetInt()});
  }
  return m;
}

messages::CancelOrder cancel_order(const std::string& order_id, const rapidjson::Value* body) {
  messages::CancelOrder m{order_id, std::nullopt};
  if (body != nullptr && body->IsObject() && body->HasMember("reason")) m.reason = str(*body, "reason");
  return m;
}

messages::AddCartItem add_cart_item(const std::string& cart_id, const rapidjson::Value& body) {
  return messages::AddCartItem{cart_id, str(body, "sku"), body["quantity"].GetInt()};
}

messages::RemoveCartItem remove_cart_item(const std::string& cart_id, const std::string& sku) {
  return messages::RemoveCartItem{cart_id, sku};
}

messages::CheckoutCart checkout_cart(const std::string& cart_id, const rapidjson::Value& body,
                                     const std::string& idempotency_key, const std::string& order_id_secret) {
  const std::string customer = str(body, "customer_id");
  return messages::CheckoutCart{cart_id, order_id_for(customer, idempotency_key, order_id_secret), customer,
                                idempotency_key};
}

messages::AdjustStock adjust_stock(const std::string& sku, const rapidjson::Value& body) {
  return messages::AdjustStock{sku, body["on_hand"].GetInt64()};
}

}  // namespace orderflow::api::commands
