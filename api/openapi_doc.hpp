#pragma once
// The document GET /openapi.json serves: schemas/openapi.json bundled into ONE standalone document.
// Every $ref into another file under schemas/ (e.g. "http/place_order.schema.json", and whatever
// that file refers to, transitively) becomes a schema under components/schemas, named by its path
// ("http.place_order"), and the $ref points there; $refs inside such a file ("#/definitions/x") are
// re-pointed into its component. Draft-04 leftovers that mean otherwise in OpenAPI 3.1's JSON Schema
// 2020-12 are translated: `$schema` and `id` dropped, boolean exclusiveMinimum/exclusiveMaximum made
// numbers. Throws std::runtime_error naming the file for a $ref it cannot resolve.
#include <functional>
#include <string>
#include <string_view>

namespace orderflow::api {

// `load(path)` gives the text of a file by repository path ("schemas/http/x.schema.json"); by default
// the files embedded in the binary.
std::string bundled_openapi(const std::function<std::string_view(std::string_view)>& load = {});

}  // namespace orderflow::api
