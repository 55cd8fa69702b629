#include "checkpoint/common/fs.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::testing::TempDir;

namespace {
unsigned ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("data directory is created 0700 and tightened when loose", "[common][fs]") {
  TempDir tmp;
  auto dir = tmp / "var" / "lib" / "checkpoint";
  bool tightened = true;
  REQUIRE(common::EnsurePrivateDirectory(dir, &tightened));
  CHECK(ModeOf(dir) == 0700);
  CHECK_FALSE(tightened);

  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  REQUIRE(common::EnsurePrivateDirectory(dir, &tightened));
  CHECK(tightened);
  CHECK(ModeOf(dir) == 0700);
}

TEST_CASE("a file where the data directory should be is an error", "[common][fs]") {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  auto st = common::EnsurePrivateDirectory(tmp / "file");
  REQUIRE_FALSE(st);
  CHECK(st.error().Is(CommonErrc::kInvalidArgument));
  CHECK(st.error().message().find("not a directory") != std::string::npos);
}

TEST_CASE("atomic writes replace whole files with the given mode", "[common][fs]") {
  TempDir tmp;
  auto f = tmp / "state.json";
  REQUIRE(common::WriteFileAtomic(f, "first", 0600));
  REQUIRE(common::WriteFileAtomic(f, "second", 0600));
  CHECK(*common::ReadFile(f) == "second");
  CHECK(ModeOf(f) == 0600);
  // No temporary files left behind.
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(tmp.path())) ++n;
  CHECK(n == 1);
}

TEST_CASE("reading refuses oversized and missing files", "[common][fs]") {
  TempDir tmp;
  REQUIRE(common::WriteFileAtomic(tmp / "big", std::string(1000, 'x')));
  auto r = common::ReadFile(tmp / "big", 999);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(CommonErrc::kLimitExceeded));
  auto missing = common::ReadFile(tmp / "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().Is(CommonErrc::kNotFound));
}
