#include "orderflow/messages/limits.hpp"

#include "orderflow/schema.hpp"

namespace orderflow::messages {

const Limits& limits() {
  static const Limits l = [] {
    const auto& defs = SchemaSet::instance().raw("definitions")["definitions"];
    return Limits{static_cast<size_t>(defs["order_lines"]["maxItems"].GetUint())};
  }();
  return l;
}

}  // namespace orderflow::messages
