// checkpointd picks up the bundles checkpoint-sync installs, while it runs: rules,
// a full watchlist, then a delta on it; a payload that does not match its installed
// manifest is not applied and what is in force stays. The bundle directory is
// written here as the agent writes it (payload first, installed.json last and
// atomically); the agent's side is tested against the real HQ in tests/sync.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/store/store.hpp"
#include "checkpoint/store/watchlist_store.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

using namespace checkpoint;
using checkpoint::testing::Subprocess;
using checkpoint::testing::TempDir;
using namespace std::chrono_literals;

namespace {

struct Installed {
  std::int64_t version;
  std::string payload;
  std::optional<std::int64_t> base = std::nullopt;
};

// Installs `chain` of `kind` as checkpoint-sync does; `lie` writes a wrong hash.
void Install(const std::filesystem::path& bundles, const std::string& kind,
             const std::vector<Installed>& chain, bool lie = false) {
  const auto dir = bundles / kind;
  REQUIRE(common::EnsurePrivateDirectory(dir));
  std::string json = "{\"bundles\":[";
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto& b = chain[i];
    REQUIRE(common::WriteFileAtomic(dir / (std::to_string(b.version) + ".bin"), b.payload, 0644));
    auto digest = common::Sha256::Of(b.payload);
    if (lie) digest[0] ^= 1;
    json += std::string(i ? "," : "") + "{\"kind\":\"" + kind +
            "\",\"version\":" + std::to_string(b.version) +
            ",\"size\":" + std::to_string(b.payload.size()) + ",\"sha256\":\"" +
            common::ToHex(digest) + "\"" +
            (b.base ? ",\"base\":" + std::to_string(*b.base) : std::string()) + "}";
  }
  json += "],\"hq_time_ms\":1767225600000}";
  REQUIRE(common::WriteFileAtomic(dir / "installed.json", json, 0644));
}

// Reads the daemon's log until a line holds every one of `parts`; "" on timeout.
std::string WaitForLog(Subprocess& d, const std::vector<std::string>& parts) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = d.ReadLine(30s);
    if (!line) return {};
    bool all = true;
    for (const auto& p : parts) all = all && line->find(p) != std::string::npos;
    if (all) return *line;
  }
  return {};
}

}  // namespace

TEST_CASE("checkpointd applies installed bundles without a restart", "[daemon][bundles]") {
  TempDir tmp;
  const auto cfg = tmp / "checkpoint.toml";
  std::ofstream(cfg) << "[device]\nid = \"CP-TEST\"\nsite = \"UA-TEST\"\n\n[paths]\ndata_dir = \""
                     << (tmp / "data").string()
                     << "\"\n\n[daemon]\nheartbeat_interval_s = 1\n\n[risk]\nrules = \""
                     << CHECKPOINT_DEFAULT_RULES << "\"\n";
  const auto bundles = tmp / "data" / "bundles";
  // The box already trusts the test CSCA (a master list must chain to a stored one).
  namespace pki = checkpoint::testing::pki;
  const auto& w = pki::TheWorld();
  {
    REQUIRE(common::EnsurePrivateDirectory(tmp / "data"));
    auto st = store::Store::Open({.path = tmp / "data" / "checkpoint.db", .device_id = "CP-TEST"});
    REQUIRE(st);
    REQUIRE(st->trust().AddCsca(pki::Der(w.csca), "manual", 1'767'225'600'000));
  }
  Subprocess d({CHECKPOINTD_PATH, "--config", cfg.string()}, {}, /*merge_stderr=*/true);
  REQUIRE_FALSE(WaitForLog(d, {"msg=ready"}).empty());

  // Rules: HQ's bundle (its own version 3) replaces the operator's default (2).
  std::string rules = *common::ReadFile(CHECKPOINT_DEFAULT_RULES);
  const auto at = rules.find("\"version\": 2");
  REQUIRE(at != std::string::npos);
  rules.replace(at, 12, "\"version\": 3");
  Install(bundles, "rules", {{1, rules}});
  CHECK_FALSE(WaitForLog(d, {"\"bundle applied\"", "kind=rules", "rules_version=3"}).empty());

  // A full watchlist, then a delta on it (applied to the indexes in place).
  const std::string person =
      R"({"id":"P-1","kind":"person","names":["Ivan Petrov"],"birthDate":"1970-03",)"
      R"("nationality":"RUS","sex":"M","agency":"police","reason":"warrant","action":"refer"})"
      "\n";
  Install(bundles, "watchlist", {{1, person}});
  CHECK_FALSE(WaitForLog(d, {"\"bundle applied\"", "kind=watchlist", "version=1"}).empty());
  const std::string delta =
      "{\"op\":\"upsert\",\"id\":\"C-2\",\"kind\":\"container\",\"code\":\"MSCU1234566\"}\n";
  Install(bundles, "watchlist", {{1, person}, {2, delta, 1}});
  CHECK_FALSE(
      WaitForLog(d, {"\"bundle applied\"", "kind=watchlist", "version=2", "delta=true"}).empty());

  // A payload that does not match its manifest: refused, the list in force stays.
  Install(bundles, "watchlist",
          {{1, person}, {2, delta, 1}, {3, "{\"op\":\"remove\",\"id\":\"P-1\"}\n", 2}},
          /*lie=*/true);
  CHECK_FALSE(
      WaitForLog(d, {"\"bundle not applied", "kind=watchlist", "version=3", "does not match"})
          .empty());
  // A CSCA master list and a CRL go into the trust store.
  auto text = [](const pki::Bytes& b) { return std::string(b.begin(), b.end()); };
  Install(bundles, "csca", {{1, text(pki::MakeMasterList({w.csca}, w.mls, w.mls_key))}});
  CHECK_FALSE(WaitForLog(d, {"\"bundle applied\"", "kind=csca", "version=1"}).empty());
  const pki::CrlSpec crl{.this_update = pki::Day(2026, 1, 1),
                         .next_update = pki::Day(2036, 1, 1),
                         .revoked = {0x1001}};
  Install(bundles, "crl", {{1, text(pki::MakeCrl(crl, w.csca, w.csca_key))}});
  CHECK_FALSE(WaitForLog(d, {"\"bundle applied\"", "kind=crl", "version=1"}).empty());
  // Config bundles are only staged.
  Install(bundles, "config", {{1, "[device]\n"}});
  CHECK_FALSE(WaitForLog(d, {"staged", "kind=config"}).empty());

  d.Kill(SIGTERM);
  REQUIRE(d.Wait(20s) == 0);
  auto st = store::Store::Open(
      {.path = tmp / "data" / "checkpoint.db", .device_id = "CP-TEST", .read_only = true});
  REQUIRE(st);
  CHECK(**st->state().Get("bundle.watchlist.applied") == "2");
  auto current = st->watchlist().Current();
  REQUIRE(current);
  REQUIRE(*current);
  CHECK((*current)->counts.persons == 1);
  CHECK((*current)->counts.containers == 1);
  CHECK(st->trust().ListCrls()->size() == 1);
  CHECK(**st->state().Get("bundle.crl.applied") == "1");
}
