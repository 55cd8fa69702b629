// The downlink against the real HQ over real TLS: publish, list, download (resumed
// with Range after a cut), verify against the pinned HQ content-signing keys, refuse
// what fails a check (the installed bundle stays), install atomically.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "checkpoint/common/sha256.hpp"
#include "support/fault_proxy.hpp"
#include "sync_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;

namespace {
std::string RandomBytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The JSON object `t` without its member `key` (a string or a number, not last).
std::string WithoutKey(std::string t, const std::string& key) {
  const auto at = t.find("\"" + key + "\":");
  const auto comma = t.find(',', at);
  return t.erase(at, comma - at + 1);
}

// A device enrolled at `hq` that pins HQ's current signing keys.
void Provision(TestDevice& d, TestHq& hq) {
  Must(d.Enroll(hq));
  d.PinSigningKeys(hq.keys.publics());
}

bool Refused(const agent::DownlinkRound& r, const std::string& kind, std::int64_t version,
             const std::string& reason_part) {
  return std::any_of(r.refused.begin(), r.refused.end(), [&](const agent::BundleOutcome& o) {
    return o.kind == kind && o.version == version &&
           o.reason.find(reason_part) != std::string::npos;
  });
}

// Plants a bundle at HQ with a manifest built by `edit` from a properly signed one.
template <typename Edit>
void Plant(TestHq& hq, const std::string& kind, std::int64_t version, const std::string& payload,
           Edit edit) {
  protocol::BundleManifest m;
  m.kind = kind;
  m.version = version;
  m.created_ms = hq.clock.WallMs();
  m.name = kind + ".bin";
  m.size = static_cast<std::int64_t>(payload.size());
  m.sha256 = common::Sha256::Of(payload);
  Must(protocol::SignBundleManifest(m, hq.keys.current()));
  std::string text = edit(m);
  hq.service->WithDatabase([&](hq::HqDatabase& db) {
    Must(hq::StoreBundleRaw(db.db(), kind, version, std::nullopt, text, common::ToHex(m.sha256),
                            payload, hq.clock.WallMs()));
    return 0;
  });
}
// Bytes already held for `name` in the downlink's partial directory, as an earlier
// attempt (or another payload under the same name) would have left them.
void HoldPartial(const std::filesystem::path& dir, const std::string& name,
                 const std::string& bytes) {
  Must(common::EnsurePrivateDirectory(dir));
  Must(common::EnsurePrivateDirectory(dir / "partial"));
  Must(common::WriteFileAtomic(dir / "partial" / name, bytes));
}

}  // namespace

