#include "checkpoint/common/fs.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <vector>

#include "support/temp_dir.hpp"

using namespace checkpoint;
using checkpoint::testing::TempDir;

namespace {
unsigned ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}
gid_t GroupOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_gid;
}
// A group id this process is not a member of.
gid_t ForeignGroup() {
  std::vector<gid_t> mine(static_cast<std::size_t>(::getgroups(0, nullptr)) + 1);
  mine.resize(static_cast<std::size_t>(::getgroups(static_cast<int>(mine.size()), mine.data())));
  mine.push_back(::getegid());
  gid_t g = 54321;
  while (std::find(mine.begin(), mine.end(), g) != mine.end()) ++g;
  return g;
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

TEST_CASE("a shared data directory is of its group and never open to others", "[common][fs]") {
  TempDir tmp;
  const auto dir = tmp / "var" / "lib" / "checkpoint";
  const common::DirectoryAccess shared{0770, ::getegid()};
  bool corrected = true;
  REQUIRE(common::EnsureDirectory(dir, shared, &corrected));
  CHECK(ModeOf(dir) == 0770);
  CHECK(GroupOf(dir) == ::getegid());
  CHECK_FALSE(corrected);

  // Open to others, closed to the group, or setgid: set back to exactly the mode asked.
  for (unsigned loose : {0777u, 0775u, 02770u, 0700u}) {
    REQUIRE(::chmod(dir.c_str(), loose) == 0);
    REQUIRE(common::EnsureDirectory(dir, shared, &corrected));
    CHECK(corrected);
    CHECK(ModeOf(dir) == 0770);
  }
  // The bundles: the group reads, only the owner writes.
  REQUIRE(common::EnsureDirectory(dir / "bundles", {0750, ::getegid()}));
  CHECK(ModeOf(dir / "bundles") == 0750);
  // Back to private, as an unpackaged install keeps it.
  REQUIRE(common::EnsurePrivateDirectory(dir, &corrected));
  CHECK(corrected);
  CHECK(ModeOf(dir) == 0700);
}

TEST_CASE("directory access fails closed", "[common][fs]") {
  TempDir tmp;
  const auto dir = tmp / "data";
  SECTION("modes other than 0700, 0750, 0770, or a group mode without a group") {
    for (const common::DirectoryAccess& bad :
         {common::DirectoryAccess{02770, ::getegid()}, common::DirectoryAccess{0775, ::getegid()},
          common::DirectoryAccess{0755, std::nullopt}, common::DirectoryAccess{0770, std::nullopt},
          common::DirectoryAccess{0700, ::getegid()}}) {
      auto st = common::EnsureDirectory(dir, bad);
      REQUIRE_FALSE(st);
      CHECK(st.error().Is(CommonErrc::kInvalidArgument));
    }
    CHECK_FALSE(std::filesystem::exists(dir));
  }
  SECTION("a group this process is not a member of") {
    auto st = common::EnsureDirectory(dir, {0770, ForeignGroup()});
    REQUIRE_FALSE(st);
    CHECK(st.error().Is(CommonErrc::kPermission));
    CHECK(st.error().message().find("not a member") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir));
  }
  SECTION("a directory owned by another user") {
    if (::geteuid() != 0) return;  // only root can give it away
    REQUIRE(std::filesystem::create_directory(dir));
    REQUIRE(::chown(dir.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    auto st = common::EnsureDirectory(dir, {0770, ::getegid()});
    REQUIRE_FALSE(st);
    CHECK(st.error().Is(CommonErrc::kPermission));
    CHECK(ModeOf(dir) != 0770);
  }
}

TEST_CASE("a directory of another group is given to the shared group", "[common][fs]") {
  if (::geteuid() != 0) return;  // needs setgroups and setegid: CI runs as root
  TempDir tmp;
  const auto dir = tmp / "data";
  REQUIRE(common::EnsurePrivateDirectory(dir));
  const gid_t shared = ForeignGroup();
  // In a child, whose effective group becomes `shared` (as a service's with Group=)
  // without changing this process.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const gid_t groups[] = {shared};
    if (::setgroups(1, groups) != 0 || ::setegid(shared) != 0) ::_exit(10);
    bool corrected = false;
    if (!common::EnsureDirectory(dir, {0770, shared}, &corrected)) ::_exit(11);
    ::_exit(corrected ? 0 : 12);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(GroupOf(dir) == shared);
  CHECK(ModeOf(dir) == 0770);
}

TEST_CASE("the shared group is looked up by name and must be the effective group", "[common][fs]") {
  const struct group* mine = ::getgrgid(::getegid());
  if (mine) {
    auto g = common::SharedGroup(mine->gr_name);
    REQUIRE(g);
    CHECK(*g == ::getegid());
  }
  auto missing = common::SharedGroup("no-such-group-checkpoint-test");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().Is(CommonErrc::kNotFound));
  // A group that exists but is not the effective one (a supplementary group would
  // not give what this process creates to the group).
  for (const char* name : {"nogroup", "daemon", "bin", "sys", "adm"}) {
    const struct group* other = ::getgrnam(name);
    if (!other || other->gr_gid == ::getegid()) continue;
    auto refused = common::SharedGroup(name);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().Is(CommonErrc::kPermission));
    CHECK(refused.error().message().find("not this process's effective group") !=
          std::string::npos);
    break;
  }
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
