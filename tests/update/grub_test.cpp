// GrubEnvSlots against the real grub-editenv on real grubenv files (the state
// machine's tests run on a GRUB board too: updater_test.cpp), and the block parser
// against what grub-editenv writes and against garbage.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "box.hpp"
#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

using namespace testing;

namespace {

void Editenv(const std::filesystem::path& file, const std::string& args) {
  REQUIRE(std::system(("grub-editenv '" + file.string() + "' " + args).c_str()) == 0);
}

GrubEnvSlots::Options OptionsOf(const Box& box) {
  return {.mount_a = box.dir / "slots" / "a",
          .mount_b = box.dir / "slots" / "b",
          .cmdline = box.dir / "cmdline",
          .grubenv = box.GrubEnv()};
}

}  // namespace

TEST_CASE("GRUB slots: the environment through grub-editenv, GRUB's own variables kept",
          "[update][grub]") {
  Box box(Board::kGrub);
  auto env = box.Env();
  CHECK(env.boot_slot == Slot::kA);
  CHECK_FALSE(env.upgrade_available);
  CHECK(env.bootlimit == 3);
  Must(box.slots->ArmTrial(Slot::kB));
  const std::string raw = ReadAll(box.GrubEnv());
  // grub-editenv's format: one 1024-byte block, the signature, '#' padding.
  CHECK(raw.size() == kGrubEnvBlockSize);
  CHECK(raw.starts_with("# GRUB Environment Block\n"));
  CHECK(raw.back() == '#');
  CHECK_THAT(raw, Catch::Contains("saved_entry=0\n"));
  CHECK_THAT(raw, Catch::Contains("boot_slot=b\n"));
  CHECK_THAT(raw, Catch::Contains("upgrade_available=1\n"));
  // No copy is left beside the file.
  CHECK_FALSE(std::filesystem::exists(box.GrubEnv().parent_path() / ".grubenv.new"));
  env = box.Env();
  CHECK(env.boot_slot == Slot::kB);
  CHECK(env.upgrade_available);
  CHECK(env.bootcount == 0);
  Must(box.slots->MarkBad(Slot::kB));
  CHECK(box.Env().boot_slot == Slot::kA);
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK(Must(box.slots->Booted()) == Slot::kA);  // from the kernel command line
}

TEST_CASE("GRUB slots: the block parser reads what grub-editenv writes, escapes too",
          "[update][grub]") {
  Box box(Board::kGrub);
  // Values with a backslash and a newline, which grub-editenv escapes.
  Editenv(box.GrubEnv(), "set 'note=a\\b' \"multi=$(printf 'two\\nlines')\"");
  const auto vars = Must(ParseGrubEnvBlock(ReadAll(box.GrubEnv())));
  REQUIRE(vars.size() == 7);
  CHECK(vars[0] == std::pair<std::string, std::string>{"saved_entry", "0"});
  CHECK(vars[5].second == "a\\b");
  CHECK(vars[6].second == "two\nlines");
  // GrubEnvSlots cross-checks its reading with grub-editenv's list: they agree.
  CHECK(box.Env().boot_slot == Slot::kA);
  Must(box.slots->ArmTrial(Slot::kB));
  CHECK(Must(ParseGrubEnvBlock(ReadAll(box.GrubEnv())))[6].second == "two\nlines");
  // One of the four unset: an error, as on U-Boot.
  Editenv(box.GrubEnv(), "unset bootlimit");
  auto r = box.slots->ReadEnv();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("are required"));
}

