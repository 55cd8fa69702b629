// `checkpointctl provision` end to end: the real binary against the real HQ over TLS
// on 127.0.0.1 and real device peers; re-runs, a crash after each step, a wrong CA, a
// used token, bad site files, a device that fails its self-test, file modes.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "checkpoint/config/config.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "provision_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using nlohmann::json;

namespace {

// Nothing secret in what provision printed: not the token, not the key.
void CheckNoSecrets(const Box& box, const std::string& out) {
  CHECK(out.find(box.last_token) == std::string::npos);
  if (std::filesystem::exists(box.sync / "device.key")) {
    const std::string key = Must(common::ReadFile(box.sync / "device.key"));
    // The base64 body of the key PEM, line by line.
    std::istringstream lines(key);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.starts_with("-----") || line.size() < 16) continue;
      CHECK(out.find(line) == std::string::npos);
    }
  }
}

// The box is consistently provisioned: key, certificate for it from HQ's CA, a
// configuration checkpointd accepts, a complete journal, private modes.
void CheckProvisioned(const Box& box, TestHq& hq) {
  const std::string cert = Must(common::ReadFile(box.sync / "device.pem"));
  const auto key = Must(protocol::DeviceKey::Load(box.sync / "device.key"));
  CHECK(Must(protocol::CertificateCommonName(cert)) == box.device_id);
  CHECK(Must(protocol::PublicKeyOfCertificate(cert)) == key.Public());
  CHECK(protocol::CertificateIssuedBy(cert, Must(common::ReadFile(hq.ca_file()))));
  auto cfg = config::LoadConfig(box.config);
  REQUIRE(cfg);
  CHECK(cfg->device_id == box.device_id);
  CHECK(cfg->data_dir == box.data);
  CHECK(cfg->sync.hq_url == hq.url());
  CHECK(cfg->devices.size() == 2);
  CHECK(cfg->booths.size() == 2);
  const json journal = json::parse(Must(common::ReadFile(box.data / "provision.json")));
  CHECK(journal["version"] == 1);
  CHECK(journal["steps"].contains("complete"));
  CHECK(ModeOf(box.data) == 0700);
  CHECK(ModeOf(box.sync) == 0700);
  CHECK(ModeOf(box.sync / "device.key") == 0600);
  CHECK(ModeOf(box.data / "provision.json") == 0600);
}

}  // namespace

