#include "update_command.hpp"

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/update/errors.hpp"
#include "checkpoint/update/updater.hpp"

namespace checkpoint::tools {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using update::State;

constexpr int kPending = 3;
constexpr int kRolledBack = 4;
constexpr int kInstalledRestart = 5;

std::int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Fail(const UpdateContext& ctx, const Error& e) {
  if (ctx.json) {
    std::fprintf(ctx.out, "%s\n", json{{"ok", false}, {"error", e.message()}}.dump(2).c_str());
  } else {
    std::fprintf(ctx.err, "checkpointctl: update: %s\n", e.message().c_str());
  }
  return 1;
}

json SlotJson(update::Slots& slots, update::Slot s) {
  auto info = slots.Info(s);
  if (!info) return json{{"error", info.error().message()}};
  return json{{"version", info->version},
              {"hardware", info->hardware},
              {"manifest_sha256", info->manifest_sha256}};
}

}  // namespace

std::string AutoInstallLine(const json& a) {
  if (a.contains("error")) return "record unreadable: " + a.value("error", std::string());
  const std::string outcome = a.value("outcome", std::string("?"));
  const std::string line = "bundle " + std::to_string(a.value("bundle_version", std::int64_t{0})) +
                           " " + (outcome == "refused" ? std::string("REFUSED") : outcome);
  const std::string detail = a.value("detail", std::string());
  return detail.empty() ? line : line + ": " + detail;
}

json AutoInstallJson(const fs::path& data_dir) {
  auto a = update::ReadAutoRecord(data_dir / "update");
  if (!a) return json{{"error", a.error().message()}};
  if (!*a) return nullptr;
  return json::parse(update::AutoRecordJson(**a));
}

namespace {

// What `status` prints; the record as persisted plus what the slots say now.
json StatusJson(const update::UpdateRecord& r, update::Slots& slots, const fs::path& state_dir) {
  auto booted = slots.Booted();
  auto env = slots.ReadEnv();
  json j = json::parse(update::RecordJson(r));
  j.erase("format");
  j["booted_slot"] = booted ? json(update::SlotName(*booted)) : json(nullptr);
  if (env) {
    j["boot_env"] = {{"boot_slot", update::SlotName(env->boot_slot)},
                     {"upgrade_available", env->upgrade_available},
                     {"bootcount", env->bootcount},
                     {"bootlimit", env->bootlimit}};
  } else {
    j["boot_env"] = {{"error", env.error().message()}};
  }
  j["slots"] = {{"a", SlotJson(slots, update::Slot::kA)}, {"b", SlotJson(slots, update::Slot::kB)}};
  j["auto_install"] = AutoInstallJson(state_dir.parent_path());
  // A rollback (or commit) decided while running another slot takes effect at the
  // next start.
  j["reboot_required"] = booted && env && *booted != env->boot_slot;
  return j;
}

void PrintStatus(const UpdateContext& ctx, const json& j) {
  if (ctx.json) {
    std::fprintf(ctx.out, "%s\n", j.dump(2).c_str());
    return;
  }
  const auto str = [](const json& v) {
    return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump();
  };
  std::fprintf(ctx.out,
               "state       %s%s\n"
               "booted      slot %s; boot env %s\n"
               "slots       a: v%s  b: v%s\n"
               "target      slot %s v%s (replacing v%s; floor v%s)\n",
               j["state"].get<std::string>().c_str(),
               j["pending_action"] == "none"
                   ? ""
                   : (" (interrupted in " + j["pending_action"].get<std::string>() + ")").c_str(),
               str(j["booted_slot"]).c_str(), j["boot_env"].dump().c_str(),
               str(j["slots"]["a"].value("version", json(nullptr))).c_str(),
               str(j["slots"]["b"].value("version", json(nullptr))).c_str(),
               str(j["target_slot"]).c_str(), str(j["target_version"]).c_str(),
               str(j["previous_version"]).c_str(), str(j["floor"]).c_str());
  if (!j["error"].get<std::string>().empty()) {
    std::fprintf(ctx.out, "last error  %s\n", j["error"].get<std::string>().c_str());
  }
  for (const auto& f : j["findings"]) {
    std::fprintf(ctx.out, "finding     %s\n", f.get<std::string>().c_str());
  }
  if (j["auto_install"].is_object()) {
    const json& a = j["auto_install"];
    std::fprintf(ctx.out, "auto        %s\n", AutoInstallLine(a).c_str());
  }
  if (j["reboot_required"].get<bool>()) std::fprintf(ctx.out, "reboot required\n");
}

}  // namespace

