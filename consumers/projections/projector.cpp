#include "projector.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "orderflow/messages/topics.hpp"
#include "orderflow/overloaded.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::projections {
namespace {

using messages::PricedLine;

// An order as the view holds it, loaded once per batch and written back once if it changed.
struct OrderRow {
  std::string customer_id;
  std::optional<std::string> cart_id;
  std::string status;
  std::optional<std::string> reason;
  int64_t total_cents = 0;
  int64_t version = 0;
  std::string placed_at, updated_at;
  std::vector<PricedLine> lines;
  bool dirty = false;
  bool placed_here = false;  // its lines are new: insert them
};

// The newest value of a column of a SKU's stock row, by the inventory's sku_version.
struct Versioned {
  int64_t value = 0;
  int64_t version = 0;
};
struct StockRow {
  std::optional<Versioned> available, on_hand;
  std::string updated_at;
};
void newer(std::optional<Versioned>& slot, int64_t value, int64_t version) {
  if (!slot || version > slot->version) slot = Versioned{value, version};
}

struct TimelineRow {
  std::string order_id, event_id, type, occurred_at;
  const std::string* envelope;  // the raw record: its payload is the entry's detail
};

// One row of sales deltas: summed per minute (and sku) by the INSERT itself.
struct SalesRow {
  std::string occurred_at;
  std::optional<std::string> sku;  // nullopt: the total
  int64_t orders, units, revenue_cents;
};

struct Progress {
  int64_t next_offset = 0;
  std::string last_event_at;
};

// The order id an event is about, if it is about one (inventory's answers are; adjustments are not).
std::optional<std::string> order_of(const messages::Payload& p) {
  return std::visit(
      [](const auto& m) -> std::optional<std::string> {
        if constexpr (requires { m.order_id; }) {
          return m.order_id;
        } else {
          return std::nullopt;
        }
      },
      p);
}

class Batch {
 public:
  Batch(pqxx::transaction_base& tx, const std::string& schema) : tx_(tx), schema_(schema) {}

  void load(const std::vector<runtime::Record>& records) {
    std::set<std::string> ids;
    for (const auto& r : records) {
      if (messages::kOrdersEvents.name == r.message.topic()) ids.insert(r.message.key);
    }
    if (ids.empty()) return;
    const auto array = pg::array_literal(ids);
    for (const auto& row : pg::exec_prepared(
             tx_,
             "SELECT order_id::text, customer_id, cart_id, status, reason, total_cents, version,"
             " placed_at::text, updated_at::text FROM " +
                 table("orders") + " WHERE order_id = ANY($1::uuid[]) FOR UPDATE",
             array)) {
      OrderRow o;
      o.customer_id = row[1].as<std::string>();
      if (!row[2].is_null()) o.cart_id = row[2].as<std::string>();
      o.status = row[3].as<std::string>();
      if (!row[4].is_null()) o.reason = row[4].as<std::string>();
      o.total_cents = row[5].as<int64_t>();
      o.version = row[6].as<int64_t>();
      o.placed_at = row[7].as<std::string>();
      o.updated_at = row[8].as<std::string>();
      orders_.emplace(row[0].as<std::string>(), std::move(o));
    }
    for (const auto& row : pg::exec_prepared(
             tx_,
             "SELECT order_id::text, sku, quantity, unit_price_cents FROM " + table("order_lines") +
                 " WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no",
             array)) {
      auto found = orders_.find(row[0].as<std::string>());
      if (found == orders_.end()) continue;
      found->second.lines.push_back(
          PricedLine{row[1].as<std::string>(), row[2].as<int>(), row[3].as<int64_t>()});
    }
  }