TEST_CASE("published bundles are downloaded, verified and installed", "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  const std::string rules = R"({"version":7,"rules":[],"note":"MARKER-IN-PAYLOAD"})";
  const std::string list = RandomBytes(50'000, 1);
  auto r1 = hq.Publish({.kind = "rules", .payload = rules});
  auto w1 = hq.Publish({.kind = "watchlist", .payload = list});
  CHECK(r1.version == 1);

  TestDownlink dl(d, hq);
  auto round = Must(dl.downlink.SyncOnce());
  CHECK(round.installed.size() == 2);
  CHECK(round.refused.empty());
  CHECK(dl.Installed("rules") == 1);
  CHECK(dl.Installed("watchlist") == 1);
  CHECK(dl.Payload(r1) == rules);
  CHECK(dl.Payload(w1) == list);
  CHECK(Must(dl.chain.BundleFloor("rules")) == 1);
  CHECK(std::filesystem::is_empty(dl.dir / "partial"));

  // Nothing new: nothing downloaded.
  const auto downloads = dl.client->ranges.size();
  round = Must(dl.downlink.SyncOnce());
  CHECK(round.installed.empty());
  CHECK(dl.client->ranges.size() == downloads);

  // A new version replaces the old one, whose payload goes.
  auto r2 = hq.Publish({.kind = "rules", .payload = R"({"version":8,"rules":[]})"});
  round = Must(dl.downlink.SyncOnce());
  REQUIRE(round.installed.size() == 1);
  CHECK(round.installed[0].version == 2);
  CHECK(dl.Installed("rules") == 2);
  CHECK(dl.Payload(r2) == R"({"version":8,"rules":[]})");
  CHECK_FALSE(std::filesystem::exists(agent::PayloadPath(dl.dir, r1)));

  // The logs name kinds and versions, never payload bytes.
  for (const auto& line : d.logs->Lines()) CHECK(line.find("MARKER") == std::string::npos);
}

TEST_CASE("in a shared data directory checkpointd's group reads the installed bundles",
          "[sync][downlink][permissions]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  auto r1 = hq.Publish({.kind = "rules", .payload = R"({"version":1,"rules":[]})"});
  // As checkpoint-sync.service runs it: [paths] group = "checkpoint" (ADR 0012).
  TestDownlink dl(d, hq, {}, {0750, ::getegid()});
  Must(dl.downlink.SyncOnce());
  CHECK(dl.Installed("rules") == 1);
  auto mode = [](const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  CHECK(mode(dl.dir) == 0750);
  CHECK(mode(dl.dir / "rules") == 0750);
  CHECK(mode(agent::PayloadPath(dl.dir, r1)) == 0640);
  // Not verified yet: the agent's alone.
  CHECK(mode(dl.dir / "partial") == 0700);
}

TEST_CASE("watchlist deltas apply on their base; a new device gets full + deltas",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  hq.Publish({.kind = "watchlist", .payload = "full-1\n"});
  TestDownlink dl(d, hq);
  Must(dl.downlink.SyncOnce());
  hq.Publish({.kind = "watchlist", .payload = "delta-2\n", .base_version = 1});
  hq.Publish({.kind = "watchlist", .payload = "delta-3\n", .base_version = 2});
  // HQ keeps deltas in one line: a delta on an older version is refused.
  auto branch = hq.service->WithDatabase([&](hq::HqDatabase& db) {
    return hq::PublishBundle(
        db.db(), hq.keys.current(),
        {.kind = "watchlist", .payload = "x\n", .name = "x", .base_version = 1}, hq.clock.WallMs());
  });
  REQUIRE_FALSE(branch);
  CHECK(branch.error().message().find("latest published version (3)") != std::string::npos);
  auto round = Must(dl.downlink.SyncOnce());
  CHECK(round.installed.size() == 2);
  auto chain = Must(agent::ReadInstalled(dl.dir, "watchlist"));
  REQUIRE(chain);
  REQUIRE(chain->chain.size() == 3);
  CHECK(chain->chain[2].base_version == 2);
  CHECK(dl.Payload(chain->chain[1]) == "delta-2\n");

  TestDevice fresh("CP-T2");
  Provision(fresh, hq);
  TestDownlink other(fresh, hq);
  round = Must(other.downlink.SyncOnce());
  CHECK(round.installed.size() == 3);
  CHECK(other.Installed("watchlist") == 3);

  // A new full list starts a new chain; the deltas' payloads go.
  hq.Publish({.kind = "watchlist", .payload = "full-4\n"});
  Must(dl.downlink.SyncOnce());
  chain = Must(agent::ReadInstalled(dl.dir, "watchlist"));
  REQUIRE(chain);
  CHECK(chain->chain.size() == 1);
  CHECK(chain->chain[0].version == 4);
  CHECK_FALSE(std::filesystem::exists(dl.dir / "watchlist" / "2.bin"));
}

TEST_CASE("tampered, unsigned and foreign-signed bundles are refused; the old one stays",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  auto v1 = hq.Publish({.kind = "rules", .payload = "rules-1"});
  TestDownlink dl(d, hq);
  Must(dl.downlink.SyncOnce());
  REQUIRE(dl.Installed("rules") == 1);
  auto stays = [&] {
    CHECK(dl.Installed("rules") == 1);
    CHECK(dl.Payload(v1) == "rules-1");
    CHECK(std::filesystem::is_empty(dl.dir / "partial"));
  };

  SECTION("payload changed after signing") {
    hq.Publish({.kind = "rules", .payload = "rules-2"});
    hq.Sql("UPDATE bundles SET payload = CAST('rulez-2' AS BLOB) WHERE version = 2");
    auto round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 2, "does not match the signed manifest (SHA-256)"));
    stays();
  }
  SECTION("manifest changed after signing") {
    Plant(hq, "rules", 2, "rules-2", [](protocol::BundleManifest m) {
      m.expires_ms = 4'000'000'000'000;  // someone extends its life
      return protocol::ToJson(m);
    });
    auto round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 2, "signature does not verify"));
    stays();
  }
  SECTION("unsigned: a zero signature") {
    Plant(hq, "rules", 2, "rules-2", [](protocol::BundleManifest m) {
      m.sig = {};
      return protocol::ToJson(m);
    });
    auto round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 2, "signature does not verify"));
    stays();
  }
  SECTION("unsigned: no signature at all taints the whole list") {
    Plant(hq, "rules", 2, "rules-2",
          [](const protocol::BundleManifest& m) { return WithoutKey(protocol::ToJson(m), "sig"); });
    auto round = dl.downlink.SyncOnce();
    REQUIRE_FALSE(round);
    CHECK(round.error().Is(agent::SyncErrc::kProtocol));
    CHECK(round.error().message().find("\"sig\": missing") != std::string::npos);
    stays();
  }
  SECTION("signed by a key the device does not pin") {
    auto stranger = Must(protocol::DeviceKey::Generate());
    hq.Publish({.kind = "rules", .payload = "rules-2"}, &stranger);
    auto round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 2, "which is not pinned"));
    stays();
  }
  SECTION("expired, or from the future") {
    hq.Publish({.kind = "rules", .payload = "rules-2", .expires_ms = hq.clock.WallMs() - 1});
    auto round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 2, "expired"));
    stays();
    Plant(hq, "rules", 3, "rules-3", [&](protocol::BundleManifest m) {
      m.created_ms = hq.clock.WallMs() + 3'600'000;
      Must(protocol::SignBundleManifest(m, hq.keys.current()));
      return protocol::ToJson(m);
    });
    round = Must(dl.downlink.SyncOnce());
    CHECK(Refused(round, "rules", 3, "after the trusted time"));
    stays();
  }
  SECTION("not valid yet: postponed") {
    hq.Publish(
        {.kind = "rules", .payload = "rules-2", .not_before_ms = hq.clock.WallMs() + 3'600'000});
    auto round = Must(dl.downlink.SyncOnce());
    REQUIRE(round.postponed.size() == 1);
    CHECK(round.refused.empty());
    stays();
  }
}

