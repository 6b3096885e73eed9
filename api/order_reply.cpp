#include "order_reply.hpp"

namespace orderflow::api {

void reply_read(const std::string& order_id, const OrderReads& read, Exchange& exchange,
                const Visible& visible) {
  add_freshness_headers(exchange, read.freshness);
  if (auto found = read.orders.find(order_id);
      found != read.orders.end() && (!visible || visible(found->second))) {
    exchange.reply(Pistache::Http::Code::Ok, found->second);
  } else {
    exchange.error(Pistache::Http::Code::Not_Found, "not_found", "no order " + order_id + " (yet)");
  }
}

}  // namespace orderflow::api
