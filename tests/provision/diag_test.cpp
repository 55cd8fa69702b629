// `checkpointctl diag`: the support bundle of a box whose store holds real personal
// data and whose data directory holds its key and token: none of those bytes leave in
// the bundle; versions, status, counts, integrity and the redacted configuration do.
#include <catch2/catch.hpp>

#include "../../tools/checkpointctl/redact.hpp"
#include "provision_fixture.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using nlohmann::json;

namespace {

// Every file of the bundle, extracted by tar as support would.
std::map<std::string, std::string> Extract(const std::filesystem::path& bundle,
                                           const std::filesystem::path& into) {
  std::filesystem::create_directories(into);
  auto [code, out] = RunCommand({"/usr/bin/tar", "-xzf", bundle.string(), "-C", into.string()});
  INFO(out);
  REQUIRE(code == 0);
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(into)) {
    if (e.is_regular_file()) {
      files[std::filesystem::relative(e.path(), into / "checkpoint-diag").string()] =
          Must(common::ReadFile(e.path()));
    }
  }
  return files;
}

}  // namespace

TEST_CASE("diag: a support bundle without personal data, keys or tokens", "[diag]") {
  TempDir tmp;
  const auto data = tmp / "data";
  const auto sync = data / "sync";
  // Personal data as the box holds it: an inspection record in the outbox, a watchlist.
  const std::string name = "ERIKSSON";
  const std::string given = "ANNA MARIA";
  const std::string number = "L898902C3";
  const std::string plate = "AB123CD";
  const std::string cyrillic = "Иван Петров";
  {
    Must(common::EnsurePrivateDirectory(data));
    auto st = Must(store::Store::Open({.path = data / "checkpoint.db", .device_id = "CP-D1"}));
    auto outbox = st.outbox();
    Must(outbox.Enqueue(store::Lane::kRecords, "inspection", "uuid-1",
                        R"({"surname":")" + name + R"(","given":")" + given + R"(","document":")" +
                            number + R"(","plate":")" + plate + R"("})",
                        1'700'000'000'000));
    Must(st.state().Set("hal.health",
                        R"([{"id":"mrz-b1","class":"document_reader","driver":"mrz_serial",)"
                        R"("connected":true,"last_fault":"malformed: P<UTO)" +
                            name + R"(<<ANNA"}])",
                        1'700'000'000'000));
  }
  // The agent's key, certificate-less, and a token file left lying in the directory.
  Must(common::EnsurePrivateDirectory(sync));
  const auto key = Must(protocol::DeviceKey::LoadOrCreate(sync / "device.key"));
  const std::string key_pem = Must(common::ReadFile(sync / "device.key"));
  const std::string token = "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d";
  WriteText(data / "token", token + "\n");
  const std::string proxy_password = "s3cretPass";
  const auto config = tmp / "checkpoint.toml";
  WriteText(config, "[device]\nid = \"CP-D1\"\nsite = \"UA-TEST\"\n\n[paths]\ndata_dir = \"" +
                        data.string() + "\"\n\n[sync]\nhq_url = \"https://hq.test:8443\"\n" +
                        "proxy = \"http://tech:" + proxy_password + "@proxy.test:3128\"\n");
  // A log with a normal line and lines that must not leave.
  const auto log_file = tmp / "checkpointd.log";
  WriteText(log_file,
            "2026-11-29T20:00:00Z checkpointd[1]: serving; device CP-D1\n"
            "2026-11-29T20:00:01Z checkpointd[1]: inspection document " +
                number + " plate " + plate +
                "\n"
                "2026-11-29T20:00:02Z checkpoint-sync[2]: enrolling with token " +
                token +
                "\n"
                "2026-11-29T20:00:03Z checkpointd[1]: mrz P<UTO" +
                name + "<<ANNA<MARIA\n" + key_pem);
  // Watchlist names, through the command a technician uses.
  WriteText(tmp / "list.jsonl", R"({"id":"P-1","kind":"person","names":[")" + cyrillic +
                                    R"("],"birthDate":"1970-03-02","nationality":"RUS","sex":"M"})"
                                    "\n");
  auto [wcode, wout] = RunCommand({CHECKPOINTCTL_PATH, "--config", config.string(), "watchlist",
                                   "import", (tmp / "list.jsonl").string()});
  INFO(wout);
  REQUIRE(wcode == 0);

  const auto bundle = tmp / "out" / "support.tar.gz";
  std::filesystem::create_directories(bundle.parent_path());
  auto [code, out] = RunCommand({CHECKPOINTCTL_PATH, "--config", config.string(), "--json", "diag",
                                 "--out", bundle.string(), "--log-file", log_file.string()});
  INFO(out);
  REQUIRE(code == 0);
  CHECK(JsonOf(out)["bundle"] == bundle.string());
  CHECK(ModeOf(bundle) == 0600);
  CHECK_FALSE(std::filesystem::exists(bundle.string() + ".partial"));

  // Neither the compressed bundle nor any file in it holds a forbidden byte string.
  const std::vector<std::string> forbidden = {name,     given, number,        plate,
                                              cyrillic, token, proxy_password};
  std::vector<std::string> key_lines;
  {
    std::istringstream lines(key_pem);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.starts_with("-----")) key_lines.push_back(line);
    }
  }
  REQUIRE_FALSE(key_lines.empty());
  const auto files = Extract(bundle, tmp / "x");
  std::string all;
  for (const auto& [path, content] : files) all += content;
  for (const auto& f : forbidden) CHECK(all.find(f) == std::string::npos);
  for (const auto& l : key_lines) CHECK(all.find(l) == std::string::npos);
  CHECK(all.find("PRIVATE KEY") == std::string::npos);
  CHECK(Must(common::ReadFile(bundle)).find(token) == std::string::npos);

  // What it does hold.
  for (const char* f : {"versions.json", "status.json", "integrity.json", "counts.json",
                        "agent.json", "config.toml", "manifest.json"}) {
    CHECK(files.count(f) == 1);
  }
  CHECK(json::parse(files.at("versions.json"))["firmware"].is_string());
  CHECK(json::parse(files.at("integrity.json"))["integrity_check"] == "ok");
  const json counts = json::parse(files.at("counts.json"));
  CHECK(counts["tables"]["outbox"] == 1);
  CHECK(counts["tables"]["watchlist_entries"].get<int>() >= 1);
  const json status = json::parse(files.at("status.json"));
  CHECK(status["device"] == "CP-D1");
  CHECK(status["devices"][0]["last_fault"] == "malformed");
  CHECK(files.at("config.toml").find("http://<redacted>@proxy.test:3128") != std::string::npos);
  CHECK(files.at("config.toml").find("hq_url = \"https://hq.test:8443\"") != std::string::npos);
  const std::string log = files.at("logs/1-checkpointd.log");
  CHECK(log.find("serving; device CP-D1") != std::string::npos);
  CHECK(json::parse(files.at("manifest.json"))["log_lines_dropped"].get<int>() >= 3);
}