  void apply(const runtime::Record& r) {
    const auto& m = r.message;
    auto& p = progress_[{r.topic, r.partition}];
    p.next_offset = std::max(p.next_offset, r.offset + 1);
    p.last_event_at = std::max(p.last_event_at, m.occurred_at);  // same format: text order is time order
    if (auto order_id = order_of(m.payload)) {
      timeline_.push_back(TimelineRow{*order_id, m.id, std::string(m.type()), m.occurred_at, &r.value});
    }
    std::visit(
        overloaded{[&](const messages::OrderPlaced& e) { placed(e, m.occurred_at); },
                   [&](const messages::OrderConfirmed& e) {
                     decided(e.order_id, e.version, "CONFIRMED", std::nullopt, m.occurred_at);
                   },
                   [&](const messages::OrderRejected& e) {
                     decided(e.order_id, e.version, "REJECTED", e.reason, m.occurred_at);
                   },
                   [&](const messages::OrderCancelled& e) {
                     decided(e.order_id, e.version, "CANCELLED", e.reason, m.occurred_at);
                   },
                   [&](const messages::StockAdjusted& e) {
                     auto& s = stock(e.sku, m.occurred_at);
                     newer(s.available, e.available, e.sku_version);
                     newer(s.on_hand, e.on_hand, e.sku_version);
                   },
                   [&](const messages::StockAdjustRefused& e) {
                     auto& s = stock(e.sku, m.occurred_at);
                     newer(s.available, e.on_hand - e.reserved, e.sku_version);
                     newer(s.on_hand, e.on_hand, e.sku_version);
                   },
                   [&](const auto& e) {
                     if constexpr (std::is_base_of_v<messages::StockAnswer, std::decay_t<decltype(e)>>) {
                       newer(stock(e.sku, m.occurred_at).available, e.available, e.sku_version);
                     }
                   }},
        m.payload);
  }

  Sales write(bool notify) {
    write_orders();
    write_timeline();
    write_stock();
    write_sales();
    write_progress();
    if (notify) notify_changed();
    return sales_total_;
  }

 private:
  std::string table(const char* name) const { return schema_ + "." + name; }

  StockRow& stock(const std::string& sku, const std::string& at) {
    auto& s = stock_[sku];
    s.updated_at = std::max(s.updated_at, at);
    return s;
  }

  void placed(const messages::OrderPlaced& e, const std::string& at) {
    auto [it, inserted] = orders_.try_emplace(e.order_id);
    auto& o = it->second;
    if (!inserted && e.version <= o.version) return;  // seen: a duplicate or a replay
    o.customer_id = e.customer_id;
    o.cart_id = e.cart_id;
    o.status = "PENDING";
    o.reason.reset();
    o.total_cents = e.total_cents;
    o.version = e.version;
    o.placed_at = o.updated_at = at;
    o.lines = e.lines;
    o.dirty = o.placed_here = true;
  }

  void decided(const std::string& order_id, int64_t version, const char* status,
               const std::optional<std::string>& reason, const std::string& at) {
    auto found = orders_.find(order_id);
    if (found == orders_.end()) {
      // Its OrderPlaced is not in the topic any more (retention): nothing to attach the decision to.
      spdlog::warn("projections: {} for unknown order {} ignored", status, order_id);
      return;
    }
    auto& o = found->second;
    if (version <= o.version) return;  // seen: a duplicate or a replay
    const std::string before = o.status;
    o.status = status;
    o.reason = reason;
    o.version = version;
    o.updated_at = at;
    o.dirty = true;
    // Sales are confirmed minus cancelled, in the minute of the event: they move with the order row's
    // own guarded transition, so they are counted once too.
    if (o.status == "CONFIRMED" && before != "CONFIRMED") sale(o, at, +1);
    if (o.status == "CANCELLED" && before == "CONFIRMED") sale(o, at, -1);
  }

  void sale(const OrderRow& o, const std::string& at, int sign) {
    SalesDelta total{sign, 0, 0};
    std::map<std::string, SalesDelta> per_sku;
    for (const auto& l : o.lines) {
      const int64_t units = sign * static_cast<int64_t>(l.quantity);
      total.units += units;
      total.revenue_cents += units * l.unit_price_cents;
      auto& s = per_sku[l.sku];
      s.orders = sign;
      s.units += units;
      s.revenue_cents += units * l.unit_price_cents;
    }
    sales_.push_back(SalesRow{at, std::nullopt, total.orders, total.units, total.revenue_cents});
    for (const auto& [sku, s] : per_sku)
      sales_.push_back(SalesRow{at, sku, s.orders, s.units, s.revenue_cents});
    auto& counted = sign > 0 ? sales_total_.confirmed : sales_total_.cancelled;
    counted += SalesDelta{1, sign * total.units, sign * total.revenue_cents};
  }

