// The `checkpointctl watchlist` and `checkpointctl screen` contracts, on the real
// binary (no shell): import with progress, status, deltas, refused lists, screening
// against a file and the store, MRZ queries, bad and hostile queries.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using checkpoint::testing::RunCommand;
using checkpoint::testing::TempDir;
using nlohmann::json;

namespace {

const std::string kList =
    R"({"id":"P-1","kind":"person","names":["Иван Петров"],"birthDate":"1970-03-02","nationality":"RUS","sex":"M","agency":"police","reason":"warrant"})"
    "\n"
    R"({"id":"P-2","kind":"person","names":["Anna Maria Eriksson"],"birthDate":"1974-08-12","nationality":"UTO","sex":"F"})"
    "\n"
    R"({"id":"D-1","kind":"document","number":"L898902C3","issuingState":"UTO","reason":"stolen"})"
    "\n"
    R"({"id":"V-1","kind":"vehicle","plate":"AB123CD","country":"FR"})"
    "\n"
    R"({"id":"C-1","kind":"container","code":"CSQU3054383"})"
    "\n";

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name, std::ios::binary) << text;
  return (dir / name).string();
}

std::pair<int, std::string> Ctl(std::vector<std::string> args, const std::string& stdin_file = "") {
  args.insert(args.begin(), CHECKPOINTCTL_PATH);
  return RunCommand(args, {}, std::chrono::seconds(120), stdin_file);
}

// stdout+stderr split into lines; the JSON ones parsed.
std::vector<json> JsonLines(const std::string& out) {
  std::vector<json> objects;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("{")) objects.push_back(json::parse(line));  // throws if not JSON
  }
  return objects;
}

std::pair<int, std::vector<json>> Screen(const TempDir& dir, const std::string& queries,
                                         std::vector<std::string> args) {
  const std::string in = Write(dir, "queries.jsonl", queries);
  args.insert(args.begin(), "screen");
  auto [code, out] = Ctl(args, in);
  INFO(out);
  return {code, JsonLines(out)};
}

std::string BigList(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += R"({"id":"C-)" + std::to_string(i) + R"(","kind":"container","code":"CSQU3054383"})";
    s += '\n';
  }
  return s;
}

}  // namespace

