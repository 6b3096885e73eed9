#pragma once
// The back-office page: GET /admin (index.html), /admin/admin.js, /admin/admin.css, the files of
// api/admin_page/ embedded in the binary. The page itself is public (it holds no data); everything it
// shows comes from the admin endpoints with the token the user gives it. Served with a strict
// Content-Security-Policy (scripts, styles and requests from this origin only, no inline script, no
// framing) and nosniff.
#include "router.hpp"

namespace orderflow::api {

class AdminPageRoutes {
 public:
  void register_on(Router& router);
};

}  // namespace orderflow::api