TEST_CASE("provision: a new box from site file and token to report", "[provision]") {
  TestHq hq;
  Box box;
  box.WriteSite();
  box.NewToken(hq);
  // A configuration from the factory is there already: it is kept as a backup.
  std::filesystem::create_directories(box.config.parent_path());
  WriteText(box.config, "# factory default\n");

  auto [code, out] = box.Provision(hq);
  INFO(out);
  REQUIRE(code == 0);
  const json r = JsonOf(out);
  CHECK(r["ok"] == true);
  CHECK(r["device_id"] == "CP-P1");
  CHECK(r["site_id"] == "UA-TEST");
  CHECK(r["certificate"]["subject"] == "CN=CP-P1");
  CHECK(r["certificate"]["sha256"].get<std::string>().size() == 64);
  CHECK(r["certificate"]["days_left"].get<int>() >= 300);
  CHECK(r["hq"]["reached"] == true);
  CHECK(std::llabs(r["hq"]["clock_offset_ms"].get<std::int64_t>()) < 60'000);
  CHECK(r["config"]["path"] == box.config.string());
  REQUIRE(r["config"]["backup"].is_string());
  CHECK(Must(common::ReadFile(r["config"]["backup"].get<std::string>())) == "# factory default\n");
  REQUIRE(r["devices"].size() == 2);
  for (const auto& d : r["devices"]) {
    CHECK(d["ok"] == true);
    CHECK(d["opened"] == true);
  }
  CHECK_FALSE(r["next_steps"].empty());
  CheckProvisioned(box, hq);
  CheckNoSecrets(box, out);
  for (const auto& line : hq.logs->Lines()) CHECK(line.find(box.last_token) == std::string::npos);

  // The human report says the same.
  std::filesystem::remove(box.token);
  auto args = box.Args(hq);
  args.erase(std::find(args.begin(), args.end(), "--json"));
  args.resize(args.size() - 2);  // no --token-file
  auto [code2, text] = RunCommand(args, {}, std::chrono::seconds(120));
  INFO(text);
  CHECK(code2 == 0);
  CHECK(text.find("provisioning report (as of the completed run)") != std::string::npos);
  CHECK(text.find("CN=CP-P1") != std::string::npos);
  CHECK(text.find("ok   mrz-b1") != std::string::npos);
  CheckNoSecrets(box, text);

  // Before checkpointd's first start there is no store, and status says so.
  auto [ncode, nout] = RunCommand({CHECKPOINTCTL_PATH, "--config", box.config.string(), "status"});
  CHECK(ncode == 1);
  CHECK(nout.find("checkpointd has not started") != std::string::npos);
  // status reads what provision made: enrolled, certificate days left, no contact yet
  // (with the store checkpointd creates at its first start).
  Must(store::Store::Open({.path = box.data / "checkpoint.db", .device_id = "CP-P1"}));
  auto [scode, sout] =
      RunCommand({CHECKPOINTCTL_PATH, "--config", box.config.string(), "--json", "status"});
  INFO(sout);
  const json s = JsonOf(sout);
  CHECK(s["agent"]["enrolled"] == true);
  CHECK(s["agent"]["device_id"] == "CP-P1");
  CHECK(s["agent"]["certificate"]["days_left"].get<int>() >= 300);
  CHECK(s["firmware_version"].is_string());
  CHECK(scode == 1);  // checkpoint-sync has not reached HQ yet: not healthy
  CHECK(s["healthy"] == false);
  CHECK(s["problems"][0].get<std::string>().find("has not reached HQ") != std::string::npos);
  // checkpointd accepts the configuration written, and checkpoint-sync runs on what
  // provision made (key, certificate, pinned CA): a record reaches HQ.
  auto [ccode, cout] = RunCommand({CHECKPOINTD_PATH, "--config", box.config.string(), "--check"});
  INFO(cout);
  CHECK(ccode == 0);
  {
    auto st = Must(store::Store::Open({.path = box.data / "checkpoint.db", .device_id = "CP-P1"}));
    auto outbox = st.outbox();
    Must(outbox.Enqueue(store::Lane::kRecords, "inspection", "uuid-p1", R"({"level":"clear"})",
                        common::SystemClock().WallMs()));
  }
  auto [dcode, dout] = RunCommand({SYNC_PATH, "run", "--config", box.config.string(), "--drain"},
                                  {}, std::chrono::seconds(120));
  INFO(dout);
  REQUIRE(dcode == 0);
  CHECK(hq.Count("CP-P1") == 1);
  // Once the agent has heard from HQ, healthy.
  auto [hcode, hout] = RunCommand({CHECKPOINTCTL_PATH, "--config", box.config.string(), "status"});
  INFO(hout);
  CHECK(hcode == 0);
  CHECK(hout.find("agent       enrolled as CP-P1; certificate until ") != std::string::npos);
  CHECK(hout.find(" s ago; backlog 0; chain head 1") != std::string::npos);
  CHECK(hout.find("bundles     none installed") != std::string::npos);
  CHECK(hout.find("\nhealthy\n") != std::string::npos);
  // Records the agent has not seen yet (it is not running): not sealed, and said so.
  {
    auto st = Must(store::Store::Open({.path = box.data / "checkpoint.db", .device_id = "CP-P1"}));
    auto outbox = st.outbox();
    for (const char* uuid : {"uuid-p2", "uuid-p3"}) {
      Must(outbox.Enqueue(store::Lane::kRecords, "inspection", uuid, R"({"level":"clear"})",
                          common::SystemClock().WallMs()));
    }
  }
  auto [ucode, uout] = RunCommand({CHECKPOINTCTL_PATH, "--config", box.config.string(), "status"});
  INFO(uout);
  CHECK(uout.find("; backlog 2 (2 not yet sealed); chain head 1") != std::string::npos);
  auto [jcode, jout] =
      RunCommand({CHECKPOINTCTL_PATH, "--config", box.config.string(), "--json", "status"});
  CHECK(JsonOf(jout)["agent"]["unsealed"] == 2);
}

TEST_CASE("provision: running it again changes nothing and re-prints the report", "[provision]") {
  TestHq hq;
  Box box;
  box.WriteSite();
  box.NewToken(hq);
  auto [code, out] = box.Provision(hq);
  INFO(out);
  REQUIRE(code == 0);
  const json first = JsonOf(out);
  const std::string key = Must(common::ReadFile(box.sync / "device.key"));
  const std::string cert = Must(common::ReadFile(box.sync / "device.pem"));
  const std::string cfg = Must(common::ReadFile(box.config));
  const auto cfg_time = std::filesystem::last_write_time(box.config);

  // Same command, the same (now used) token still in its file: not sent again.
  auto [code2, out2] = box.Provision(hq);
  INFO(out2);
  REQUIRE(code2 == 0);
  const json again = JsonOf(out2);
  CHECK(again["reprinted"] == true);
  CHECK(again["certificate"]["sha256"] == first["certificate"]["sha256"]);
  CHECK(Must(common::ReadFile(box.sync / "device.key")) == key);
  CHECK(Must(common::ReadFile(box.sync / "device.pem")) == cert);
  CHECK(Must(common::ReadFile(box.config)) == cfg);
  CHECK(std::filesystem::last_write_time(box.config) == cfg_time);
  CHECK(again["config"]["backup"].is_null());
  CheckProvisioned(box, hq);
}

TEST_CASE("provision: a crash after any step is resumed by the next run", "[provision][crash]") {
  TestHq hq;
  for (const char* step : {"keys", "enrolled", "config", "selftest", "complete"}) {
    DYNAMIC_SECTION("crash after " << step) {
      Box box;
      box.WriteSite();
      box.NewToken(hq);
      auto [code, out] = box.Provision(hq, {{"CHECKPOINT_PROVISION_CRASH_AFTER", step}});
      INFO(out);
      REQUIRE(code == 86);  // the hook's _exit
      // Never a half-written configuration: absent, or one checkpointd accepts.
      if (std::filesystem::exists(box.config)) CHECK(config::LoadConfig(box.config));
      // Cut right after the certificate was installed: the token is used and must not
      // be needed again (the same file is still given; it would be refused).
      auto [code2, out2] = box.Provision(hq);
      INFO(out2);
      REQUIRE(code2 == 0);
      const json r = JsonOf(out2);
      CHECK(r["ok"] == true);
      CHECK(r["hq"]["reached"] == true);
      CheckProvisioned(box, hq);
      CheckNoSecrets(box, out2);
    }
  }
}

TEST_CASE("provision: an HQ not from the given CA fails closed, and the token stays usable",
          "[provision][tls]") {
  TestHq hq;
  TestHq impostor;  // another CA altogether
  Box box;
  box.WriteSite();
  box.NewToken(hq);
  auto [code, out] = box.Provision(hq, {}, {}, impostor.ca_file());
  INFO(out);
  CHECK(code == 1);
  const json r = JsonOf(out);
  CHECK(r["ok"] == false);
  CHECK(r["step"] == "enroll");
  CHECK(r["next"].get<std::string>().find("--hq-ca") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(box.sync / "device.pem"));
  CHECK_FALSE(std::filesystem::exists(box.config));
  CheckNoSecrets(box, out);
  // Nothing was sent: with the right CA, the same token enrolls.
  auto [code2, out2] = box.Provision(hq);
  INFO(out2);
  CHECK(code2 == 0);
  CheckProvisioned(box, hq);
}

TEST_CASE("provision: a used token without a certificate asks for a new token", "[provision]") {
  TestHq hq;
  Box first;
  first.WriteSite();
  first.NewToken(hq);
  REQUIRE(first.Provision(hq).first == 0);
  // Another box (say the first one's disk was replaced) with the same, used token.
  Box second;
  second.WriteSite();
  WriteText(second.token, first.last_token + "\n");
  second.last_token = first.last_token;
  auto [code, out] = second.Provision(hq);
  INFO(out);
  CHECK(code == 1);
  const json r = JsonOf(out);
  CHECK(r["step"] == "enroll");
  CHECK(r["error"].get<std::string>().find("bad_token") != std::string::npos);
  CHECK(r["next"].get<std::string>().find("new token") != std::string::npos);
  CHECK(r["next"].get<std::string>().find("checkpoint-hq token --device CP-P1") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(second.sync / "device.pem"));
  CHECK_FALSE(std::filesystem::exists(second.config));
  CheckNoSecrets(second, out);
  // With a new token it completes, and the key made by the failed run is the one used.
  const std::string key = Must(common::ReadFile(second.sync / "device.key"));
  second.NewToken(hq);
  auto [code2, out2] = second.Provision(hq);
  INFO(out2);
  CHECK(code2 == 0);
  CHECK(Must(common::ReadFile(second.sync / "device.key")) == key);
  CheckProvisioned(second, hq);
}

TEST_CASE("provision: a bad site file is refused with its line before anything is done",
          "[provision][config]") {
  TestHq hq;
  Box box;
  box.NewToken(hq);
  auto refused = [&](const std::string& site, const std::string& expected) {
    WriteText(box.site, site);
    auto [code, out] = box.Provision(hq);
    INFO(out);
    CHECK(code == 2);
    CHECK(out.find(expected) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(box.data));
    CHECK_FALSE(std::filesystem::exists(box.config));
  };
  std::string site = box.SiteText(box.reader.path());
  // Line 10: the first booth's agencies.
  const std::string good = "agencies = [\"border_guard\"]";
  std::string bad = site;
  bad.replace(bad.find(good), good.size(), "agencies = [\"navy\"]");
  refused(bad, box.site.string() + ":9: booths[0].agencies: unknown agency 'navy'");
  const auto after = std::to_string(std::count(site.begin(), site.end(), '\n') + 2);
  refused(site + "\n[sync]\nhq_url = \"https://elsewhere\"\n",
          box.site.string() + ":" + after + ": [sync] is written by checkpointctl provision");
  refused(site + "\n[ paths ]\ndata_dir = \"/tmp\"\n",
          box.site.string() + ":" + after + ": [paths]");
  refused(site + "\n[[devices]]\nid = \"mrz-b1\"\n", "mrz-b1");
  refused("[device]\nid = \"CP-P1\"\nsite = ", box.site.string() + ":3");
  refused(std::string("\x00\xff\xfe[device]\n", 12), box.site.string());
  refused("", box.site.string() + ":1: device: is required");
  std::filesystem::remove(box.site);
  auto [code, out] = box.Provision(hq);
  CHECK(code == 2);
  CHECK(out.find("site.toml") != std::string::npos);
  CheckNoSecrets(box, out);
}

TEST_CASE("provision: a device that fails its self-test is reported, and --retest after the fix",
          "[provision][selftest]") {
  TestHq hq;
  Box box;
  WriteText(box.site, box.SiteText(box.dir / "ttyUnplugged"));
  box.NewToken(hq);
  auto [code, out] = box.Provision(hq);
  INFO(out);
  CHECK(code == 3);
  json r = JsonOf(out);
  CHECK(r["ok"] == false);
  REQUIRE(r["devices"].size() == 2);
  CHECK(r["devices"][0]["id"] == "mrz-b1");
  CHECK(r["devices"][0]["ok"] == false);
  CHECK(r["devices"][1]["ok"] == true);
  CHECK(r["next_steps"][0].get<std::string>().find("--retest") != std::string::npos);
  // Provisioned otherwise: the certificate and configuration are in place.
  CHECK(std::filesystem::exists(box.sync / "device.pem"));
  CHECK(config::LoadConfig(box.config));

  // The technician plugs the reader in (here: the path now names the pty) and re-tests.
  std::filesystem::create_symlink(std::filesystem::read_symlink(box.reader.path()),
                                  box.dir / "ttyUnplugged");
  auto [code2, out2] = box.Provision(hq, {}, {"--retest"});
  INFO(out2);
  CHECK(code2 == 0);
  r = JsonOf(out2);
  CHECK(r["devices"][0]["ok"] == true);
  CHECK_FALSE(r.contains("reprinted"));
}

TEST_CASE("provision: a corrected site file rewrites the configuration and tests again",
          "[provision][config]") {
  TestHq hq;
  Box box;
  box.WriteSite();
  box.NewToken(hq);
  REQUIRE(box.Provision(hq).first == 0);
  const std::string before = Must(common::ReadFile(box.config));
  WriteText(box.site, box.SiteText(box.reader.path()) + "\n[log]\nlevel = \"debug\"\n");
  auto [code, out] = box.Provision(hq);
  INFO(out);
  CHECK(code == 0);
  const json r = JsonOf(out);
  CHECK_FALSE(r.contains("reprinted"));
  REQUIRE(r["config"]["backup"].is_string());
  CHECK(Must(common::ReadFile(r["config"]["backup"].get<std::string>())) == before);
  CHECK(Must(config::LoadConfig(box.config)).log_level == log::Level::kDebug);
  // Another device id on an enrolled box is refused.
  Box other("CP-OTHER");
  WriteText(box.site, other.SiteText(box.reader.path()));
  auto [code2, out2] = box.Provision(hq);
  INFO(out2);
  CHECK(code2 == 2);
  CHECK(out2.find("provisioned as CP-P1") != std::string::npos);
}

TEST_CASE("provision: a damaged journal is refused with what to do", "[provision]") {
  TestHq hq;
  Box box;
  box.WriteSite();
  box.NewToken(hq);
  std::filesystem::create_directories(box.data);
  for (const std::string& garbage :
       {std::string("{\"version\":1,\"steps\":"), std::string("\x00\x01\x02", 3),
        std::string("[1,2]"), std::string("{\"version\":99}"),
        std::string("{\"version\":1,\"device_id\":7,\"steps\":[]}")}) {
    WriteText(box.data / "provision.json", garbage);
    auto [code, out] = box.Provision(hq);
    INFO(out);
    CHECK(code == 1);
    CHECK(out.find("provision.json") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(box.sync / "device.key"));
  }
}

TEST_CASE("provision: on a packaged box, run as root, the agent's files belong to its user",
          "[provision][users]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot provision as another user here");
    return;
  }
  const passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  const group* gr = ::getgrgid(gid);
  REQUIRE(gr != nullptr);
  const std::string group_name = gr->gr_name;
  TestHq hq;
  for (const char* crash : {"", "keys", "config"}) {
    Box box;
    box.WriteSite();
    box.NewToken(hq);
    // The package's layout: the data directory shared through the group, 0770.
    std::filesystem::permissions(box.dir.path(), std::filesystem::perms(0755));
    std::filesystem::create_directories(box.data);
    REQUIRE(::chown(box.data.c_str(), 0, gid) == 0);
    std::filesystem::permissions(box.data, std::filesystem::perms(0770));
    // The package's configuration: 0640, readable by the group.
    std::filesystem::create_directories(box.config.parent_path());
    WriteText(box.config, "# from the package\n");
    REQUIRE(::chown(box.config.c_str(), 0, gid) == 0);
    std::filesystem::permissions(box.config, std::filesystem::perms(0640));
    const std::vector<std::string> extra = {"--sync-user", "nobody", "--group", group_name};
    if (*crash) {
      auto [code, out] = box.Provision(hq, {{"CHECKPOINT_PROVISION_CRASH_AFTER", crash}}, extra);
      INFO(out);
      REQUIRE(code == 86);  // the hook in the agent user's process, passed on
    }
    auto [code, out] = box.Provision(hq, {}, extra);
    INFO(out);
    REQUIRE(code == 0);
    auto owner = [](const std::filesystem::path& p) {
      struct stat st {};
      REQUIRE(::stat(p.c_str(), &st) == 0);
      return st.st_uid;
    };
    CHECK(owner(box.sync) == uid);
    CHECK(ModeOf(box.sync) == 0700);
    CHECK(owner(box.sync / "device.key") == uid);
    CHECK(ModeOf(box.sync / "device.key") == 0600);
    CHECK(owner(box.sync / "device.pem") == uid);
    CHECK(owner(box.sync / "hq-ca.pem") == uid);
    CHECK(ModeOf(box.data) == 0770);    // the package's, untouched
    CHECK(ModeOf(box.config) == 0640);  // still readable by checkpointd through the group
    struct stat cst {};
    REQUIRE(::stat(box.config.c_str(), &cst) == 0);
    CHECK(cst.st_gid == gid);
    CHECK(JsonOf(out)["config"]["backup"].is_string());  // also after a cut run
    const auto cfg = Must(config::LoadConfig(box.config));
    CHECK(cfg.data_group == group_name);
    CHECK(JsonOf(out)["hq"]["reached"] == true);
    // Run again as root: the agent's files are read, never taken over.
    auto [code2, out2] = box.Provision(hq, {}, extra);
    INFO(out2);
    CHECK(code2 == 0);
    CHECK(owner(box.sync / "device.key") == uid);
  }
  // Without the data directory the package makes, --group refuses before anything.
  Box bare;
  bare.WriteSite();
  bare.NewToken(hq);
  auto [code, out] = bare.Provision(hq, {}, {"--group", group_name});
  INFO(out);
  CHECK(code == 2);
  CHECK(out.find("install checkpoint-edge first") != std::string::npos);
}
