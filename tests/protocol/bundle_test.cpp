#include "checkpoint/protocol/bundle.hpp"

#include <catch2/catch.hpp>

#include "checkpoint/protocol/errors.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

namespace {
BundleManifest Signed(const DeviceKey& key) {
  BundleManifest m;
  m.kind = "watchlist";
  m.version = 5;
  m.created_ms = 1'767'225'600'000;
  m.name = "sltd-2026-01.jsonl";
  m.size = 3;
  m.sha256 = common::Sha256::Of("abc");
  m.base_version = 4;
  m.not_before_ms = 1'767'225'600'000;
  m.expires_ms = 1'798'761'600'000;
  REQUIRE(SignBundleManifest(m, key));
  return m;
}

// Replaces the first `from` in `text` by `to`.
std::string Edit(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}
}  // namespace

TEST_CASE("a signed manifest round-trips and verifies with a pinned key", "[protocol][bundle]") {
  const auto key = *DeviceKey::Generate();
  const auto m = Signed(key);
  auto back = ParseBundleManifest(ToJson(m));
  REQUIRE(back);
  CHECK(*back == m);
  CHECK(VerifyBundleManifest(*back, {key.Public()}));
  const BundleList list{{m, m}, 42};
  CHECK(*ParseBundleList(ToJson(list)) == list);
  CHECK(BundleCanonicalBytes(m).rfind("checkpoint.bundle.v1", 0) == 0);
}

TEST_CASE("every field of the manifest is signed", "[protocol][bundle]") {
  const auto key = *DeviceKey::Generate();
  const auto m = Signed(key);
  auto changed = [&](auto edit) {
    BundleManifest x = m;
    edit(x);
    return !VerifyBundleManifest(x, {key.Public()});
  };
  CHECK(changed([](BundleManifest& x) {
    x.kind = "rules";
    x.base_version.reset();
  }));
  CHECK(changed([](BundleManifest& x) { x.version = 6; }));
  CHECK(changed([](BundleManifest& x) { x.created_ms += 1; }));
  CHECK(changed([](BundleManifest& x) { x.name = "other"; }));
  CHECK(changed([](BundleManifest& x) { x.size = 4; }));
  CHECK(changed([](BundleManifest& x) { x.sha256[0] ^= 1; }));
  CHECK(changed([](BundleManifest& x) { x.not_before_ms.reset(); }));
  CHECK(changed([](BundleManifest& x) { x.expires_ms = 1'798'761'600'001; }));
  CHECK(changed([](BundleManifest& x) { x.base_version = 3; }));
  CHECK(changed([](BundleManifest& x) { x.sig[10] ^= 1; }));
  // Another key, even one that signs correctly, is refused unless pinned.
  const auto other = *DeviceKey::Generate();
  BundleManifest x = m;
  REQUIRE(SignBundleManifest(x, other));
  auto refused = VerifyBundleManifest(x, {key.Public()});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().Is(ProtocolErrc::kBadSignature));
  CHECK(refused.error().message().find("not pinned") != std::string::npos);
  CHECK(VerifyBundleManifest(x, {key.Public(), other.Public()}));
}

TEST_CASE("manifests are parsed strictly, with a clear error", "[protocol][bundle]") {
  const auto key = *DeviceKey::Generate();
  const std::string good = ToJson(Signed(key));
  auto error = [](const std::string& text) {
    auto r = ParseBundleManifest(text);
    REQUIRE_FALSE(r);
    return r.error().message();
  };
  CHECK(error("{").find("not JSON") != std::string::npos);
  CHECK(error(Edit(good, R"("kind":"watchlist")", R"("kind":"../watchlist")"))
            .find("\"kind\": not a known bundle kind") != std::string::npos);
  CHECK(error(Edit(good, R"("name":"sltd-2026-01.jsonl")", R"("name":"a/b")"))
            .find("\"name\": not a plain file name") != std::string::npos);
  CHECK(error(Edit(good, R"("name":"sltd-2026-01.jsonl")", R"("name":".hidden")"))
            .find("\"name\": not a plain file name") != std::string::npos);
  const auto huge = ParseBundleManifest(Edit(good, R"("size":3)", R"("size":268435457)"));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().Is(ProtocolErrc::kTooLarge));
  CHECK(error(Edit(good, R"("size":3)", R"("size":-1)")).find("\"size\": out of range") !=
        std::string::npos);
  CHECK(error(Edit(good, R"("size":3)", R"("size":3.0)")).find("not an integer") !=
        std::string::npos);
  CHECK(error(Edit(good, R"("version":5)", R"("version":5,"version":6)")).find("duplicate key") !=
        std::string::npos);
  CHECK(error(Edit(good, R"("version":5)", R"("version":5,"extra":1)")).find("unknown key") !=
        std::string::npos);
  CHECK(error(Edit(good, "\"sha256\":\"", "\"sha256\":\"A")).find("\"sha256\"") !=
        std::string::npos);
  CHECK(error(Edit(good, R"("base":4)", R"("base":5)")).find("base version") != std::string::npos);
  CHECK(error(Edit(good, R"("expires":1798761600000)", R"("expires":1)")).find("expires before") !=
        std::string::npos);
  CHECK(error(std::string(5000, ' ') + good).find("more than") != std::string::npos);
  // Only watchlists have deltas.
  BundleManifest rules = Signed(key);
  rules.kind = "rules";
  CHECK_FALSE(SignBundleManifest(rules, key));
}

TEST_CASE("pinned key lists hold Ed25519 public keys only", "[protocol][bundle]") {
  const auto a = *DeviceKey::Generate();
  const auto b = *DeviceKey::Generate();
  auto keys = ParsePublicKeysPem(PublicKeyPem(a.Public()) + PublicKeyPem(b.Public()));
  REQUIRE(keys);
  CHECK(*keys == std::vector<PublicKey>{a.Public(), b.Public()});
  CHECK_FALSE(ParsePublicKeysPem(""));
  CHECK_FALSE(ParsePublicKeysPem(a.PrivatePem()));  // a private key is not a pin
  CHECK_FALSE(ParsePublicKeysPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  CHECK(KeyId(a.Public()).size() == 16);
}
