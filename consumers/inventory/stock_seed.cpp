#include "stock_seed.hpp"

#include "orderflow/runtime/outbox.hpp"

namespace orderflow::inventory {

bool seed_stock(pqxx::transaction_base& tx, const Config& config, const std::string& sku, int64_t on_hand) {
  const auto rows = tx.exec_params(
      "INSERT INTO inventory.stock (sku, on_hand, available) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING"
      " RETURNING version",
      sku, on_hand);
  if (rows.empty()) return false;
  runtime::Outbox out(config, "inventory");  // the inventory role's relay publishes it
  out.publish(
      messages::make_message(messages::StockAdjusted{sku, on_hand, on_hand, rows[0][0].as<int64_t>()}));
  out.write(tx);
  return true;
}

}  // namespace orderflow::inventory