TEST_CASE("GRUB slots: a missing or corrupted grubenv is refused, never rewritten",
          "[update][grub]") {
  Box box(Board::kGrub);
  const std::string good = ReadAll(box.GrubEnv());
  std::string garbage(kGrubEnvBlockSize, 'x');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
  std::string padding_broken = good;
  padding_broken[padding_broken.size() - 10] = 'x';
  std::string nul = good;
  nul[good.find("boot_slot")] = '\0';
  std::string no_equals = good;
  no_equals.replace(good.find("boot_slot="), 10, "boot_slot ");
  std::string bad_name = good;
  bad_name.replace(good.find("boot_slot="), 10, "boot-slot=");
  std::string twice = good;
  twice.replace(good.find("saved_entry=0"), 13, "boot_slot=b\n#");
  std::string no_newline = std::string(good.substr(0, good.find('#', 30))) + "x=1";
  no_newline.resize(kGrubEnvBlockSize, '#');  // "x=1###…": the value runs into the padding
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage", garbage},
      {"truncated (grub-editenv reads it)", good.substr(0, 500)},
      {"two blocks (grub-editenv reads it)", good + std::string(kGrubEnvBlockSize, '#')},
      {"empty", ""},
      {"no signature", "# GRUB Environment Blocc\n" + good.substr(25)},
      {"padding broken", padding_broken},
      {"a NUL", nul},
      {"a line without '='", no_equals},
      {"a name GRUB cannot use", bad_name},
      {"a variable twice", twice},
      {"a value without its newline", no_newline},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    WriteFile(box.GrubEnv(), bytes);
    auto r = box.slots->ReadEnv();
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kSlot));
    CHECK_FALSE(ParseGrubEnvBlock(bytes));
    // Failing closed: nothing is armed over a broken file, and it stays as it was.
    CHECK_FALSE(box.slots->ArmTrial(Slot::kB));
    CHECK(ReadAll(box.GrubEnv()) == bytes);
  }
  // A missing file: refused and not created (grub-editenv list would create it).
  std::filesystem::remove(box.GrubEnv());
  auto r = box.slots->ReadEnv();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("no GRUB environment file"));
  CHECK_FALSE(box.slots->WriteEnv(BootEnv{}));
  CHECK_FALSE(std::filesystem::exists(box.GrubEnv()));
}

TEST_CASE("GRUB slots: a missing or failing grub-editenv is reported", "[update][grub]") {
  Box box(Board::kGrub);
  auto o = OptionsOf(box);
  o.grub_editenv = (box.dir / "no-such-dir" / "grub-editenv").string();
  GrubEnvSlots missing(o);
  auto r = missing.ReadEnv();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("grub-common"));
  CHECK_THAT(r.error().message(), Catch::Contains("cannot run"));
  // A tool that fails, or lists something other than the file holds.
  for (const std::string body : {"exit 3\n",
                                 "echo boot_slot=b; echo upgrade_available=0; echo "
                                 "bootcount=0; echo bootlimit=3\n"}) {
    INFO(body);
    WriteFile(box.dir / "fake-editenv", "#!/bin/sh\n" + body);
    REQUIRE(::chmod((box.dir / "fake-editenv").c_str(), 0755) == 0);
    o.grub_editenv = (box.dir / "fake-editenv").string();
    GrubEnvSlots fake(o);
    CHECK_FALSE(fake.ReadEnv());
    const std::string before = ReadAll(box.GrubEnv());
    CHECK_FALSE(fake.WriteEnv(BootEnv{.boot_slot = Slot::kB}));
    CHECK(ReadAll(box.GrubEnv()) == before);
  }
}

TEST_CASE("the shipped grub.cfg part passes grub-script-check", "[update][grub]") {
  const std::string cfg = std::string(CHECKPOINT_SOURCE_DIR) + "/packaging/grub/checkpoint-ab.cfg";
  REQUIRE(std::filesystem::exists(cfg));
  CHECK(std::system(("grub-script-check '" + cfg + "'").c_str()) == 0);
  // The check can fail: a broken copy is refused.
  checkpoint::testing::TempDir dir;
  WriteFile(dir / "broken.cfg", ReadAll(cfg) + "if [ x ; then\n");
  CHECK(std::system(
            ("grub-script-check '" + (dir / "broken.cfg").string() + "' 2>/dev/null").c_str()) !=
        0);
}

}  // namespace checkpoint::update
