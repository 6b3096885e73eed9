#include "api_keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "access.hpp"
#include "orderflow/digest.hpp"

using orderflow::sha256;
using orderflow::to_hex;
using orderflow::api::ApiKeys;
using orderflow::api::Caller;
using orderflow::api::Role;

namespace {

std::string line(const std::string& id, const std::string& role, const std::string& ns,
                 const std::string& secret) {
  return id + " " + role + " " + ns + " " + to_hex(sha256(secret));
}

ApiKeys keys(const std::string& lines) {
  ApiKeys k;
  k.add_lines(lines, "test");
  return k;
}

}  // namespace

TEST(Digest, Sha256OfAbcIsTheKnownVector) {
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeys, AuthenticatesIdDotSecretWithTheKeysRoleAndNamespace) {
  const auto k = keys(line("web", "storefront", "", "s1") + "\n" + line("acme", "partner", "acme", "s2"));
  const auto web = k.authenticate("web.s1");
  ASSERT_TRUE(web);
  EXPECT_EQ(web->key_id, "web");
  EXPECT_EQ(web->role, Role::storefront);
  EXPECT_EQ(web->customer_namespace, "");
  const auto acme = k.authenticate("acme.s2");
  ASSERT_TRUE(acme);
  EXPECT_EQ(acme->role, Role::partner);
  EXPECT_EQ(acme->customer_namespace, "acme");
  EXPECT_TRUE(k.required());
}

TEST(ApiKeys, RefusesAWrongSecretAnUnknownIdAndAnotherKeysSecret) {
  const auto k = keys(line("web", "storefront", "", "s1") + ";" + line("adm", "admin", "", "s3"));
  EXPECT_FALSE(k.authenticate("web.s2"));
  EXPECT_FALSE(k.authenticate("web.s3"));
  EXPECT_FALSE(k.authenticate("nobody.s1"));
  EXPECT_FALSE(k.authenticate("s1"));
  EXPECT_FALSE(k.authenticate("web."));
  EXPECT_FALSE(k.authenticate(""));
}

TEST(ApiKeys, TheAdminTokenIsAnAdminKeyAndAloneRequiresNoKeys) {
  ApiKeys k;
  k.add_admin_token("tok");
  EXPECT_FALSE(k.required());
  ASSERT_TRUE(k.authenticate("tok"));
  EXPECT_EQ(k.authenticate("tok")->role, Role::admin);
  EXPECT_FALSE(k.authenticate("tok2"));
}

TEST(ApiKeys, SkipsCommentsAndBlankLines) {
  const auto k = keys("# keys\n\n  \n" + line("web", "storefront", "", "s1") + "\n");
  EXPECT_EQ(k.size(), 1u);
}

TEST(ApiKeys, MalformedLinesAreRefusedNamingTheLine) {
  const std::string digest = to_hex(sha256("x"));
  for (const std::string& bad : std::vector<std::string>{
           "web storefront",                      // no digest
           "web storefront " + digest.substr(1),  // 63 digits
           "web shopper " + digest,               // unknown role
           "web.1 storefront " + digest,          // '.' in the id
           "acme partner " + digest,              // partner without a namespace
           "root admin ns " + digest,             // admin with a namespace
           "acme partner ac:me " + digest,        // ':' in a namespace
           "a b c d " + digest,                   // too many words
       }) {
    SCOPED_TRACE(bad);
    try {
      keys("# first\n" + bad);
      FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("test line 2"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(digest), std::string::npos) << "a digest in: " << e.what();
    }
  }
  EXPECT_THROW(keys(line("web", "storefront", "", "a") + "\n" + line("web", "storefront", "", "b")),
               std::invalid_argument);
}

TEST(ApiKeys, FromConfigReadsTheFileTheEnvironmentAndTheAdminToken) {
  const std::string path = ::testing::TempDir() + "/api_keys_test.keys";
  std::ofstream(path) << line("web", "storefront", "", "s1") << "\n";
  orderflow::Config c;
  c.api_keys_file = path;
  c.api_keys = line("acme", "partner", "acme", "s2");
  c.admin_token = "tok";
  const auto k = ApiKeys::from_config(c);
  EXPECT_TRUE(k.authenticate("web.s1"));
  EXPECT_TRUE(k.authenticate("acme.s2"));
  EXPECT_TRUE(k.authenticate("tok"));
  std::remove(path.c_str());
  EXPECT_THROW(ApiKeys::from_config(c), std::invalid_argument);  // a missing file stops the start
}

TEST(Caller, ANamespaceAdmitsOnlyItsCustomers) {
  const Caller acme{"k", Role::partner, "acme"};
  EXPECT_TRUE(acme.may_act_for("acme:1"));
  EXPECT_FALSE(acme.may_act_for("acme"));
  EXPECT_FALSE(acme.may_act_for("acme:"));
  EXPECT_FALSE(acme.may_act_for("acmex:1"));
  EXPECT_FALSE(acme.may_act_for("other:acme:1"));
  EXPECT_TRUE((Caller{"w", Role::storefront, ""}).may_act_for("anyone"));
}

TEST(RouteAccess, AdminMayCallEveryRouteAndAdminRoutesOnlyAdmin) {
  for (const auto& row : orderflow::api::route_access()) {
    SCOPED_TRACE(std::string(row.pattern));
    EXPECT_TRUE(row.admin);
    if (row.pattern.rfind("/v1/admin/", 0) == 0) {
      EXPECT_TRUE(row.admin_only());
    }
  }
  // A route under /v1/admin/ without a row is admin-only; any other route without one has no access.
  const auto unlisted = orderflow::api::access_for(Pistache::Http::Method::Get, "/v1/admin/new-thing");
  ASSERT_TRUE(unlisted);
  EXPECT_TRUE(unlisted->admin_only());
  EXPECT_FALSE(orderflow::api::access_for(Pistache::Http::Method::Get, "/v1/new-thing"));
}
