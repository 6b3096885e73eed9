#include "verify.hpp"

#include <fmt/format.h>

#include <string>

namespace orderflow::cli {
namespace {

struct Check {
  std::string name;
  std::string sql;  // selects one text column describing each violation
};

}  // namespace

int verify(pqxx::connection& conn, const VerifyOptions& options, std::ostream& out) {
  pqxx::read_transaction tx(conn);  // one snapshot for every check
  const std::string settle = fmt::format("interval '{} seconds'", options.settle_seconds);
  const Check checks[] = {
      {"stock is conserved (on_hand = available + reserved)",
       "SELECT s.sku || ': on_hand ' || s.on_hand || ' <> available ' || s.available || ' + reserved ' ||"
       " coalesce(r.reserved, 0) FROM inventory.stock s LEFT JOIN (SELECT sku, sum(quantity) AS reserved"
       " FROM inventory.reservations WHERE state = 'RESERVED' GROUP BY sku) r USING (sku)"
       " WHERE s.on_hand <> s.available + coalesce(r.reserved, 0) OR s.available < 0"},
      {"no order line reserved twice",
       "SELECT order_id || ' ' || sku || ': ' || count(*) || ' reservations' FROM inventory.reservations"
       " GROUP BY order_id, sku HAVING count(*) > 1"},
      {"every reservation belongs to an order line of the same quantity",
       "SELECT r.order_id || ' ' || r.sku || ': reserved ' || r.quantity || ', line asks ' || "
       "coalesce(l.quantity::text, 'nothing')"
       " FROM inventory.reservations r LEFT JOIN orders.order_lines l ON l.order_id = r.order_id AND l.sku = "
       "r.sku"
       " WHERE r.state = 'RESERVED' AND (l.quantity IS NULL OR l.quantity <> r.quantity)"},
      {"every CONFIRMED order holds a reservation for each line",
       "SELECT o.order_id || ' ' || l.sku || ': reservation ' || coalesce(r.state, 'missing') FROM "
       "orders.orders o"
       " JOIN orders.order_lines l USING (order_id) LEFT JOIN inventory.reservations r"
       " ON r.order_id = l.order_id AND r.sku = l.sku WHERE o.status = 'CONFIRMED'"
       " AND (r.state IS DISTINCT FROM 'RESERVED' OR r.quantity <> l.quantity)"},
      {"no REJECTED or CANCELLED order still holds stock",
       "SELECT o.order_id || ' (' || o.status || ') holds ' || r.quantity || ' of ' || r.sku FROM "
       "orders.orders o"
       " JOIN inventory.reservations r USING (order_id) WHERE r.state = 'RESERVED'"
       " AND o.status IN ('REJECTED', 'CANCELLED') AND o.updated_at < now() - " +
           settle},
      {fmt::format("no order PENDING for more than {} s", options.pending_seconds),
       fmt::format(
           "SELECT order_id || ' PENDING since ' || created_at FROM orders.orders WHERE status = 'PENDING'"
           " AND created_at < now() - interval '{} seconds'",
           options.pending_seconds)},
  };
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
  out << "orders by status:";
  for (const auto& row :
       tx.exec("SELECT status, count(*) FROM orders.orders GROUP BY status ORDER BY status")) {
    out << " " << row[0].c_str() << "=" << row[1].c_str();
  }
  out << "\nskus checked: " << tx.exec("SELECT count(*) FROM inventory.stock")[0][0].c_str() << "\n";
  out << (violations == 0 ? "verify: clean\n" : fmt::format("verify: {} violation(s)\n", violations));
  return violations;
}

}  // namespace orderflow::cli