  void write_orders() {
    pg::Rows rows, lines;
    for (const auto& [id, o] : orders_) {
      if (!o.dirty) continue;
      rows.row(id, o.customer_id, o.cart_id, o.status, o.reason, o.total_cents, o.version, o.placed_at,
               o.updated_at);
      if (!o.placed_here) continue;
      for (size_t i = 0; i < o.lines.size(); ++i)
        lines.row(id, static_cast<int>(i), o.lines[i].sku, o.lines[i].quantity, o.lines[i].unit_price_cents);
    }
    if (!rows.empty()) {
      pg::exec_rows(
          tx_,
          "INSERT INTO " + table("orders") +
              " AS o (order_id, customer_id, cart_id, status, reason, total_cents, version, placed_at,"
              " updated_at) SELECT order_id::uuid, customer_id, cart_id, status, reason, total::bigint,"
              " version::bigint, placed_at::timestamptz, updated_at::timestamptz FROM " +
              rows.from(
                  "order_id, customer_id, cart_id, status, reason, total, version, placed_at, updated_at") +
              " ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason,"
              " version = EXCLUDED.version, updated_at = EXCLUDED.updated_at WHERE o.version < "
              "EXCLUDED.version",
          rows);
    }
    if (!lines.empty()) {
      pg::exec_rows(tx_,
                    "INSERT INTO " + table("order_lines") +
                        " (order_id, line_no, sku, quantity, unit_price_cents)"
                        " SELECT order_id::uuid, line_no::int, sku, quantity::int, price::bigint FROM " +
                        lines.from("order_id, line_no, sku, quantity, price") + " ON CONFLICT DO NOTHING",
                    lines);
    }
  }

  void write_timeline() {
    if (timeline_.empty()) return;
    pg::Rows rows;
    for (const auto& t : timeline_) rows.row(t.order_id, t.event_id, t.type, t.occurred_at, *t.envelope);
    pg::exec_rows(
        tx_,
        "INSERT INTO " + table("order_events") +
            " (order_id, event_id, type, occurred_at, detail) SELECT order_id::uuid, event_id::uuid, type,"
            " occurred_at::timestamptz, (envelope::jsonb) -> 'payload' FROM " +
            rows.from("order_id, event_id, type, occurred_at, envelope") + " ON CONFLICT DO NOTHING",
        rows);
  }

  void write_stock() {
    pg::Rows rows;
    for (const auto& [sku, s] : stock_) {
      std::optional<int64_t> on_hand;
      if (s.on_hand) on_hand = s.on_hand->value;
      // A row first seen with no adjustment has no on_hand yet; version 0 loses to any real one.
      rows.row(sku, s.available ? s.available->value : 0, s.available ? s.available->version : 0, on_hand,
               s.on_hand ? s.on_hand->version : 0, s.updated_at);
    }
    if (rows.empty()) return;
    pg::exec_rows(tx_,
                  "INSERT INTO " + table("stock") +
                      " AS s (sku, available, available_version, on_hand, on_hand_version, updated_at)"
                      " SELECT sku, available::bigint, available_version::bigint, on_hand::bigint,"
                      " on_hand_version::bigint, updated_at::timestamptz FROM " +
                      rows.from("sku, available, available_version, on_hand, on_hand_version, updated_at") +
                      " ON CONFLICT (sku) DO UPDATE SET"
                      " available = CASE WHEN EXCLUDED.available_version > s.available_version"
                      "   THEN EXCLUDED.available ELSE s.available END,"
                      " available_version = greatest(s.available_version, EXCLUDED.available_version),"
                      " on_hand = CASE WHEN EXCLUDED.on_hand_version > s.on_hand_version"
                      "   THEN EXCLUDED.on_hand ELSE s.on_hand END,"
                      " on_hand_version = greatest(s.on_hand_version, EXCLUDED.on_hand_version),"
                      " updated_at = greatest(s.updated_at, EXCLUDED.updated_at)",
                  rows);
  }

