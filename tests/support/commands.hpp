#pragma once
// Commands a test produces straight to Kafka, as the api would, built through the message layer.
#include <optional>
#include <string>

#include "orderflow/ids.hpp"
#include "orderflow/messages/message.hpp"

namespace orderflow::test {

// The encoded PlaceOrder of one unit of S1 that the api would make for (customer, Idempotency-Key).
inline std::string place_order_message(const std::string& customer, const std::string& key) {
  return messages::encode(messages::make_message(messages::PlaceOrder{.order_id = order_id_for(customer, key),
                                                                      .customer_id = customer,
                                                                      .idempotency_key = key,
                                                                      .cart_id = std::nullopt,
                                                                      .lines = {{"S1", 1}}}));
}

}  // namespace orderflow::test
