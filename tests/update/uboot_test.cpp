// UBootEnvSlots against stand-ins for libubootenv's tools: shell scripts that keep
// the environment in a file with fw_printenv's output and fw_setenv -s's input
// formats, a kernel command line in a file, and a directory per slot partition.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "checkpoint/update/errors.hpp"
#include "checkpoint/update/slots.hpp"
#include "update_fixture.hpp"

namespace checkpoint::update {

using namespace testing;

namespace {

struct Board {
  checkpoint::testing::TempDir dir;
  std::filesystem::path env = dir / "uboot.env";
  UBootEnvSlots slots{{.mount_a = dir / "p2",
                       .mount_b = dir / "p3",
                       .cmdline = dir / "cmdline",
                       .fw_printenv = (dir / "fw_printenv").string(),
                       .fw_setenv = (dir / "fw_setenv").string()}};
  Board() {
    // fw_printenv NAME...: "name=value" lines; a name not set is an error.
    Script("fw_printenv", "for v in \"$@\"; do grep \"^$v=\" '" + env.string() +
                              "' || { echo \"## Error: \\\"$v\\\" not defined\" >&2; exit 1; }; "
                              "done\n");
    // fw_setenv -s FILE: "name value" lines, applied together (one write of the file).
    Script("fw_setenv", "[ \"$1\" = -s ] || exit 2\ncp '" + env.string() + "' '" + env.string() +
                            ".new'\nwhile read -r n v; do sed -i \"/^$n=/d\" '" + env.string() +
                            ".new'; echo \"$n=$v\" >> '" + env.string() + ".new'; done < \"$2\"\n" +
                            "mv '" + env.string() + ".new' '" + env.string() + "'\n");
    WriteFile(env, "bootdelay=0\nboot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3\n");
    WriteFile(dir / "cmdline", "console=ttyS0 root=/dev/mmcblk0p2 checkpoint.slot=a rw\n");
    std::filesystem::create_directories(dir / "p2");
    std::filesystem::create_directories(dir / "p3");
  }
  void Script(const std::string& name, const std::string& body) {
    WriteFile(dir / name, "#!/bin/sh\n" + body);
    REQUIRE(::chmod((dir / name).c_str(), 0755) == 0);
  }
};

}  // namespace

TEST_CASE("U-Boot slots: the environment through fw_printenv and fw_setenv -s", "[update]") {
  Board board;
  auto env = Must(board.slots.ReadEnv());
  CHECK(env.boot_slot == Slot::kA);
  CHECK_FALSE(env.upgrade_available);
  CHECK(env.bootlimit == 3);
  Must(board.slots.ArmTrial(Slot::kB));
  const std::string raw = ReadAll(board.env);
  CHECK_THAT(raw, Catch::Contains("bootdelay=0"));  // the board's other variables stay
  CHECK_THAT(raw, Catch::Contains("boot_slot=b"));
  CHECK_THAT(raw, Catch::Contains("upgrade_available=1"));
  env = Must(board.slots.ReadEnv());
  CHECK(env.boot_slot == Slot::kB);
  CHECK(env.upgrade_available);
  CHECK(env.bootcount == 0);
  Must(board.slots.MarkBad(Slot::kB));
  CHECK(Must(board.slots.ReadEnv()).boot_slot == Slot::kA);
}

TEST_CASE("U-Boot slots: booted slot from the kernel command line; files on the partition",
          "[update]") {
  Board board;
  CHECK(Must(board.slots.Booted()) == Slot::kA);
  const TestKey key = MakeKey();
  WriteFile(board.dir / "v2.img", MakeImage(key, 2));
  const auto h =
      Must(VerifyImageFile(board.dir / "v2.img", Must(ParsePublicKeysPem(key.public_pem))));
  CHECK(board.slots.Write(Slot::kA, board.dir / "v2.img", h).error().Is(UpdateErrc::kSlot));
  Must(board.slots.Write(Slot::kB, board.dir / "v2.img", h));
  CHECK(Must(board.slots.Info(Slot::kB)).version == 2);
  CHECK(Must(board.slots.Info(Slot::kA)).version == 0);
  CHECK(ReadAll(board.dir / "p3" / "firmware" / "checkpointd") == SampleFiles(2)[0].second);
  for (const std::string bad :
       {"root=/dev/sda1\n", "checkpoint.slot=c\n", "checkpoint.slot=a checkpoint.slot=b\n"}) {
    INFO(bad);
    WriteFile(board.dir / "cmdline", bad);
    CHECK_FALSE(board.slots.Booted());
  }
}

TEST_CASE("U-Boot slots: a variable missing or a tool failing is an error", "[update]") {
  Board board;
  WriteFile(board.env, "boot_slot=a\nupgrade_available=0\nbootcount=0\n");  // no bootlimit
  auto r = board.slots.ReadEnv();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("exited with 1"));
  board.Script("fw_setenv", "exit 3\n");
  auto w = board.slots.WriteEnv(BootEnv{});
  REQUIRE_FALSE(w);
  CHECK_THAT(w.error().message(), Catch::Contains("exited with 3"));
  UBootEnvSlots missing(UBootEnvSlots::Options{.mount_a = board.dir.path(),
                                               .mount_b = board.dir.path(),
                                               .cmdline = board.dir / "x",
                                               .fw_printenv = (board.dir / "no-such-tool").string(),
                                               .fw_setenv = "fw_setenv"});
  CHECK_FALSE(missing.ReadEnv());
}

}  // namespace checkpoint::update