TEST_CASE("checkpointctl watchlist: import with progress, status, delta", "[tools][watchlist]") {
  TempDir dir;
  const std::string data = (dir / "data").string();
  std::filesystem::create_directory(data);
  const std::string big = Write(dir, "big.jsonl", BigList(20'000));

  auto [code, out] = Ctl({"--data-dir", data, "watchlist", "import", big});
  INFO(out);
  CHECK(code == 0);
  // Not a terminal: a few plain progress lines, the last at 100 %, then the summary.
  CHECK(out.find("watchlist import: 100% (") != std::string::npos);
  CHECK(out.find(" entries/s") != std::string::npos);
  CHECK(out.find("\r") == std::string::npos);
  CHECK(out.find("imported list as version 1: 20000 entries") != std::string::npos);
  CHECK(out.find("now 0 persons, 0 documents, 0 vehicles, 20000 containers") != std::string::npos);

  auto [scode, sout] = Ctl({"--data-dir", data, "--json", "watchlist", "status"});
  CHECK(scode == 0);
  auto status = json::parse(sout);
  CHECK(status["version"] == 1);
  CHECK(status["kind"] == "full");
  CHECK(status["source"] == "big.jsonl");
  CHECK(status["total"] == 20'000);
  CHECK(status["counts"]["containers"] == 20'000);
  CHECK(status["sha256"].get<std::string>().size() == 64);
  CHECK(status["importedAt"].get<std::string>().ends_with("Z"));

  const std::string delta = Write(dir, "delta.jsonl",
                                  R"({"op":"remove","id":"C-0"})"
                                  "\n"
                                  R"({"id":"P-1","kind":"person","names":["Anna Berg"]})"
                                  "\n");
  auto [dcode, dout] = Ctl({"--data-dir", data, "watchlist", "import", delta, "--delta"});
  INFO(dout);
  CHECK(dcode == 0);
  CHECK(dout.find("applied delta as version 2: 1 upserted, 1 removed (0 not found)") !=
        std::string::npos);
  auto [tcode, tout] = Ctl({"--data-dir", data, "watchlist", "status"});
  CHECK(tcode == 0);
  CHECK(tout.find("watchlist version 2 (delta)") != std::string::npos);
  CHECK(tout.find("1 persons, 0 documents, 0 vehicles, 19999 containers (20000 entries)") !=
        std::string::npos);
}

TEST_CASE("checkpointctl watchlist: a refused list names the line and changes nothing",
          "[tools][watchlist]") {
  TempDir dir;
  const std::string data = dir.path().string();
  REQUIRE(Ctl({"--data-dir", data, "watchlist", "import", Write(dir, "a.jsonl", kList)}).first ==
          0);
  const std::string bad = Write(dir, "bad.jsonl",
                                kList + R"({"id":"P-9","kind":"person","names":["Secretname"],)"
                                        R"("birthDate":"1970-13"})"
                                        "\n");
  auto [code, out] = Ctl({"--data-dir", data, "watchlist", "import", bad});
  CHECK(code == 1);
  CHECK(out ==
        "checkpointctl: list refused, the store keeps the previous list: line 6: \"birthDate\" "
        "must be YYYY, YYYY-MM or YYYY-MM-DD\n");
  auto [jcode, jout] = Ctl({"--data-dir", data, "--json", "watchlist", "import", bad});
  CHECK(jcode == 1);
  CHECK(JsonLines(jout).at(0)["ok"] == false);
  auto [scode, sout] = Ctl({"--data-dir", data, "--json", "watchlist", "status"});
  CHECK(json::parse(sout)["version"] == 1);
  CHECK(json::parse(sout)["total"] == 5);
  // Usage errors.
  CHECK(Ctl({"--data-dir", data, "watchlist"}).first == 2);
  CHECK(Ctl({"--data-dir", data, "watchlist", "import"}).first == 2);
  CHECK(Ctl({"--data-dir", data, "watchlist", "import", "a", "b"}).first == 2);
  CHECK(Ctl({"--data-dir", data, "watchlist", "import", "a", "--full"}).first == 2);
  CHECK(Ctl({"--data-dir", data, "watchlist", "drop"}).first == 2);
  auto [mcode, mout] = Ctl({"--data-dir", data, "watchlist", "import", data + "/missing.jsonl"});
  CHECK(mcode == 1);
  CHECK(mout.find("cannot open") != std::string::npos);
}

TEST_CASE("checkpointctl screen: queries against a file, best first", "[tools][screen]") {
  TempDir dir;
  const std::string list = Write(dir, "list.jsonl", kList);
  auto [code, out] = Screen(dir,
                            R"({"surname":"PETROV","givenNames":"IVAN","birthDate":"700302",)"
                            R"("nationality":"RUS","sex":"M"})"
                            "\n\n"
                            R"({"surname":"ERIKSSON","givenNames":"ANNA MARIA",)"
                            R"("documentNumber":"L898902C3","issuingState":"UTO"})"
                            "\n"
                            R"({"surname":"NOBODY","givenNames":"KNOWN"})"
                            "\n"
                            R"({"documentNumber":"L8989O2C3","issuingState":"UTO"})"
                            "\n"
                            R"({})",
                            {"--watchlist", list});
  CHECK(code == 0);
  REQUIRE(out.size() == 5);  // one per query, none for the blank line
  for (const auto& j : out) {
    CHECK(j.size() == 1);  // exactly {"hits": [...]}
    CHECK(j["hits"].is_array());
    for (const auto& h : j["hits"]) {
      CHECK(h["score"].get<double>() >= 0.0);
      CHECK(h["score"].get<double>() <= 1.0);
      CHECK(h["reasons"].is_array());
    }
  }
  REQUIRE(!out[0]["hits"].empty());
  CHECK(out[0]["hits"][0]["id"] == "P-1");  // Cyrillic list name, Latin query
  CHECK(out[0]["hits"][0]["kind"] == "person");
  CHECK(out[0]["hits"][0]["score"].get<double>() >= 0.8);
  REQUIRE(out[1]["hits"].size() >= 2);
  CHECK(out[1]["hits"][0]["id"] == "D-1");  // exact document hit first
  CHECK(out[1]["hits"][0]["score"] == 1.0);
  CHECK(out[1]["hits"][1]["id"] == "P-2");
  CHECK(out[2]["hits"].empty());
  REQUIRE(out[3]["hits"].size() == 1);  // an OCR-confused number still hits
  CHECK(out[3]["hits"][0]["id"] == "D-1");
  CHECK(out[4]["hits"].empty());
}

TEST_CASE("checkpointctl screen: MRZ queries, with OCR correction", "[tools][screen]") {
  TempDir dir;
  const std::string list = Write(dir, "list.jsonl", kList);
  // ICAO 9303 Part 4 specimen, with a digit read where a letter belongs in the name.
  auto [code2, out2] = Screen(dir,
                              R"({"mrz":["P<UTOER1KSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",)"
                              R"("L898902C36UTO7408122F1204159ZE184226B<<<<<10"]})"
                              "\n"
                              R"({"mrz":["NOT AN MRZ"]})"
                              "\n",
                              {"--watchlist", list});
  CHECK(code2 == 1);
  REQUIRE(out2.size() == 2);
  REQUIRE(out2[0]["hits"].size() == 2);
  CHECK(out2[0]["hits"][0]["id"] == "D-1");
  CHECK(out2[0]["hits"][1]["id"] == "P-2");
  CHECK(out2[1]["hits"].empty());
  REQUIRE(out2[1]["errors"].size() == 1);
  CHECK(out2[1]["errors"][0].get<std::string>().starts_with("line 2: \"mrz\": "));
  // --pretty indents the same objects for people.
  const std::string in =
      Write(dir, "pretty.jsonl", R"({"documentNumber":"L898902C3","issuingState":"UTO"})");
  auto [pcode, pout] = Ctl({"screen", "--watchlist", list, "--pretty"}, in);
  CHECK(pcode == 0);
  CHECK(pout.starts_with("{\n  \"hits\": [\n"));
  CHECK(json::parse(pout)["hits"][0]["id"] == "D-1");
}

TEST_CASE("checkpointctl screen: the store's list", "[tools][screen]") {
  TempDir dir;
  const std::string data = dir.path().string();
  // No list yet: nothing to screen against.
  auto [ncode, nout] = Ctl({"--data-dir", data, "screen"});
  CHECK(ncode == 2);
  CHECK(nout.find("the store holds no watchlist") != std::string::npos);
  REQUIRE(Ctl({"--data-dir", data, "watchlist", "import", Write(dir, "a.jsonl", kList)}).first ==
          0);
  const std::string in = Write(dir, "q.jsonl", R"({"surname":"PETROV","givenNames":"IVAN"})");
  auto [scode, sout] = Ctl({"--data-dir", data, "screen"}, in);
  CHECK(scode == 0);
  auto lines = JsonLines(sout);
  REQUIRE(lines.size() == 1);
  REQUIRE(!lines[0]["hits"].empty());
  CHECK(lines[0]["hits"][0]["id"] == "P-1");
  // A refused list file: exit 2, naming the line.
  const std::string bad = Write(dir, "bad.jsonl", kList + "{\"id\":\"X\"}\n");
  auto [bcode, bout] = Ctl({"screen", "--watchlist", bad}, in);
  CHECK(bcode == 2);
  CHECK(bout.find("line 6: \"kind\" is missing") != std::string::npos);
}

TEST_CASE("checkpointctl screen: bad and hostile queries", "[tools][screen][hostile]") {
  TempDir dir;
  const std::string list = Write(dir, "list.jsonl", kList);
  std::string every_script;
  for (const char* w : {"Ivan", "Иван", "Ἰωάννης", "إيفان", "איוואן", "イワン", "伊万", "이반",
                        "ইভান", "ივანე", "Իվան", "Ιβάν", "ꦆꦮꦤ꧀"}) {
    every_script += std::string(w) + " ";
  }
  const std::string queries =
      "not json\n"  // 1
      "[1,2]\n"     // 2
      R"({"surname":7})"
      "\n"  // 3
      R"({"surname":"PETROV","birthDate":"1970-03-02T00"})"
      "\n"  // 4
      R"({"surname":")" +
      std::string(100'000, 'A') +
      "\"}\n"  // 5: over the line bound
      R"({"surname":")" +
      std::string(600, 'A') +
      "\"}\n"  // 6: over the name bound
      R"({"surname":"PET\u0001ROV\u0000","givenNames":"IVAN\t"})"
      "\n"  // 7: control characters
      R"({"surname":")" +
      every_script + R"(","givenNames":")" + every_script + "\"}\n" +  // 8: every script at once
      std::string(50'000, '[') + "\n" +                                // 9: deep
      "{\"surname\":\"\xC3\x28\"}\n" +                                 // 10: not UTF-8
      R"({"surname":"PETROV","givenNames":"IVAN","format":"TD3","valid":true,"checks":[]})"
      "\n";  // 11: `checkpointctl mrz` output: extra keys ignored
  const auto t0 = std::chrono::steady_clock::now();
  auto [code, out] = Screen(dir, queries, {"--watchlist", list});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(code == 1);
  REQUIRE(out.size() == 11);
  const auto error = [&](std::size_t i) {
    INFO(out[i].dump());
    CHECK(out[i]["hits"].empty());
    REQUIRE(out[i]["errors"].size() == 1);
    return out[i]["errors"][0].get<std::string>();
  };
  CHECK(error(0) == "line 1: not valid JSON (at byte 2)");
  CHECK(error(1) == "line 2: not a JSON object");
  CHECK(error(2) == "line 3: \"surname\" must be a string");
  CHECK(error(3) == "line 4: \"birthDate\" must be YYMMDD");
  CHECK(error(4) == "line 5: longer than 65536 bytes");
  CHECK(error(5) == "line 6: \"surname\" is longer than 512 bytes");
  CHECK(!out[6].contains("errors"));
  REQUIRE(!out[6]["hits"].empty());
  CHECK(out[6]["hits"][0]["id"] == "P-1");
  CHECK(!out[7].contains("errors"));
  CHECK(error(8) == "line 9: JSON nested deeper than 8 levels");
  CHECK(error(9).starts_with("line 10: not valid JSON (at byte "));
  REQUIRE(!out[10]["hits"].empty());
  CHECK(out[10]["hits"][0]["id"] == "P-1");
  // Well within any screening bound even on a sanitizer build.
  CHECK(seconds < 30);
}
