#include "openapi_doc.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <deque>
#include <set>
#include <stdexcept>
#include <vector>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow::api {
namespace {

constexpr std::string_view kRoot = "schemas/openapi.json";
constexpr std::string_view kSchemasDir = "schemas/";
constexpr std::string_view kComponents = "#/components/schemas/";
constexpr std::string_view kDefs = "/definitions/";

using Value = rapidjson::Value;

// "schemas/http/../x.json" -> "schemas/x.json".
std::string normalize(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    const auto segment = path.substr(i, j - i);
    if (segment == "..") {
      if (parts.empty()) throw std::runtime_error("$ref leaves the repository: " + std::string(path));
      parts.pop_back();
    } else if (!segment.empty() && segment != ".") {
      parts.push_back(segment);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + std::string(p);
  return out;
}

// schemas/http/place_order.schema.json -> http.place_order (a valid OpenAPI component name).
std::string component_name(std::string_view file) {
  if (file.starts_with(kSchemasDir)) file.remove_prefix(kSchemasDir.size());
  for (std::string_view suffix : {".schema.json", ".json"}) {
    if (file.ends_with(suffix)) {
      file.remove_suffix(suffix.size());
      break;
    }
  }
  std::string name(file);
  for (char& c : name) {
    if (c == '/') c = '.';
  }
  return name;
}

class Bundler {
 public:
  Bundler(const std::function<std::string_view(std::string_view)>& load, rapidjson::Document& doc)
      : load_(load), doc_(doc), alloc_(doc.GetAllocator()) {}

  void run() {
    if (!doc_.HasMember("components")) doc_.AddMember("components", Value(rapidjson::kObjectType), alloc_);
    auto& components = doc_["components"];
    if (!components.HasMember("schemas"))
      components.AddMember("schemas", Value(rapidjson::kObjectType), alloc_);
    for (const auto& m : components["schemas"].GetObject()) taken_.insert(m.name.GetString());
    walk(doc_, std::string(kRoot), false, false);
    while (!pending_.empty()) {
      const auto [file, pointer, name] = pending_.front();
      pending_.pop_front();
      std::string error;
      auto parsed = json::parse(text_of(file), &error);
      if (!parsed) throw std::runtime_error(file + " is not valid JSON: " + error);
      const Value* part = pointer.empty() ? &*parsed : rapidjson::Pointer(pointer.c_str()).Get(*parsed);
      if (part == nullptr) throw std::runtime_error("$ref to " + file + "#" + pointer + ": no such schema");
      Value schema(*part, alloc_);  // a deep copy into the bundle's allocator
      // Walked before it joins components/schemas: adding members there may move the others.
      walk(schema, file, true, false);
      doc_["components"]["schemas"].AddMember(Value(name.c_str(), alloc_), schema, alloc_);
    }
  }

 private:
  std::string_view text_of(const std::string& file) const {
    try {
      return load_ ? load_(file) : resource(file);
    } catch (const std::out_of_range&) {
      throw std::runtime_error("$ref to " + file + ": no such file");
    }
  }

  // The component that `target` (a file, or with `pointer` one of its definitions) becomes; queues it
  // the first time. A shared definition (schemas/definitions.schema.json#/definitions/sku) becomes a
  // component of its own (definitions.sku), so the bundle holds only the definitions its routes use.
  std::string component_of(const std::string& target, const std::string& pointer = {}) {
    const std::string name =
        component_name(target) + (pointer.empty() ? "" : "." + pointer.substr(kDefs.size()));
    if (included_.insert(target + "#" + pointer).second) {
      if (!taken_.insert(name).second)
        throw std::runtime_error("$ref to " + target + ": components/schemas/" + name + " exists already");
      pending_.push_back({target, pointer, name});
    }
    return std::string(kComponents) + name;
  }

  std::string rewrite_ref(std::string_view ref, const std::string& file, bool external) {
    if (ref.find("://") != std::string_view::npos)
      throw std::runtime_error(file + ": $ref " + std::string(ref) + " is not a file under schemas/");
    const size_t hash = ref.find('#');
    const std::string fragment(hash == std::string_view::npos ? "" : ref.substr(hash + 1));
    if (!fragment.empty() && fragment.front() != '/')
      throw std::runtime_error(file + ": $ref " + std::string(ref) + ": only JSON pointer fragments");
    const auto path = ref.substr(0, hash);
    // One definition of a file's "definitions": its own component (within the file, or from another).
    if ((external || !path.empty()) && fragment.starts_with(kDefs) &&
        fragment.find('/', kDefs.size()) == std::string::npos) {
      const std::string target =
          path.empty() ? file : normalize(file.substr(0, file.rfind('/') + 1) + std::string(path));
      return component_of(target, fragment);
    }
    if (path.empty()) {  // within the same file
      return external ? std::string(kComponents) + component_name(file) + fragment : std::string(ref);
    }
    const std::string target = normalize(file.substr(0, file.rfind('/') + 1) + std::string(path));
    return component_of(target) + fragment;
  }

  // Draft-04 -> 2020-12, for a schema object of an external file.
  void translate(Value& v) {
    v.RemoveMember("$schema");
    if (auto id = v.FindMember("id"); id != v.MemberEnd() && id->value.IsString()) v.RemoveMember(id);
    for (const auto& [exclusive, bound] :
         {std::pair{"exclusiveMinimum", "minimum"}, std::pair{"exclusiveMaximum", "maximum"}}) {
      auto flag = v.FindMember(exclusive);
      if (flag == v.MemberEnd() || !flag->value.IsBool()) continue;
      const bool on = flag->value.GetBool();
      v.RemoveMember(exclusive);
      auto limit = v.FindMember(bound);
      if (on && limit != v.MemberEnd()) {
        Value number(limit->value, alloc_);
        v.RemoveMember(bound);
        v.AddMember(Value(exclusive, alloc_), number, alloc_);
      }
    }
  }

  // `external`: v is (part of) a JSON Schema file, not the OpenAPI document. `names`: v maps names
  // to schemas (properties, definitions, ...), so its keys are no keywords.
  void walk(Value& v, const std::string& file, bool external, bool names) {
    if (v.IsArray()) {
      for (auto& item : v.GetArray()) walk(item, file, external, false);
      return;
    }
    if (!v.IsObject()) return;
    if (!names) {
      if (external) translate(v);
      auto ref = v.FindMember("$ref");
      if (ref != v.MemberEnd() && ref->value.IsString()) {
        const std::string target = rewrite_ref(ref->value.GetString(), file, external);
        ref->value.SetString(target.c_str(), static_cast<rapidjson::SizeType>(target.size()), alloc_);
      }
    }
    for (auto& m : v.GetObject()) {
      const std::string_view key = m.name.GetString();
      if (names) {
        walk(m.value, file, external, false);
      } else if (key == "enum" || key == "const" || key == "default" || key == "example" ||
                 key == "examples") {
        continue;  // data, not schemas
      } else {
        walk(m.value, file, external,
             key == "properties" || key == "patternProperties" || key == "definitions" || key == "$defs" ||
                 key == "dependencies");
      }
    }
  }

  const std::function<std::string_view(std::string_view)>& load_;
  rapidjson::Document& doc_;
  rapidjson::Document::AllocatorType& alloc_;
  struct Part {
    std::string file, pointer, name;  // pointer "": the whole file
  };
  std::set<std::string> included_;  // file#pointer queued or bundled
  std::set<std::string> taken_;     // component names in use
  std::deque<Part> pending_;
};

}  // namespace

std::string bundled_openapi(const std::function<std::string_view(std::string_view)>& load) {
  const std::string_view text = load ? load(kRoot) : resource(kRoot);
  std::string error;
  auto doc = json::parse(text, &error);
  if (!doc) throw std::runtime_error(std::string(kRoot) + " is not valid JSON: " + error);
  Bundler(load, *doc).run();
  return json::to_string(*doc);
}

}  // namespace orderflow::api
