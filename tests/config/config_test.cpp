#include "checkpoint/config/config.hpp"

#include <catch2/catch.hpp>

using namespace checkpoint;
using namespace checkpoint::config;

namespace {
constexpr std::string_view kValid = R"(
[device]
id = "CP-1"
site = "UA-KRK"

[paths]
data_dir = "/var/lib/checkpoint"

[store]
busy_timeout_ms = 2500

[[booths]]
id = "B1"
kind = "booth"
agencies = ["border_guard", "police"]
)";

std::string ErrorOf(std::string_view text) {
  auto c = ParseConfig(text, "test.toml");
  REQUIRE_FALSE(c);
  return c.error().message();
}
}  // namespace

TEST_CASE("a valid config parses with defaults", "[config]") {
  auto c = ParseConfig(kValid, "test.toml");
  REQUIRE(c);
  CHECK(c->device_id == "CP-1");
  CHECK(c->site_id == "UA-KRK");
  CHECK(c->data_dir == "/var/lib/checkpoint");
  CHECK(c->DatabasePath() == "/var/lib/checkpoint/checkpoint.db");
  CHECK(c->busy_timeout_ms == 2500);
  CHECK(c->heartbeat_interval == std::chrono::seconds(10));
  CHECK(c->log_level == log::Level::kInfo);
  REQUIRE(c->booths.size() == 1);
  CHECK(c->booths[0].agencies == std::vector{Agency::kBorderGuard, Agency::kPolice});
}

TEST_CASE("the shipped example config is valid", "[config]") {
  auto c = LoadConfig(CHECKPOINT_EXAMPLE_CONFIG);
  REQUIRE(c);
  CHECK(c->booths.size() == 2);
  CHECK(c->devices.size() == 7);
}

TEST_CASE("a wrong type names the key and its line", "[config]") {
  std::string text(kValid);
  text.replace(text.find("2500"), 4, "\"fast\"");
  CHECK(ErrorOf(text) == "test.toml:10: store.busy_timeout_ms: must be an integer");
}

TEST_CASE("an out-of-range value names the key and its line", "[config]") {
  std::string text(kValid);
  text.replace(text.find("2500"), 4, "0");
  CHECK(ErrorOf(text) == "test.toml:10: store.busy_timeout_ms: must be between 1 and 600000");
}

TEST_CASE("a missing required key names the table's line", "[config]") {
  std::string text(kValid);
  text.erase(text.find("site = \"UA-KRK\"\n"), 16);
  CHECK(ErrorOf(text) == "test.toml:2: device.site: is required");
}

TEST_CASE("a missing required table is reported", "[config]") {
  CHECK(ErrorOf("[device]\nid = \"a\"\nsite = \"b\"\n") == "test.toml:1: paths: is required");
}

TEST_CASE("unknown keys are errors, so typos are not ignored", "[config]") {
  std::string text(kValid);
  text.replace(text.find("busy_timeout_ms"), 15, "busy_timout_ms");
  auto msg = ErrorOf(text);
  CHECK(msg.find("test.toml:10: store.busy_timout_ms: unknown key") != std::string::npos);
}

TEST_CASE("every problem is reported at once", "[config]") {
  std::string text(kValid);
  text.replace(text.find("\"/var/lib/checkpoint\""), 21, "\"relative/dir\"");
  text.replace(text.find("\"police\""), 8, "\"navy\"");
  text += "[log]\nlevel = \"loud\"\n";
  auto msg = ErrorOf(text);
  CHECK(msg.find("test.toml:7: paths.data_dir: must be an absolute path") != std::string::npos);
  CHECK(msg.find("test.toml:15: booths[0].agencies: unknown agency 'navy'") != std::string::npos);
  CHECK(msg.find("test.toml:17: log.level: must be one of") != std::string::npos);
}

TEST_CASE("identifiers are restricted and booth ids unique", "[config]") {
  std::string text(kValid);
  text.replace(text.find("\"CP-1\""), 6, "\"CP 1; DROP\"");
  text += "[[booths]]\nid = \"B1\"\nkind = \"lane\"\nagencies = [\"customs\"]\n";
  auto msg = ErrorOf(text);
  CHECK(msg.find("test.toml:3: device.id: must be 1 to 64 characters") != std::string::npos);
  CHECK(msg.find("booths[1].id: duplicate booth id 'B1'") != std::string::npos);
}