TEST_CASE("older versions are refused (anti-rollback), even after the directory is lost",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  hq.Publish({.kind = "rules", .payload = "rules-1"});
  hq.Publish({.kind = "rules", .payload = "rules-2"});
  auto v3 = hq.Publish({.kind = "rules", .payload = "rules-3"});
  TestDownlink dl(d, hq);
  Must(dl.downlink.SyncOnce());
  REQUIRE(dl.Installed("rules") == 3);

  // HQ (or someone in its place) offers version 2 again.
  hq.Sql("DELETE FROM bundles WHERE version = 3");
  auto round = Must(dl.downlink.SyncOnce());
  CHECK(Refused(round, "rules", 2, "rollback refused"));
  CHECK(dl.Installed("rules") == 3);
  CHECK(dl.Payload(v3) == "rules-3");

  // Losing installed.json does not lower the floor kept in sync.db.
  std::filesystem::remove(dl.dir / "rules" / "installed.json");
  round = Must(dl.downlink.SyncOnce());
  CHECK(Refused(round, "rules", 2, "rollback refused"));
  CHECK(dl.Installed("rules") == 0);

  // Version 3 again is accepted (it is the floor), and 4 after it.
  hq.Publish({.kind = "rules", .payload = "rules-3", .version = 3});
  round = Must(dl.downlink.SyncOnce());
  CHECK(dl.Installed("rules") == 3);
  hq.Publish({.kind = "rules", .payload = "rules-4"});
  Must(dl.downlink.SyncOnce());
  CHECK(dl.Installed("rules") == 4);

  // HQ itself refuses to publish a version that is not above the latest.
  auto again = hq.service->WithDatabase([&](hq::HqDatabase& db) {
    return hq::PublishBundle(db.db(), hq.keys.current(),
                             {.kind = "rules", .payload = "x", .name = "x", .version = 4},
                             hq.clock.WallMs());
  });
  REQUIRE_FALSE(again);
  CHECK(again.error().message().find("not above the latest") != std::string::npos);
}