int UpdateCommand(const std::vector<std::string>& args, const UpdateContext& ctx) {
  std::optional<fs::path> slots_dir;
  bool uboot = false;
  bool grub = false;
  fs::path grubenv = "/boot/grub/grubenv";
  fs::path keys = ctx.keys;
  std::string hardware = update::ThisHardware();
  bool allow_offline = false;
  std::int64_t trial_timeout_ms = 15 * 60 * 1000;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has = i + 1 < args.size();
    if (a == "--slots" && has) {
      slots_dir = args[++i];
    } else if (a == "--uboot") {
      uboot = true;
    } else if (a == "--grub") {
      grub = true;
    } else if (a == "--grubenv" && has) {
      grub = true;
      grubenv = args[++i];
    } else if (a == "--keys" && has) {
      keys = args[++i];
    } else if (a == "--hardware" && has) {
      hardware = args[++i];
    } else if (a == "--allow-offline") {
      allow_offline = true;
    } else if (a == "--trial-timeout" && has) {
      char* end = nullptr;
      const long long s = std::strtoll(args[++i].c_str(), &end, 10);
      if (!end || *end != '\0' || s < 0 || s > 7 * 24 * 3600) return 2;
      trial_timeout_ms = s * 1000;
    } else {
      rest.push_back(a);
    }
  }
  if (rest.empty()) return 2;
  const std::string& cmd = rest[0];
  if (!(rest.size() == 2 && cmd == "install") &&
      !(rest.size() == 1 && (cmd == "status" || cmd == "commit" || cmd == "rollback" ||
                             cmd == "trial-check" || cmd == "auto" || cmd == "simulate-boot"))) {
    return 2;
  }
  if (uboot && grub) return 2;
  // The slots: directories (the default: tests, the demo, a laptop), or a U-Boot or
  // GRUB board whose slot partitions are mounted at DIR/a and DIR/b.
  std::unique_ptr<update::Slots> slots;
  update::DirectorySlots* directory = nullptr;
  const fs::path mounts = slots_dir.value_or("/run/checkpoint/slots");
  if (uboot) {
    slots = std::make_unique<update::UBootEnvSlots>(
        update::UBootEnvSlots::Options{.mount_a = mounts / "a", .mount_b = mounts / "b"});
  } else if (grub) {
    slots = std::make_unique<update::GrubEnvSlots>(update::GrubEnvSlots::Options{
        .mount_a = mounts / "a", .mount_b = mounts / "b", .grubenv = grubenv});
  } else {
    auto d = update::DirectorySlots::Open(slots_dir.value_or(ctx.data_dir / "update" / "slots"));
    if (!d) return Fail(ctx, d.error());
    directory = d->get();
    slots = std::move(*d);
  }
  const fs::path state_dir = ctx.data_dir / "update";

  if (cmd == "status" || cmd == "simulate-boot") {  // no lock, no resume
    // simulate-boot is the directory slots' bootloader, for tests and the demo.
    if (cmd == "simulate-boot") {
      if (!directory)
        return Fail(ctx, MakeError(CommonErrc::kInvalidArgument,
                                   "simulate-boot works on directory slots only"));
      if (auto s = directory->SimulateBoot(); !s) return Fail(ctx, s.error());
    }
    update::UpdateRecord r;
    if (auto text = common::ReadFile(state_dir / "state.json", 1u << 20); text) {
      auto parsed = update::ParseRecord(*text);
      if (!parsed) return Fail(ctx, parsed.error());
      r = std::move(*parsed);
    }
    PrintStatus(ctx, StatusJson(r, *slots, state_dir));
    return 0;
  }

  update::StoreHealthCheck health({.database = ctx.data_dir / "checkpoint.db",
                                   .sync_db = ctx.data_dir / "sync" / "sync.db",
                                   .allow_offline = allow_offline,
                                   .max_heartbeat_age_ms = 3 * ctx.heartbeat_interval_ms,
                                   .now_ms = WallMs});
  auto updater = update::Updater::Open(*slots, health,
                                       {.state_dir = state_dir,
                                        .keys = keys,
                                        .hardware = hardware,
                                        .database = ctx.data_dir / "checkpoint.db",
                                        .trial_timeout_ms = trial_timeout_ms,
                                        .now_ms = WallMs});
  if (!updater) return Fail(ctx, updater.error());
  Status st;
  if (cmd == "install") st = updater->Install(rest[1]);
  if (cmd == "commit") st = updater->Commit();
  if (cmd == "rollback") st = updater->Rollback();
  if (cmd == "trial-check" || cmd == "auto") st = updater->TrialCheck();
  if (!st) {
    if (!ctx.json) PrintStatus(ctx, StatusJson(updater->record(), *slots, state_dir));
    return Fail(ctx, st.error());
  }
  if (cmd == "auto" && updater->record().state != State::kInstalled &&
      updater->record().state != State::kTrial && updater->record().state != State::kRolledBack) {
    // No trial to finish and nothing to restart for: a staged bundle, if any.
    auto r = update::AutoInstall(*updater, ctx.auto_policy, ctx.staged_dir, WallMs());
    if (!r) return Fail(ctx, r.error());
    PrintStatus(ctx, StatusJson(updater->record(), *slots, state_dir));
    if (r->outcome == update::AutoOutcome::kInstalled) return kInstalledRestart;
    if (r->outcome == update::AutoOutcome::kRefused) {
      return Fail(
          ctx, MakeError(update::UpdateErrc::kBadImage, "staged firmware refused: " + r->detail));
    }
    return 0;
  }
  PrintStatus(ctx, StatusJson(updater->record(), *slots, state_dir));
  if (cmd == "trial-check" || cmd == "auto") {
    const State s = updater->record().state;
    if (s == State::kTrial || s == State::kInstalled) return kPending;
    if (s == State::kRolledBack) return kRolledBack;
  }
  return 0;
}

}  // namespace checkpoint::tools