TEST_CASE("TOML syntax errors give line and column", "[config]") {
  auto c = ParseConfig("[device]\nid = \"unterminated\n", "bad.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().Is(ConfigErrc::kSyntax));
  CHECK(c.error().message().rfind("bad.toml:2:", 0) == 0);
}

TEST_CASE("garbage and hostile input give errors, never crashes", "[config]") {
  const std::string inputs[] = {std::string("\x00\x01\x02", 3),
                                "[[[[",
                                "a = 1\na = 2",
                                "[device]\nid = 1e999999",
                                std::string(10000, '['),
                                "[device]\nid = \"\\uD800\"",
                                "x = [" + std::string(5000, '[')};
  for (const auto& in : inputs) {
    auto c = ParseConfig(in, "fuzz.toml");
    CHECK_FALSE(c);
  }
}

TEST_CASE("an unreadable file is a clear error", "[config]") {
  auto c = LoadConfig("/nonexistent/checkpoint.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().Is(ConfigErrc::kUnreadable));
  CHECK(c.error().message().find("/nonexistent/checkpoint.toml") != std::string::npos);
}

TEST_CASE("devices are validated against the driver catalogue", "[config][devices]") {
  std::string base(kValid);
  auto with = [&](const std::string& device) { return base + "\n[[devices]]\n" + device; };

  auto ok = ParseConfig(with("id = \"wb-1\"\nclass = \"weighbridge\"\ndriver = \"mettler_toledo\"\n"
                             "booth = \"B1\"\nserial = { path = \"/dev/ttyS1\", baud = 9600, "
                             "data_bits = 7, parity = \"even\" }\n"
                             "options = { checksum = true, max_kg = 60000 }\n"),
                        "test.toml");
  REQUIRE(ok);
  REQUIRE(ok->devices.size() == 1);
  const auto& d = ok->devices[0];
  CHECK(d.Bool("checksum", false));
  CHECK(d.Double("max_kg", 0) == 60000);
  CHECK(d.Int("stable_frames", 0) == 3);  // the catalogue's default
  const auto& serial = std::get<hal::SerialSettings>(d.transport);
  CHECK(serial.char_size == 7);
  CHECK(serial.parity == hal::SerialSettings::Parity::kEven);

  auto msg =
      ErrorOf(with("id = \"wb-1\"\nclass = \"weighbridge\"\ndriver = \"n42_tcp\"\n"
                   "booth = \"B9\"\ntcp = { host = \"h\", port = 70000 }\n"
                   "options = { max_kg = \"heavy\", colour = 1 }\n"));
  CHECK(msg.find("test.toml:20: devices[0].driver: driver 'n42_tcp' does not serve class "
                 "'weighbridge'") != std::string::npos);
  CHECK(msg.find("test.toml:21: devices[0].booth: no [[booths]] entry with id 'B9'") !=
        std::string::npos);
  CHECK(msg.find("devices[0].tcp.port: must be between 1 and 65535") != std::string::npos);

  auto msg2 =
      ErrorOf(with("id = \"cam\"\nclass = \"plate_camera\"\ndriver = \"http_camera\"\n"
                   "booth = \"B1\"\nserial = { path = \"/dev/x\" }\n"
                   "options = { max_body_bytes = 10, colour = 1 }\n"));
  CHECK(msg2.find("driver 'http_camera' takes listen, not serial") != std::string::npos);
  CHECK(msg2.find("devices[0].options.max_body_bytes: must be between 256") != std::string::npos);
  CHECK(msg2.find("devices[0].options.colour: unknown key") != std::string::npos);

  auto msg3 = ErrorOf(with("id = \"x\"\nclass = \"toaster\"\ndriver = \"nope\"\nbooth = \"B1\"\n"));
  CHECK(msg3.find("unknown device class 'toaster'") != std::string::npos);
  CHECK(msg3.find("unknown driver 'nope'") != std::string::npos);
  CHECK(msg3.find("exactly one of serial, tcp or listen") != std::string::npos);
}

TEST_CASE("[risk]: defaults, values, relative rules path, ranges", "[config][risk]") {
  auto c = ParseConfig(kValid, "/etc/checkpoint/checkpoint.toml");
  REQUIRE(c);
  CHECK(c->risk.rules == std::filesystem::path(kDefaultRulesPath));
  CHECK(c->risk.person_match_threshold == 0.80);
  CHECK(c->risk.chip_window == std::chrono::seconds(10));
  CHECK(c->risk.passage_window == std::chrono::seconds(60));
  CHECK(c->risk.declarations.empty());

  std::string text(kValid);
  text += R"(
[risk]
rules = "rules/mine.json"
declarations = "declarations.jsonl"
person_match_threshold = 0.9
chip_window_s = 5
passage_window_s = 90
plate_candidate_min_confidence = 0.3
)";
  c = ParseConfig(text, "/etc/checkpoint/checkpoint.toml");
  REQUIRE(c);
  CHECK(c->risk.rules == "/etc/checkpoint/rules/mine.json");
  CHECK(c->risk.declarations == "/etc/checkpoint/declarations.jsonl");
  CHECK(c->risk.person_match_threshold == 0.9);
  CHECK(c->risk.chip_window == std::chrono::seconds(5));
  CHECK(c->risk.passage_window == std::chrono::seconds(90));
  CHECK(c->risk.plate_candidate_min_confidence == 0.3);

  std::string bad(kValid);
  bad += "\n[risk]\nchip_window_s = 0\n";
  CHECK(ErrorOf(bad) == "test.toml:18: risk.chip_window_s: must be between 1 and 120");
  std::string typo(kValid);
  typo += "\n[risk]\npasage_window_s = 60\n";
  CHECK(ErrorOf(typo) == "test.toml:18: risk.pasage_window_s: unknown key");
}

TEST_CASE("the sync section has defaults and checks its URLs and ranges", "[config]") {
  auto c = ParseConfig(kValid, "test.toml");
  REQUIRE(c);
  CHECK(c->sync.hq_url.empty());
  CHECK(c->sync.batch_records == 2000);
  CHECK(c->sync.retention == std::chrono::hours(7 * 24));
  CHECK(c->SyncDir() == "/var/lib/checkpoint/sync");
  auto s = ParseConfig(std::string(kValid) + R"(
[sync]
hq_url = "https://hq.example.org:8443"
batch_records = 50
retention_days = 0
proxy = "http://proxy:3128"
)",
                       "test.toml");
  REQUIRE(s);
  CHECK(s->sync.hq_url == "https://hq.example.org:8443");
  CHECK(s->sync.batch_records == 50);
  CHECK(s->sync.retention == std::chrono::hours(0));
  CHECK(s->sync.proxy == "http://proxy:3128");
  const std::string bad = ErrorOf(std::string(kValid) + R"(
[sync]
hq_url = "http://hq.example.org"
batch_records = 0
proxy = "socks5://p:1080"
hq_port = 8443
)");
  CHECK(bad.find("sync.hq_url") != std::string::npos);
  CHECK(bad.find("sync.batch_records") != std::string::npos);
  CHECK(bad.find("sync.proxy") != std::string::npos);
  CHECK(bad.find("sync.hq_port") != std::string::npos);
}