TEST_CASE("signing keys rotate: a new pinned key is accepted, a removed key refused",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  hq.Publish({.kind = "crl", .payload = "crl-1"});
  const protocol::PublicKey old_key = hq.keys.current().Public();
  const auto old_private = Must(protocol::DeviceKey::FromPem(hq.keys.current().PrivatePem()));
  Must(hq.keys.Rotate());
  REQUIRE(hq.keys.publics().size() == 2);

  // The device pins both during the rotation: bundles of either key install.
  d.PinSigningKeys(hq.keys.publics());
  TestDownlink dl(d, hq);
  Must(dl.downlink.SyncOnce());
  CHECK(dl.Installed("crl") == 1);
  auto v2 = hq.Publish({.kind = "crl", .payload = "crl-2"});
  CHECK(v2.key != old_key);
  Must(dl.downlink.SyncOnce());
  CHECK(dl.Installed("crl") == 2);

  // The old key is withdrawn from the device: what it signs is refused.
  d.PinSigningKeys({hq.keys.current().Public()});
  TestDownlink after(d, hq);
  hq.Publish({.kind = "crl", .payload = "crl-3"}, &old_private);
  auto round = Must(after.downlink.SyncOnce());
  CHECK(Refused(round, "crl", 3, "not pinned"));
  CHECK(after.Installed("crl") == 2);
  hq.Publish({.kind = "crl", .payload = "crl-4"});
  Must(after.downlink.SyncOnce());
  CHECK(after.Installed("crl") == 4);
}

TEST_CASE("a download cut mid-transfer resumes with Range and verifies", "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  const std::string firmware = RandomBytes(600'000, 7);
  auto m = hq.Publish({.kind = "firmware", .payload = firmware});
  // The first connection (the list, then the download) is reset after 200 kB.
  FaultProxy proxy(hq.port, [](int connection) -> std::optional<std::size_t> {
    if (connection == 0) return 200'000;
    return std::nullopt;
  });
  TestDownlink dl(d, hq, "https://127.0.0.1:" + std::to_string(proxy.port()));
  auto cut = dl.downlink.SyncOnce();
  REQUIRE_FALSE(cut);
  CHECK(cut.error().Is(agent::SyncErrc::kNetwork));
  CHECK(proxy.cuts() == 1);
  const auto part = dl.dir / "partial" / "firmware-1.part";
  REQUIRE(std::filesystem::exists(part));
  const auto had = static_cast<std::int64_t>(std::filesystem::file_size(part));
  CHECK(had > 0);
  CHECK(had < static_cast<std::int64_t>(firmware.size()));
  CHECK(dl.Installed("firmware") == 0);

  auto round = Must(dl.downlink.SyncOnce());
  REQUIRE(round.installed.size() == 1);
  CHECK(dl.client->ranges == std::vector<std::int64_t>{0, had});
  CHECK(dl.client->statuses.back() == 206);
  CHECK(dl.Payload(m) == firmware);  // byte-identical (and its SHA-256 was checked)
  CHECK_FALSE(std::filesystem::exists(part));
}

