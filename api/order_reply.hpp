#pragma once
// The answer to a read of one order, written once for the GET and for the waiter that answers it later.
#include <functional>
#include <string>

#include "exchange.hpp"
#include "order_store.hpp"

namespace orderflow::api {

// Whether the caller may see an order (its JSON): one of another namespace's customers is answered 404.
using Visible = std::function<bool(const std::string& order_json)>;

// 200 with the order `read` found, or 404 (maybe not yet: the freshness headers, sent either way, say
// how far the views had read); also 404 when `visible` says the caller may not see it.
void reply_read(const std::string& order_id, const OrderReads& read, Exchange& exchange,
                const Visible& visible = {});

}  // namespace orderflow::api
