#pragma once
// GET /v1/admin/sales?from=&to=&sku= (admin token): sales per minute from the projections (confirmed
// orders minus confirmed orders cancelled, in the minute of each event), in total or for one SKU, with
// the sum over the range. Minutes without sales are left out.
#include "orderflow/config.hpp"
#include "router.hpp"

namespace orderflow::api {

class SalesRoutes {
 public:
  explicit SalesRoutes(const Config& config) : config_(config) {}
  void register_on(Router& router);

  // The default range ends now and spans an hour; no range spans more than a day.
  static constexpr int kDefaultMinutes = 60;
  static constexpr int kMaxMinutes = 24 * 60;

 private:
  void sales(const Pistache::Http::Request& request, Exchange& exchange) const;

  const Config& config_;
};

}  // namespace orderflow::api