TEST_CASE("a partial download of a payload that changed is not spliced (If-Range)",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  const std::string payload = RandomBytes(10'000, 3);
  auto m = hq.Publish({.kind = "config", .payload = payload});
  TestDownlink dl(d, hq);
  // Bytes left over from another payload under the same name.
  HoldPartial(dl.dir, "config-1.part", RandomBytes(4'000, 4));
  hq.Sql("UPDATE bundles SET sha256 = 'changed' WHERE kind = 'config'");  // another ETag
  auto round = Must(dl.downlink.SyncOnce());
  CHECK(dl.client->statuses.back() == 200);  // the whole payload, not a range
  REQUIRE(round.installed.size() == 1);
  CHECK(dl.Payload(m) == payload);
}

TEST_CASE("hostile manifests are refused with a clear error", "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  auto v1 = hq.Publish({.kind = "rules", .payload = "rules-1"});
  TestDownlink dl(d, hq);
  Must(dl.downlink.SyncOnce());

  struct Case {
    const char* what;
    std::function<std::string(protocol::BundleManifest)> edit;
    const char* error;
  };
  const Case cases[] = {
      {"huge size",
       [](protocol::BundleManifest m) {
         std::string t = protocol::ToJson(m);
         const auto at = t.find("\"size\":") + 7;
         return t.substr(0, at) + "1099511627776" + t.substr(t.find(',', at));
       },
       "\"size\": 1099511627776 bytes, more than"},
      {"bad JSON", [](const protocol::BundleManifest&) { return std::string("{\"kind\":"); },
       "not JSON"},
      {"path traversal in the name",
       [](protocol::BundleManifest m) {
         m.name = "x";
         std::string t = protocol::ToJson(m);
         const auto at = t.find("\"name\":\"x\"");
         return t.substr(0, at) + R"("name":"../../etc/passwd")" + t.substr(at + 10);
       },
       "\"name\": not a plain file name"},
      {"path traversal in the kind",
       [](protocol::BundleManifest m) {
         std::string t = protocol::ToJson(m);
         const auto at = t.find("\"kind\":\"rules\"");
         return t.substr(0, at) + R"("kind":"../rules")" + t.substr(at + 14);
       },
       "\"kind\": not a known bundle kind"},
      {"an unknown key",
       [](protocol::BundleManifest m) {
         std::string t = protocol::ToJson(m);
         return t.substr(0, t.size() - 1) + R"(,"path":"/etc/shadow"})";
       },
       "\"path\": unknown key"},
      {"deeply nested", [](const protocol::BundleManifest&) { return std::string(40, '['); },
       "nested too deeply"},
  };
  std::int64_t version = 2;
  for (const Case& c : cases) {
    INFO(c.what);
    Plant(hq, "rules", version, "rules-x", c.edit);
    auto round = dl.downlink.SyncOnce();
    REQUIRE_FALSE(round);
    CHECK(round.error().Is(agent::SyncErrc::kProtocol));
    CHECK(round.error().message().find(c.error) != std::string::npos);
    CHECK(dl.Installed("rules") == 1);
    CHECK(dl.Payload(v1) == "rules-1");
    hq.Sql("DELETE FROM bundles WHERE version = " + std::to_string(version));
    ++version;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(d.dir.path())) {
    CHECK(entry.path().filename() != "passwd");
  }
}

TEST_CASE("held bytes that do not verify are fetched again before anything is refused",
          "[sync][downlink]") {
  TestHq hq;
  TestDevice d;
  Provision(d, hq);
  const std::string payload = RandomBytes(5'000, 5);
  auto m = hq.Publish({.kind = "crl", .payload = payload});
  TestDownlink dl(d, hq);
  // As long as the payload, but other bytes (a disk error, an older attempt).
  HoldPartial(dl.dir, "crl-1.part", RandomBytes(5'000, 6));
  auto round = Must(dl.downlink.SyncOnce());
  CHECK(round.refused.empty());
  REQUIRE(round.installed.size() == 1);
  CHECK(dl.client->ranges == std::vector<std::int64_t>{0});
  CHECK(dl.Payload(m) == payload);
  CHECK(Must(dl.chain.LastHqTime()).has_value());  // the list's HQ time is kept
}
