// The boot environment's format and the directory slots (the bootloader's part too).
#include <catch2/catch.hpp>

#include "box.hpp"
#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

using namespace testing;

TEST_CASE("boot environment: exactly four variables, strictly parsed", "[update]") {
  const BootEnv env{
      .boot_slot = Slot::kB, .upgrade_available = true, .bootcount = 2, .bootlimit = 3};
  const std::string text = BootEnvText(env);
  CHECK(text == "boot_slot=b\nupgrade_available=1\nbootcount=2\nbootlimit=3\n");
  auto back = Must(ParseBootEnv(text));
  CHECK(back.boot_slot == Slot::kB);
  CHECK(back.upgrade_available);
  CHECK(back.bootcount == 2);
  CHECK(back.bootlimit == 3);
  for (const std::string bad : {
           "",
           "boot_slot=a\nupgrade_available=0\nbootcount=0\n",                   // missing
           "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3",        // no newline
           "boot_slot=c\nupgrade_available=0\nbootcount=0\nbootlimit=3\n",      // bad slot
           "boot_slot=a\nupgrade_available=2\nbootcount=0\nbootlimit=3\n",      // bad flag
           "boot_slot=a\nupgrade_available=0\nbootcount=-1\nbootlimit=3\n",     // negative
           "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=0\n",      // no limit
           "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=99999\n",  // too long
           "boot_slot=a\nboot_slot=b\nupgrade_available=0\nbootcount=0\nbootlimit=3\n",  // twice
           "boot_slot=a\nupgrade_available=0\nbootcount=0\nbootlimit=3\nextra=1\n",      // unknown
           "boot_slot a\nupgrade_available=0\nbootcount=0\nbootlimit=3\n",               // no '='
       }) {
    INFO(bad);
    auto r = ParseBootEnv(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kSlot));
  }
}

TEST_CASE("directory slots: layout, the running slot is never written", "[update]") {
  Box box;
  CHECK(box.Booted() == Slot::kA);
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK(Must(box.slots->Info(Slot::kA)).version == 1);
  CHECK(Must(box.slots->Info(Slot::kB)).version == 0);  // empty: no slot.json
  const auto img = box.Image(2);
  auto h = Must(VerifyImageFile(img, Must(ParsePublicKeysPem(box.key.public_pem))));
  auto r = box.slots->Write(Slot::kA, img, h);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(UpdateErrc::kSlot));
  Must(box.slots->Write(Slot::kB, img, h));
  const auto info = Must(box.slots->Info(Slot::kB));
  CHECK(info.version == 2);
  CHECK(info.hardware == ThisHardware());
  for (const auto& [name, bytes] : SampleFiles(2)) {
    CHECK(ReadAll(box.dir / "slots" / "b" / name) == bytes);
  }
  // Reopening keeps what is there.
  auto again = Must(DirectorySlots::Open(box.dir / "slots"));
  CHECK(Must(again->Info(Slot::kB)).version == 2);
}

TEST_CASE("directory slots: a payload changed after verification leaves the slot as it was",
          "[update]") {
  Box box;
  const auto v2 = box.Image(2);
  const auto pinned = Must(ParsePublicKeysPem(box.key.public_pem));
  Must(box.slots->Write(Slot::kB, v2, Must(VerifyImageFile(v2, pinned))));
  const auto v3 = box.Image(3);
  const auto h3 = Must(VerifyImageFile(v3, pinned));
  std::string bytes = ReadAll(v3);
  bytes[bytes.size() - 1] = static_cast<char>(bytes.back() ^ 1);
  WriteFile(v3, bytes);
  auto r = box.slots->Write(Slot::kB, v3, h3);
  REQUIRE_FALSE(r);
  CHECK(r.error().Is(UpdateErrc::kBadImage));
  CHECK(Must(box.slots->Info(Slot::kB)).version == 2);
  CHECK(ReadAll(box.dir / "slots" / "b" / "checkpointd") == SampleFiles(2)[0].second);
}

TEST_CASE(
    "the bootloader (simulated, or grub.cfg's part on grubenv) counts a trial's boots and "
    "falls back past bootlimit",
    "[update]") {
  Box box(GENERATE(Board::kDirectory, Board::kGrub));
  Must(box.slots->ArmTrial(Slot::kB));
  for (int boot = 1; boot <= 3; ++boot) {
    box.Boot();
    CHECK(box.Booted() == Slot::kB);
    CHECK(box.Env().bootcount == boot);
    CHECK(box.Env().upgrade_available);
  }
  box.Boot();  // the fourth start of a trial with bootlimit 3
  CHECK(box.Booted() == Slot::kA);
  CHECK(box.Env().boot_slot == Slot::kA);
  CHECK_FALSE(box.Env().upgrade_available);
  CHECK(box.Env().bootcount == 0);
  // Outside a trial nothing is counted.
  box.Boot();
  CHECK(box.Env().bootcount == 0);
  CHECK(box.Booted() == Slot::kA);
  Must(box.slots->Commit(Slot::kB));
  box.Boot();
  CHECK(box.Booted() == Slot::kB);
  Must(box.slots->MarkBad(Slot::kB));
  CHECK(box.Env().boot_slot == Slot::kA);
}

}  // namespace checkpoint::update
