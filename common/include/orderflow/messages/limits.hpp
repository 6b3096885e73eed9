#pragma once
// The limits the code needs besides the schemas, read from schemas/definitions.schema.json where the
// schemas read them too: declared once.
#include <cstddef>

namespace orderflow::messages {

struct Limits {
  size_t max_order_lines;  // lines of one order (PlaceOrder), and so items of one cart
};
const Limits& limits();

}  // namespace orderflow::messages
