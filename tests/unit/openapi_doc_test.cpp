// bundled_openapi: schemas/openapi.json with every external $ref moved into components/schemas, so
// the document GET /openapi.json serves stands alone.
#include "openapi_doc.hpp"

#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

using orderflow::api::bundled_openapi;

namespace {

rapidjson::Document parse(const std::string& text) {
  auto doc = orderflow::json::parse(text);
  EXPECT_TRUE(doc);
  return doc ? std::move(*doc) : rapidjson::Document();
}

void refs_in(const rapidjson::Value& v, std::set<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "$ref" && m.value.IsString())
        out.insert(m.value.GetString());
      refs_in(m.value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) refs_in(item, out);
  }
}

// Every $ref of `doc` points inside it, at something that exists.
void expect_standalone(const rapidjson::Document& doc) {
  std::set<std::string> refs;
  refs_in(doc, refs);
  for (const auto& r : refs) {
    ASSERT_TRUE(r.starts_with("#/")) << r << " points outside the document";
    EXPECT_NE(rapidjson::Pointer(r.c_str()).Get(doc), nullptr) << r << " does not resolve";
  }
}

// A loader over a few files given here, like the embedded resources.
struct Files {
  std::map<std::string, std::string, std::less<>> files;
  std::string_view operator()(std::string_view path) const {
    auto it = files.find(path);
    if (it == files.end()) throw std::out_of_range(std::string(path));
    return it->second;
  }
};

constexpr const char* kRoot = R"({"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/x":{"post":{
  "requestBody":{"content":{"application/json":{"schema":{"$ref":"http/a.schema.json"}}}},
  "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Mine"}}}}}}}},
  "components":{"schemas":{"Mine":{"type":"object"}}}})";

}  // namespace

TEST(OpenApiDoc, TheServedDocumentStandsAloneAndHasEveryRequestSchema) {
  const auto doc = parse(bundled_openapi());
  expect_standalone(doc);
  const auto& schemas = doc["components"]["schemas"];
  for (const auto& [path, _] : orderflow::resources_under("schemas/http/")) {
    std::string name(path.substr(std::string_view("schemas/").size()));
    name = name.substr(0, name.size() - std::string_view(".schema.json").size());
    name[name.find('/')] = '.';
    ASSERT_TRUE(schemas.HasMember(name.c_str())) << path << " is not bundled (no request body refers to it?)";
    EXPECT_FALSE(schemas[name.c_str()].HasMember("$schema")) << name << ": draft-04's $schema left";
  }
  EXPECT_EQ(std::string(doc["openapi"].GetString()).substr(0, 4), "3.1.");
  EXPECT_TRUE(doc["paths"].HasMember("/openapi.json"));
}

TEST(OpenApiDoc, ResolvesRefsTransitivelyAcrossFoldersAndInsideFiles) {
  Files f;
  f.files["schemas/openapi.json"] = kRoot;
  f.files["schemas/http/a.schema.json"] = R"({"$schema":"http://json-schema.org/draft-04/schema#",
    "type":"object","properties":{"id":{"$ref":"../defs.schema.json#/definitions/id"},
    "self":{"$ref":"#"},"n":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"integer"}}})";
  f.files["schemas/defs.schema.json"] = R"({"definitions":{"id":{"type":"string","id":"not-a-keyword-here"},
    "other":{"$ref":"http/../defs.schema.json#/definitions/id"}}})";
  const auto doc = parse(bundled_openapi(std::cref(f)));
  expect_standalone(doc);
  const auto& a = doc["components"]["schemas"]["http.a"];
  EXPECT_FALSE(a.HasMember("$schema"));
  // A definition becomes a component of its own, and only the definitions in use are bundled.
  EXPECT_STREQ(a["properties"]["id"]["$ref"].GetString(), "#/components/schemas/defs.id");
  EXPECT_TRUE(doc["components"]["schemas"].HasMember("defs.id"));
  EXPECT_FALSE(doc["components"]["schemas"].HasMember("defs.other"));
  EXPECT_FALSE(doc["components"]["schemas"].HasMember("defs"));
  EXPECT_STREQ(a["properties"]["self"]["$ref"].GetString(), "#/components/schemas/http.a");
  EXPECT_STREQ(a["properties"]["n"]["$ref"].GetString(), "#/components/schemas/http.a.n");
  EXPECT_STREQ(
      doc["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].GetString(),
      "#/components/schemas/http.a");
  // A property named like a draft-04 keyword is a name, not the keyword.
  EXPECT_TRUE(a["properties"].HasMember("id"));
  // Schema objects of the root document are left as they are.
  EXPECT_TRUE(doc["components"]["schemas"].HasMember("Mine"));
}

TEST(OpenApiDoc, TranslatesDraft04ExclusiveBounds) {
  Files f;
  f.files["schemas/openapi.json"] = kRoot;
  f.files["schemas/http/a.schema.json"] = R"({"type":"object","properties":{
    "a":{"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":9,"exclusiveMaximum":false},
    "b":{"type":"number","maximum":1.5,"exclusiveMaximum":true}}})";
  const auto doc = parse(bundled_openapi(std::cref(f)));
  const auto& p = doc["components"]["schemas"]["http.a"]["properties"];
  EXPECT_EQ(p["a"]["exclusiveMinimum"].GetInt(), 0);
  EXPECT_FALSE(p["a"].HasMember("minimum"));
  EXPECT_EQ(p["a"]["maximum"].GetInt(), 9);
  EXPECT_FALSE(p["a"].HasMember("exclusiveMaximum"));
  EXPECT_DOUBLE_EQ(p["b"]["exclusiveMaximum"].GetDouble(), 1.5);
}

TEST(OpenApiDoc, RefusesWhatItCannotBundle) {
  Files f;
  f.files["schemas/openapi.json"] = kRoot;
  f.files["schemas/http/a.schema.json"] = R"({"$ref":"missing.schema.json"})";
  EXPECT_THROW(bundled_openapi(std::cref(f)), std::runtime_error);
  f.files["schemas/http/a.schema.json"] = R"({"$ref":"https://example.com/x.json"})";
  EXPECT_THROW(bundled_openapi(std::cref(f)), std::runtime_error);
  f.files["schemas/http/a.schema.json"] = R"({"$ref":"../../../x.json"})";
  EXPECT_THROW(bundled_openapi(std::cref(f)), std::runtime_error);
}