TEST_CASE("diag: secrets in configuration values are redacted wherever they are",
          "[diag][redact]") {
  const std::string text =
      "[sync]\nhq_url = \"https://hq.test:8443\"\n"
      "proxy = \"http://tech:pw1@proxy.test:3128\"\n"
      "# api_key = \"K-ABC\"\n"
      "camera = { host = \"cam\", password = \"hunter22\", api_token='t0k' }\n"
      "secret_value = plain123\n"
      "Token = \"with \\\" quote\"\n";
  const std::string r = tools::RedactConfig(text);
  INFO(r);
  for (const char* s : {"pw1", "K-ABC", "hunter22", "t0k", "plain123", "quote"}) {
    CHECK(r.find(s) == std::string::npos);
  }
  CHECK(r.find("hq_url = \"https://hq.test:8443\"") != std::string::npos);
  CHECK(r.find("host = \"cam\"") != std::string::npos);
  CHECK(r.find("http://<redacted>@proxy.test:3128") != std::string::npos);
  // Hostile input: huge lines, control bytes, no newline, binary.
  const std::string huge = "password = \"" + std::string(100'000, 'x') + "\"";
  CHECK(tools::RedactConfig(huge) == "# <line withheld>\n");
  CHECK(tools::RedactConfig(std::string("key = \"a\x01b\"", 11)) == "# <line withheld>\n");
  CHECK(tools::RedactConfig("").empty());
  const std::string long_ok(tools::kMaxFilteredLine, '"');
  CHECK(tools::RedactConfig("token = " + long_ok.substr(8)).find("<") != std::string::npos);
}

TEST_CASE("diag: log lines with secrets or personal data are withheld or masked",
          "[diag][redact]") {
  CHECK(tools::FilterLogLine("checkpointd: serving; device CP-D1") ==
        "checkpointd: serving; device CP-D1");
  CHECK(tools::FilterLogLine("document L898902C3 plate AB123CD") ==
        "document <masked> plate <masked>");
  CHECK(tools::FilterLogLine("mrz P<UTOERIKSSON<<ANNA").empty());
  CHECK(tools::FilterLogLine("enroll token 0123456789abcdef0123456789abcdef").empty());
  CHECK(tools::FilterLogLine("-----BEGIN PRIVATE KEY-----").empty());
  CHECK(tools::FilterLogLine("MC4CAQAwBQYDK2VwBCIEIGJ3c2x0ZXN0a2V5bWF0ZXJpYWxmb3J0ZXN0").empty());
  // Key material with '/' and '+' in it (base64), and base64url tokens.
  CHECK(tools::FilterLogLine("k MC4CAQAwBQYDK2VwBCIEIK/3x+9aQ/bPz1Rr2Lw7Hn/Mc0dE5f").empty());
  CHECK(tools::FilterLogLine("t=Xk3_9aZq-Lm2Pw8Rt6Yu1Io4Ap7Sd0Fg5Hj").empty());
  // Paths and words are not secrets.
  CHECK(tools::FilterLogLine("loaded /usr/share/checkpoint/rules/default-rules-for-crossings.json")
            .starts_with("loaded"));
  // Real keys, many of them: never through.
  for (int i = 0; i < 50; ++i) {
    TempDir keys;
    Must(protocol::DeviceKey::LoadOrCreate(keys / "k.pem"));
    for (const auto& line : tools::SplitLines(Must(common::ReadFile(keys / "k.pem")))) {
      if (!line.starts_with("-----")) CHECK(tools::FilterLogLine("key " + line).empty());
    }
  }
  CHECK(tools::FilterLogLine(std::string(100'000, 'a')).empty());
  CHECK(tools::FilterLogLine(std::string("a\0b", 3)).empty());
  CHECK(tools::FilterLogLine("2026-11-29T20:57:25+0000 host checkpointd[1]: ok") ==
        "2026-11-29T20:57:25+0000 host checkpointd[1]: ok");
  // Garbage of every byte value and length never crashes and never lets a NUL through.
  std::string garbage;
  for (int i = 0; i < 5000; ++i) {
    garbage += static_cast<char>((i * 7919) % 256);
    const std::string f =
        tools::FilterLogLine(garbage.substr(garbage.size() > 300 ? garbage.size() - 300 : 0));
    CHECK(f.find('\0') == std::string::npos);
  }
  const auto lines = tools::SplitLines("a\r\nb\n\nc");
  CHECK(lines == std::vector<std::string>{"a", "b", "", "c"});
}
