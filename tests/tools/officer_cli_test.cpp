// `checkpointctl officer`: accounts of the officer console, password from stdin.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

using checkpoint::testing::RunCommand;
using checkpoint::testing::TempDir;

namespace {

std::pair<int, std::string> Ctl(const TempDir& dir, std::vector<std::string> args,
                                const std::string& stdin_text = "") {
  std::vector<std::string> argv{CHECKPOINTCTL_PATH, "--data-dir", dir.path().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string in;
  if (!stdin_text.empty()) {
    in = (dir / "stdin.txt").string();
    std::ofstream(in) << stdin_text;
  }
  return RunCommand(argv, {}, std::chrono::seconds(60), in);
}

}  // namespace

TEST_CASE("checkpointctl officer: add, list, passwd, disable, enable", "[tools][console]") {
  TempDir dir;
  const std::string pw = "a long enough password\n";
  auto add = Ctl(dir,
                 {"officer", "add", "bg017", "--name", "Olena Kovalenko", "--agency",
                  "border_guard", "--language", "uk"},
                 pw);
  REQUIRE(add.first == 0);
  CHECK(add.second.find("officer bg017 added") != std::string::npos);
  CHECK(add.second.find("a long enough password") == std::string::npos);

  // The same id again, a short password, a bad agency, no password: refused.
  CHECK(Ctl(dir, {"officer", "add", "bg017", "--name", "X", "--agency", "customs"}, pw).first == 1);
  CHECK(Ctl(dir, {"user", "add", "cu1", "--name", "X", "--agency", "customs"}, "short\n").first ==
        1);
  CHECK(Ctl(dir, {"officer", "add", "x1", "--name", "X", "--agency", "army"}, pw).first == 1);
  CHECK(Ctl(dir, {"officer", "add", "x2", "--name", "X", "--agency", "customs"}).first == 1);
  CHECK(Ctl(dir, {"officer", "add", "bad id!", "--name", "X", "--agency", "customs"}, pw).first ==
        2);
  CHECK(Ctl(dir, {"officer", "add", "x3", "--password", "in-argv"}, pw).first == 2);

  auto list = Ctl(dir, {"--json", "officer", "list"});
  REQUIRE(list.first == 0);
  std::istringstream lines(list.second);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    CHECK(j["id"] == "bg017");
    CHECK(j["agency"] == "border_guard");
    CHECK(j["role"] == "officer");
    CHECK(j["language"] == "uk");
    CHECK(j["disabled"] == false);
    CHECK_FALSE(j.contains("password"));
    ++n;
  }
  CHECK(n == 1);
  CHECK(list.second.find("scrypt") == std::string::npos);

  CHECK(Ctl(dir, {"officer", "passwd", "bg017"}, "another long password\n").first == 0);
  CHECK(Ctl(dir, {"officer", "passwd", "nobody"}, "another long password\n").first == 1);
  CHECK(Ctl(dir, {"officer", "disable", "bg017"}).first == 0);
  CHECK(Ctl(dir, {"officer", "list"}).second.find("[disabled]") != std::string::npos);
  CHECK(Ctl(dir, {"officer", "enable", "bg017"}).first == 0);
  CHECK(Ctl(dir, {"officer", "list"}).second.find("[disabled]") == std::string::npos);
  CHECK(Ctl(dir, {"officer", "frobnicate", "bg017"}).first == 2);
}
