#pragma once
// Initial stock of a new SKU written the way the inventory context writes every change: the row and its
// StockAdjusted event (through the inventory outbox) in one transaction, so whatever reads
// inventory.events (the projections, the back-office, analytics) knows the SKU's stock from the start.
// For seeding (orderflow-ctl seed-demo, tests); changes of a running shop go through AdjustStock.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "orderflow/config.hpp"

namespace orderflow::inventory {

// Inserts the SKU's stock (on_hand = available = `on_hand`, version 1) and queues its StockAdjusted in
// `tx`, unless the SKU has stock already. True when it inserted.
bool seed_stock(pqxx::transaction_base& tx, const Config& config, const std::string& sku, int64_t on_hand);

}  // namespace orderflow::inventory
