#pragma once
// A box for the updater's in-process tests: directory slots with a factory image in
// slot a (v1), a real store at this firmware's schema, pinned keys, a fake health
// check and a settable clock.

#include "checkpoint/update/updater.hpp"
#include "update_fixture.hpp"

namespace checkpoint::update::testing {

class FakeHealth final : public HealthCheck {
 public:
  HealthReport::Verdict verdict = HealthReport::Verdict::kPassed;
  std::optional<std::int64_t> contact;
  int checks = 0;
  std::optional<std::int64_t> LastHqContactMs() override { return contact; }
  HealthReport Check(std::int64_t, std::optional<std::int64_t>) override {
    ++checks;
    if (verdict == HealthReport::Verdict::kPassed) return {verdict, {}};
    return {verdict, {"daemon not running (state unknown)"}};
  }
};

struct Box {
  checkpoint::testing::TempDir dir;
  TestKey key = MakeKey();
  std::unique_ptr<DirectorySlots> slots;
  FakeHealth health;
  std::int64_t now = 1'800'000'000'000;

  Box() {
    slots = Must(DirectorySlots::Open(dir / "slots"));
    WriteFile(dir / "slots" / "a" / "slot.json",
              R"({"version":1,"hardware":"factory","manifest_sha256":""})");
    WriteFile(dir / "keys.pem", key.public_pem);
    Must(store::Store::Open({.path = Db(), .device_id = "box-1"}));
  }
  std::filesystem::path Db() const { return dir / "checkpoint.db"; }
  UpdaterOptions Options() {
    return {.state_dir = dir / "update",
            .keys = dir / "keys.pem",
            .hardware = ThisHardware(),
            .database = Db(),
            .trial_timeout_ms = 60'000,
            .now_ms = [this] { return now; }};
  }
  Updater Open() { return Must(Updater::Open(*slots, health, Options())); }
  std::filesystem::path Image(std::int64_t version, bool allow_downgrade = false,
                              std::string hardware = ThisHardware()) {
    const auto p = dir / ("v" + std::to_string(version) + (allow_downgrade ? "-down" : "") + "-" +
                          hardware + ".img");
    WriteFile(p, MakeImage(key, version, hardware, allow_downgrade));
    return p;
  }
  BootEnv Env() { return Must(slots->ReadEnv()); }
  Slot Booted() { return Must(slots->Booted()); }
};

}  // namespace checkpoint::update::testing
