#include "verify.hpp"

#include <fmt/format.h>

#include <string>
#include <tuple>

#include "orderflow/pg.hpp"

namespace orderflow::cli {
namespace {

struct Check {
  std::string name;
  std::string sql;  // selects one text column describing each violation
};

// The checks of the inventory context alone.
std::vector<Check> inventory_checks() {
  return {
      {"stock is conserved (on_hand = available + reserved)",
       "SELECT s.sku || ': on_hand ' || s.on_hand || ' <> available ' || s.available || ' + reserved ' ||"
       " coalesce(r.reserved, 0) FROM inventory.stock s LEFT JOIN (SELECT sku, sum(quantity) AS reserved"
       " FROM inventory.reservations WHERE state = 'RESERVED' GROUP BY sku) r USING (sku)"
       " WHERE s.on_hand <> s.available + coalesce(r.reserved, 0) OR s.available < 0"},
      {"no order line reserved twice",
       "SELECT order_id || ' ' || sku || ': ' || count(*) || ' reservations' FROM inventory.reservations"
       " GROUP BY order_id, sku HAVING count(*) > 1"},
  };
}

// The checks of the orders context, and those that join it with `reservations` (inventory's table,
// or its copy next to the orders).
std::vector<Check> order_checks(const std::string& reservations, const VerifyOptions& options) {
  const std::string settle = fmt::format("interval '{} seconds'", options.settle_seconds);
  return {
      {"every reservation belongs to an order line of the same quantity",
       "SELECT r.order_id || ' ' || r.sku || ': reserved ' || r.quantity || ', line asks ' || "
       "coalesce(l.quantity::text, 'nothing') FROM " +
           reservations +
           " r LEFT JOIN orders.order_lines l ON l.order_id = r.order_id AND l.sku = r.sku"
           " WHERE r.state = 'RESERVED' AND (l.quantity IS NULL OR l.quantity <> r.quantity)"},
      {"every CONFIRMED order holds a reservation for each line",
       "SELECT o.order_id || ' ' || l.sku || ': reservation ' || coalesce(r.state, 'missing') FROM "
       "orders.orders o JOIN orders.order_lines l USING (order_id) LEFT JOIN " +
           reservations +
           " r ON r.order_id = l.order_id AND r.sku = l.sku WHERE o.status = 'CONFIRMED'"
           " AND (r.state IS DISTINCT FROM 'RESERVED' OR r.quantity <> l.quantity)"},
      {"no REJECTED or CANCELLED order still holds stock",
       "SELECT o.order_id || ' (' || o.status || ') holds ' || r.quantity || ' of ' || r.sku FROM "
       "orders.orders o JOIN " +
           reservations +
           " r USING (order_id) WHERE r.state = 'RESERVED'"
           " AND o.status IN ('REJECTED', 'CANCELLED') AND o.updated_at < now() - " +
           settle},
      {fmt::format("no order PENDING for more than {} s", options.pending_seconds),
       fmt::format(
           "SELECT order_id || ' PENDING since ' || created_at FROM orders.orders WHERE status = 'PENDING'"
           " AND created_at < now() - interval '{} seconds'",
           options.pending_seconds)},
  };
}

int run(pqxx::transaction_base& tx, const std::vector<Check>& checks, std::ostream& out) {
  int violations = 0;
  for (const auto& c : checks) {
    const auto rows = tx.exec(c.sql);
    out << (rows.empty() ? "ok   " : "FAIL ") << c.name;
    if (!rows.empty()) out << ": " << rows.size() << " violation(s)";
    out << "\n";
    int shown = 0;
    for (const auto& row : rows) {
      if (++shown > 20) {
        out << "       ...\n";
        break;
      }
      out << "       " << row[0].c_str() << "\n";
    }
    violations += static_cast<int>(rows.size());
  }
  return violations;
}

// Copies every reservation (read in `inventory`'s snapshot) into a temporary table of `orders`'
// session, so that the joins with the orders run there as they would in one database.
constexpr const char* kReservationsCopy = "pg_temp.verify_reservations";

void copy_reservations(pqxx::transaction_base& inventory, pqxx::connection& orders) {
  const auto rows = inventory.exec("SELECT order_id::text, sku, quantity, state FROM inventory.reservations");
  pqxx::work tx(orders);
  tx.exec(std::string("CREATE TEMP TABLE ") + kReservationsCopy +
          " (order_id uuid NOT NULL, sku text NOT NULL, quantity integer NOT NULL, state text NOT NULL)");
  pqxx::stream_to copy(tx, "verify_reservations",
                       std::vector<std::string>{"order_id", "sku", "quantity", "state"});
  for (const auto& r : rows)
    copy << std::make_tuple(r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(),
                            r[3].as<std::string>());
  copy.complete();
  tx.commit();
}

}  // namespace

int verify(const Config& config, const VerifyOptions& options, std::ostream& out) {
  const auto& orders_dsn = config.pg_dsn_for("orders");
  const auto& inventory_dsn = config.pg_dsn_for("inventory");
  const bool one_database = orders_dsn == inventory_dsn;
  auto inventory_conn = pg::connect_with_retry(inventory_dsn, std::chrono::seconds(30));
  auto orders_conn = one_database ? nullptr : pg::connect_with_retry(orders_dsn, std::chrono::seconds(30));
  int violations = 0;
  std::string skus;
  {
    pqxx::read_transaction tx(*inventory_conn);
    violations += run(tx, inventory_checks(), out);
    skus = tx.exec("SELECT count(*) FROM inventory.stock")[0][0].c_str();
    if (!one_database) copy_reservations(tx, *orders_conn);
  }
  pqxx::read_transaction tx(one_database ? *inventory_conn : *orders_conn);
  violations +=
      run(tx, order_checks(one_database ? "inventory.reservations" : kReservationsCopy, options), out);
  out << "orders by status:";
  for (const auto& row :
       tx.exec("SELECT status, count(*) FROM orders.orders GROUP BY status ORDER BY status")) {
    out << " " << row[0].c_str() << "=" << row[1].c_str();
  }
  out << "\nskus checked: " << skus << "\n";
  out << (violations == 0 ? "verify: clean\n" : fmt::format("verify: {} violation(s)\n", violations));
  return violations;
}

}  // namespace orderflow::cli