TEST_CASE("disk thresholds: defaults, values, and critical below low", "[config]") {
  auto c = ParseConfig(kValid, "test.toml");
  REQUIRE(c);
  CHECK(c->disk_low_mib == 256);
  CHECK(c->disk_critical_mib == 64);
  CHECK(c->disk_reserve_mib == 32);
  CHECK(c->telemetry_interval == std::chrono::seconds(300));
  std::string text(kValid);
  text.replace(text.find("busy_timeout_ms = 2500"), 22,
               "disk_low_mib = 512\ndisk_critical_mib = 128\ndisk_reserve_mib = 0");
  c = ParseConfig(text, "test.toml");
  REQUIRE(c);
  CHECK(c->disk_low_mib == 512);
  CHECK(c->disk_critical_mib == 128);
  CHECK(c->disk_reserve_mib == 0);
  text.replace(text.find("128"), 3, "512");
  CHECK(ErrorOf(text).find("store.disk_critical_mib: must be below disk_low_mib (512)") !=
        std::string::npos);
}

TEST_CASE("the data directory's group is a group name, empty by default", "[config]") {
  auto plain = ParseConfig(kValid, "test.toml");
  REQUIRE(plain);
  CHECK(plain->data_group.empty());

  std::string text(kValid);
  const auto at = text.find("data_dir = ");
  text.insert(at, "group = \"checkpoint\"\n");
  auto shared = ParseConfig(text, "test.toml");
  REQUIRE(shared);
  CHECK(shared->data_group == "checkpoint");

  for (std::string_view bad : {"\"\"", "\"Checkpoint\"", "\"1group\"", "\"-x\"", "\"a b\"",
                               "\"checkpoint-group-name-longer-than-32\"", "7"}) {
    std::string t(kValid);
    t.insert(t.find("data_dir = "), "group = " + std::string(bad) + "\n");
    CHECK(ErrorOf(t).find("test.toml:7: paths.group:") != std::string::npos);
  }
}