  void write_sales() {
    pg::Rows total, per_sku;
    for (const auto& s : sales_) {
      if (s.sku) {
        per_sku.row(s.occurred_at, *s.sku, s.orders, s.units, s.revenue_cents);
      } else {
        total.row(s.occurred_at, s.orders, s.units, s.revenue_cents);
      }
    }
    const std::string add =
        " orders = t.orders + EXCLUDED.orders, units = t.units + EXCLUDED.units,"
        " revenue_cents = t.revenue_cents + EXCLUDED.revenue_cents";
    if (!total.empty()) {
      pg::exec_rows(
          tx_,
          "INSERT INTO " + table("sales_per_minute") +
              " AS t (minute, orders, units, revenue_cents)"
              " SELECT date_trunc('minute', at::timestamptz), sum(orders::bigint), sum(units::bigint),"
              " sum(revenue::bigint) FROM " +
              total.from("at, orders, units, revenue") + " GROUP BY 1 ON CONFLICT (minute) DO UPDATE SET" +
              add,
          total);
    }
    if (!per_sku.empty()) {
      pg::exec_rows(
          tx_,
          "INSERT INTO " + table("sku_sales_per_minute") +
              " AS t (minute, sku, orders, units, revenue_cents)"
              " SELECT date_trunc('minute', at::timestamptz), sku, sum(orders::bigint), sum(units::bigint),"
              " sum(revenue::bigint) FROM " +
              per_sku.from("at, sku, orders, units, revenue") +
              " GROUP BY 1, 2 ON CONFLICT (minute, sku) DO UPDATE SET" + add,
          per_sku);
    }
  }

  void write_progress() {
    pg::Rows rows;
    for (const auto& [tp, p] : progress_) rows.row(tp.first, tp.second, p.next_offset, p.last_event_at);
    if (rows.empty()) return;
    pg::exec_rows(
        tx_,
        "INSERT INTO " + table("progress") +
            " AS p (topic, partition, next_offset, last_event_at)"
            " SELECT topic, partition::int, next_offset::bigint, last_event_at::timestamptz FROM " +
            rows.from("topic, partition, next_offset, last_event_at") +
            " ON CONFLICT (topic, partition) DO UPDATE SET"
            " next_offset = greatest(p.next_offset, EXCLUDED.next_offset),"
            " last_event_at = greatest(p.last_event_at, EXCLUDED.last_event_at), updated_at = now()",
        rows);
  }

  // NOTIFY carries at most 8000 bytes: the changed ids go in chunks. PostgreSQL delivers them at commit.
  void notify_changed() {
    std::string chunk;
    auto flush = [&] {
      if (chunk.empty()) return;
      pg::exec_prepared(tx_, "SELECT pg_notify($1, $2)", pg::kViewsOrdersChannel, chunk);
      chunk.clear();
    };
    for (const auto& [id, o] : orders_) {
      if (!o.dirty) continue;
      if (chunk.size() + id.size() + 1 > 7000) flush();
      if (!chunk.empty()) chunk += ',';
      chunk += id;
    }
    flush();
  }

  pqxx::transaction_base& tx_;
  const std::string& schema_;
  std::map<std::string, OrderRow> orders_;
  std::map<std::string, StockRow> stock_;
  std::vector<TimelineRow> timeline_;
  std::vector<SalesRow> sales_;
  Sales sales_total_;
  std::map<std::pair<std::string, int32_t>, Progress> progress_;
};

}  // namespace

Projector::Projector(std::string schema, bool notify) : schema_(std::move(schema)), notify_(notify) {}

Sales Projector::apply(pqxx::transaction_base& tx, const std::vector<runtime::Record>& records) const {
  const std::string schema = tx.quote_name(schema_);
  Batch batch(tx, schema);
  batch.load(records);
  for (const auto& r : records) batch.apply(r);
  return batch.write(notify_);
}

}  // namespace orderflow::projections
