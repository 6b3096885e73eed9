#pragma once
// The answer to a read of one order, written once for the GET and for the waiter that answers it later.
#include <string>

#include "exchange.hpp"
#include "order_store.hpp"

namespace orderflow::api {

// 200 with the order `read` found, or 404 (maybe not yet: the freshness headers, sent either way, say
// how far the views had read).
void reply_read(const std::string& order_id, const OrderReads& read, Exchange& exchange);

}  // namespace orderflow::api