TEST_CASE("[console]: defaults, a full section, and every error named", "[config][console]") {
  auto d = ParseConfig(kValid, "/etc/checkpoint/test.toml");
  REQUIRE(d);
  CHECK_FALSE(d->console.enabled);
  CHECK(d->console.listen == std::vector<std::string>{"127.0.0.1:8443"});
  CHECK(d->console.certificate.empty());
  CHECK(d->console.assets == kDefaultConsoleAssets);

  auto c = ParseConfig(std::string(kValid) + R"(
[console]
enabled = true
listen = ["127.0.0.1:8443", "[::1]:8443", "10.1.2.3:443"]
certificate = "tls/console.pem"
private_key = "/etc/checkpoint/tls/console.key"
assets = "/opt/console"
session_idle_s = 300
session_max_s = 28800
lockout_failures = 4
lockout_s = 600
restricted_agencies = ["customs", "police"]
threads = 3
reason_codes = ["no_visa", "other"]
)",
                       "/etc/checkpoint/test.toml");
  REQUIRE(c);
  const auto& k = c->console;
  CHECK(k.enabled);
  CHECK(k.listen.size() == 3);
  CHECK(k.certificate == "/etc/checkpoint/tls/console.pem");
  CHECK(k.private_key == "/etc/checkpoint/tls/console.key");
  CHECK(k.assets == "/opt/console");
  CHECK(k.session_idle == std::chrono::seconds(300));
  CHECK(k.session_max == std::chrono::seconds(28800));
  CHECK(k.lockout_failures == 4);
  CHECK(k.lockout_duration == std::chrono::seconds(600));
  CHECK(k.restricted_agencies == std::vector<Agency>{Agency::kCustoms, Agency::kPolice});
  CHECK(k.threads == 3);
  CHECK(k.reason_codes == std::vector<std::string>{"no_visa", "other"});
  CHECK(d->console.reason_codes.size() == 14);  // the default catalogue

  const auto bad = [](std::string_view section) {
    return ErrorOf(std::string(kValid) + "\n[console]\n" + std::string(section) + "\n");
  };
  CHECK(bad("listen = [\"localhost:8443\"]").find("console.listen") != std::string::npos);
  CHECK(bad("listen = [\"127.0.0.1:0\"]").find("console.listen") != std::string::npos);
  CHECK(bad("listen = [\"127.0.0.1:65536\"]").find("console.listen") != std::string::npos);
  CHECK(bad("listen = [\"::1:8443\"]").find("console.listen") != std::string::npos);
  CHECK(bad("listen = []").find("at least one") != std::string::npos);
  CHECK(bad("certificate = \"a.pem\"").find("go together") != std::string::npos);
  CHECK(bad("session_idle_s = 5").find("console.session_idle_s") != std::string::npos);
  CHECK(bad("session_idle_s = 7200\nsession_max_s = 3600").find("session_max_s") !=
        std::string::npos);
  CHECK(bad("lockout_failures = 0").find("console.lockout_failures") != std::string::npos);
  CHECK(bad("restricted_agencies = [\"army\"]").find("unknown agency 'army'") != std::string::npos);
  CHECK(bad("enabled = \"yes\"").find("console.enabled") != std::string::npos);
  CHECK(bad("reason_codes = []").find("console.reason_codes") != std::string::npos);
  CHECK(bad("reason_codes = [\"No Visa\"]").find("not a reason code") != std::string::npos);
  CHECK(bad("reason_codes = [\"a\", \"a\"]").find("duplicate reason code") != std::string::npos);
  CHECK(bad("reason_codes = [\"" + std::string(33, 'a') + "\"]").find("not a reason code") !=
        std::string::npos);
  CHECK(bad("reason_codes = [1]").find("console.reason_codes") != std::string::npos);
  CHECK(bad("listn = []").find("console.listn") != std::string::npos);
}

TEST_CASE("[update]: automatic install off by default; the maintenance window in UTC",
          "[config][update]") {
  auto c = ParseConfig(kValid, "test.toml");
  REQUIRE(c);
  CHECK_FALSE(c->update.auto_install);
  CHECK_FALSE(c->update.window_start_min);
  auto u = ParseConfig(std::string(kValid) +
                           "\n[update]\nauto_install = true\n"
                           "maintenance_window = \"23:30-04:05\"\n",
                       "test.toml");
  REQUIRE(u);
  CHECK(u->update.auto_install);
  CHECK(u->update.window_start_min == 23 * 60 + 30);
  CHECK(u->update.window_end_min == 4 * 60 + 5);
  auto any =
      ParseConfig(std::string(kValid) + "\n[update]\nmaintenance_window = \"\"\n", "test.toml");
  REQUIRE(any);
  CHECK_FALSE(any->update.window_start_min);
  for (const std::string bad : {"2:00-04:00", "02:00-02:00", "24:00-01:00", "02:60-03:00",
                                "02:00 04:00", "02:00-04:00Z", "0a:00-04:00", "-1:00-04:00"}) {
    INFO(bad);
    CHECK_FALSE(ParseMaintenanceWindow(bad));
    CHECK_THAT(ErrorOf(std::string(kValid) + "\n[update]\nmaintenance_window = \"" + bad + "\"\n"),
               Catch::Contains("update.maintenance_window"));
  }
  CHECK_THAT(ErrorOf(std::string(kValid) + "\n[update]\nauto_install = \"yes\"\n"),
             Catch::Contains("update.auto_install"));
  CHECK_THAT(ErrorOf(std::string(kValid) + "\n[update]\nauto = true\n"),
             Catch::Contains("update.auto: unknown key"));
}
