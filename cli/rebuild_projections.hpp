#pragma once
// `orderflow-ctl rebuild-projections`: builds fresh read models from the start of orders.events and
// inventory.events into a new schema while the live `views` keep serving, then swaps them in one
// transaction: under the projections' exclusive lock (the live workers wait), it applies what the live
// role consumed meanwhile, up to the live role's stored offsets, and renames the schemas. The old views
// are dropped unless --keep-old. Progress: a bar (events/s, ETA) on a terminal, plain lines otherwise.
#include <ostream>

#include "orderflow/config.hpp"

namespace orderflow::cli {

struct RebuildOptions {
  bool keep_old = false;
  size_t batch = 2000;  // records per transaction
};

// 0 when the new views serve; throws on failure (then the live views are as they were, and the
// half-built schema is dropped).
int rebuild_projections(const Config& config, const RebuildOptions& options, std::ostream& out);

}  // namespace orderflow::cli
