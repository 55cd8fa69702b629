#include "checkpoint/update/auto_install.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr int kAutoFormat = 1;
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// "<digits>.bin" with a version 1..2^53-1; anything else in the directory is not ours.
std::optional<std::int64_t> BundleVersion(const std::string& name) {
  if (!name.ends_with(".bin")) return std::nullopt;
  const std::string digits = name.substr(0, name.size() - 4);
  if (digits.empty() || digits.size() > 15 || digits[0] == '0') return std::nullopt;
  std::int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool SameFile(const AutoRecord& r, const StagedImage& s) {
  return r.bundle_version == s.bundle_version && r.size == s.size && r.mtime_ns == s.mtime_ns;
}
}  // namespace

bool InMaintenanceWindow(const AutoInstallPolicy& p, std::int64_t now_ms) {
  if (!p.window_start_min || !p.window_end_min) return true;
  const int minute = static_cast<int>(((now_ms % kDayMs) + kDayMs) % kDayMs / 60'000);
  const int start = *p.window_start_min, end = *p.window_end_min;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

Expected<std::optional<StagedImage>> NewestStaged(const fs::path& dir) {
  std::error_code ec;
  std::optional<StagedImage> best;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return best;
  if (ec) return MakeError(CommonErrc::kIo, "cannot list " + dir.string() + ": " + ec.message());
  for (const auto& entry : it) {
    const auto v = BundleVersion(entry.path().filename().string());
    if (!v || (best && best->bundle_version >= *v)) continue;
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    best = StagedImage{
        *v, entry.path(), static_cast<std::uint64_t>(st.st_size),
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  return best;
}

std::string AutoRecordJson(const AutoRecord& r) {
  return json{{"format", kAutoFormat}, {"bundle_version", r.bundle_version},
              {"size", r.size},        {"mtime_ns", r.mtime_ns},
              {"outcome", r.outcome},  {"detail", r.detail},
              {"at_ms", r.at_ms}}
             .dump(2) +
         "\n";
}

Expected<AutoRecord> ParseAutoRecord(std::string_view text) {
  auto bad = [](std::string what) {
    return MakeError(UpdateErrc::kState, "auto-install record: " + std::move(what));
  };
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("format") || j["format"] != kAutoFormat) return bad("not format 1");
  AutoRecord r;
  try {
    for (const char* k : {"bundle_version", "mtime_ns", "at_ms"}) {
      if (!j.at(k).is_number_integer()) return bad(std::string(k) + " is not an integer");
    }
    if (!j.at("size").is_number_unsigned()) return bad("size is not an unsigned integer");
    r.bundle_version = j["bundle_version"].get<std::int64_t>();
    r.size = j["size"].get<std::uint64_t>();
    r.mtime_ns = j["mtime_ns"].get<std::int64_t>();
    r.at_ms = j["at_ms"].get<std::int64_t>();
    r.outcome = j.at("outcome").get<std::string>();
    r.detail = j.at("detail").get<std::string>();
  } catch (const json::exception& e) {
    return bad(e.what());
  }
  if (r.outcome != "installing" && r.outcome != "installed" && r.outcome != "ignored" &&
      r.outcome != "refused") {
    return bad("unknown outcome");
  }
  return r;
}

Expected<std::optional<AutoRecord>> ReadAutoRecord(const fs::path& state_dir) {
  const fs::path p = state_dir / "auto.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<AutoRecord>();
  auto text = common::ReadFile(p, 64u << 10);
  if (!text) return std::move(text).error();
  auto r = ParseAutoRecord(*text);
  if (!r) return std::move(r).error().WithContext(p.string());
  return std::optional<AutoRecord>(std::move(*r));
}

std::string_view AutoOutcomeName(AutoOutcome o) noexcept {
  switch (o) {
    case AutoOutcome::kDisabled:
      return "disabled";
    case AutoOutcome::kBusy:
      return "busy";
    case AutoOutcome::kNothing:
      return "nothing";
    case AutoOutcome::kOutsideWindow:
      return "outside-window";
    case AutoOutcome::kIgnored:
      return "ignored";
    case AutoOutcome::kRefused:
      return "refused";
    case AutoOutcome::kInstalled:
      return "installed";
  }
  return "unknown";
}

Expected<AutoResult> AutoInstall(Updater& updater, const AutoInstallPolicy& policy,
                                 const fs::path& staged_dir, std::int64_t now_ms) {
  if (!policy.enabled) return AutoResult{AutoOutcome::kDisabled, {}};
  if (!Find(updater.record().state, Event::kInstall)) {
    return AutoResult{AutoOutcome::kBusy, "an update is in progress (" +
                                              std::string(StateName(updater.record().state)) + ")"};
  }
  auto staged = NewestStaged(staged_dir);
  if (!staged) return std::move(staged).error();
  if (!*staged) return AutoResult{AutoOutcome::kNothing, "no firmware bundle staged"};
  const StagedImage& img = **staged;
  auto previous = ReadAutoRecord(updater.state_dir());
  if (!previous) return std::move(previous).error();
  if (*previous && SameFile(**previous, img)) {
    return AutoResult{AutoOutcome::kNothing, "bundle " + std::to_string(img.bundle_version) +
                                                 " was " + (*previous)->outcome + " before"};
  }
  if (!InMaintenanceWindow(policy, now_ms)) {
    return AutoResult{AutoOutcome::kOutsideWindow, "bundle " + std::to_string(img.bundle_version) +
                                                       " waits for the maintenance window"};
  }
  AutoRecord rec{img.bundle_version, img.size, img.mtime_ns, "", "", now_ms};
  const auto decide = [&](AutoOutcome o, std::string outcome,
                          std::string detail) -> Expected<AutoResult> {
    rec.outcome = std::move(outcome);
    rec.detail = detail;
    if (auto s =
            common::WriteFileAtomic(updater.state_dir() / "auto.json", AutoRecordJson(rec), 0600);
        !s) {
      return std::move(s).error();
    }
    return AutoResult{o, std::move(detail)};
  };
  if (auto ok = updater.Admissible(img.path); !ok) {
    const Error& e = ok.error();
    if (e.Is(UpdateErrc::kDowngrade)) return decide(AutoOutcome::kIgnored, "ignored", e.message());
    if (e.Is(UpdateErrc::kBadImage) || e.Is(UpdateErrc::kBadSignature) ||
        e.Is(UpdateErrc::kWrongHardware)) {
      return decide(AutoOutcome::kRefused, "refused", e.message());
    }
    // Not the image's fault (the pinned keys unreadable, the slots or the file not
    // readable now): nothing is decided, the next run tries again.
    return ok.error().WithContext("bundle " + std::to_string(img.bundle_version) + " undecided");
  }
  // Decided before it starts: a crash inside the install, or a rollback of its
  // trial, never makes the same bundle install again.
  if (auto d = decide(AutoOutcome::kInstalled, "installing", ""); !d) return d;
  if (auto s = updater.Install(img.path); !s) {
    return decide(AutoOutcome::kRefused, "refused", s.error().message());
  }
  return decide(AutoOutcome::kInstalled, "installed",
                "v" + std::to_string(updater.record().target_version) + " into slot " +
                    std::string(SlotName(*updater.record().target)));
}

}  // namespace checkpoint::update
