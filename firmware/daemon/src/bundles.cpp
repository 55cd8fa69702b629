#include "checkpoint/daemon/bundles.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/watchlist_store.hpp"

namespace checkpoint::daemon {

namespace {
constexpr std::int64_t kMaxPayload = 256LL << 20;  // protocol::kMaxBundleBytes
constexpr std::size_t kMaxInstalledBytes = 1u << 20;

Error Bad(const std::filesystem::path& path, std::string_view what) {
  return MakeError(CommonErrc::kParse, path.string() + ": " + std::string(what));
}

// An installed payload, open, whose size and SHA-256 matched the manifest when
// opened; what is read afterwards comes from the same open file.
class VerifiedPayload {
 public:
  static Expected<std::shared_ptr<VerifiedPayload>> Open(const std::filesystem::path& path,
                                                         const InstalledEntry& e) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(path.string(), errno);
    auto p = std::shared_ptr<VerifiedPayload>(new VerifiedPayload(fd));
    common::Sha256 h;
    std::int64_t size = 0;
    std::string buf(1u << 16, '\0');
    while (true) {
      auto n = p->Read(std::span<char>(buf.data(), buf.size()));
      if (!n) return std::move(n).error().WithContext(path.string());
      if (*n == 0) break;
      h.Update(std::string_view(buf.data(), *n));
      size += static_cast<std::int64_t>(*n);
      if (size > e.size) break;
    }
    if (size != e.size || h.Final() != e.sha256) {
      return MakeError(CommonErrc::kParse,
                       path.string() + ": does not match its installed manifest (size or SHA-256)");
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) return ErrnoError(path.string(), errno);
    return p;
  }
  ~VerifiedPayload() { ::close(fd_); }
  VerifiedPayload(const VerifiedPayload&) = delete;
  VerifiedPayload& operator=(const VerifiedPayload&) = delete;

  Expected<std::size_t> Read(std::span<char> buf) {
    while (true) {
      const ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError("payload", errno);
      return static_cast<std::size_t>(n);
    }
  }
  Expected<std::string> ReadAll(std::int64_t size) {
    std::string out(static_cast<std::size_t>(size), '\0');
    std::size_t at = 0;
    while (at < out.size()) {
      auto n = Read(std::span<char>(out.data() + at, out.size() - at));
      if (!n) return std::move(n).error();
      if (*n == 0) return MakeError(CommonErrc::kIo, "payload shorter than verified");
      at += *n;
    }
    return out;
  }

 private:
  explicit VerifiedPayload(int fd) : fd_(fd) {}
  int fd_;
};

std::filesystem::path PayloadPath(const std::filesystem::path& dir, std::string_view kind,
                                  std::int64_t version) {
  return dir / std::string(kind) / (std::to_string(version) + ".bin");
}

Expected<std::int64_t> Applied(store::Store& st, std::string_view kind) {
  auto v = st.state().Get("bundle." + std::string(kind) + ".applied");
  if (!v) return std::move(v).error();
  if (!*v) return std::int64_t{0};
  char* end = nullptr;
  const long long n = std::strtoll((*v)->c_str(), &end, 10);
  if (!end || *end != '\0' || n < 0) return MakeError(CommonErrc::kParse, "bad applied version");
  return static_cast<std::int64_t>(n);
}
Status SetApplied(store::Store& st, std::string_view kind, std::int64_t version,
                  std::int64_t now_ms) {
  return st.state().Set("bundle." + std::string(kind) + ".applied", std::to_string(version),
                        now_ms);
}
}  // namespace

Expected<std::vector<InstalledEntry>> ReadInstalledChain(const std::filesystem::path& dir,
                                                         std::string_view kind) {
  const auto path = dir / std::string(kind) / "installed.json";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::vector<InstalledEntry>();
    return ErrnoError(path.string(), errno);
  }
  auto text = common::ReadFile(path, kMaxInstalledBytes);
  if (!text) return std::move(text).error();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception&) {
    return Bad(path, "not JSON");
  }
  if (!j.is_object() || !j.contains("bundles") || !j["bundles"].is_array()) {
    return Bad(path, "no bundle list");
  }
  std::vector<InstalledEntry> chain;
  for (const auto& b : j["bundles"]) {
    auto integer = [&](const char* key, std::int64_t min, std::int64_t max, std::int64_t& out) {
      if (!b.is_object() || !b.contains(key) || !b[key].is_number_integer()) return false;
      out = b[key].get<std::int64_t>();
      return out >= min && out <= max;
    };
    InstalledEntry e;
    if (!b.is_object() || !b.contains("kind") || b["kind"] != std::string(kind) ||
        !integer("version", 1, INT64_MAX, e.version) || !integer("size", 0, kMaxPayload, e.size) ||
        !b.contains("sha256") || !b["sha256"].is_string()) {
      return Bad(path, "an entry lacks kind, version, size or sha256");
    }
    std::string digest;
    if (!common::FromHex(b["sha256"].get<std::string>(), digest) || digest.size() != 32) {
      return Bad(path, "sha256 is not 64 hex digits");
    }
    std::memcpy(e.sha256.data(), digest.data(), 32);
    if (b.contains("base")) {
      std::int64_t base = 0;
      if (!integer("base", 1, e.version - 1, base)) return Bad(path, "bad base version");
      e.base_version = base;
    }
    const bool sound = chain.empty() ? !e.base_version : e.base_version == chain.back().version;
    if (!sound) return Bad(path, "not one full bundle followed by its deltas");
    chain.push_back(e);
  }
  return chain;
}

BundlePickup::Outcome BundlePickup::Run(store::Store& st, const Targets& targets,
                                        std::int64_t now_ms) {
  Outcome out;
  Rules(targets, out);
  Watchlist(st, targets, now_ms, out);
  Trust(st, "csca", now_ms, out);
  Trust(st, "crl", now_ms, out);
  Staged("config", out);
  Staged("firmware", out);
  return out;
}

#define CP_PICKUP_FAIL(kind, version, error)                                          \
  do {                                                                                \
    log_.Error("bundle not applied; what is in force stays",                          \
               {{"kind", kind}, {"version", version}, {"error", (error).message()}}); \
    out.errors.push_back(std::string(kind) + " " + std::to_string(version) + ": " +   \
                         (error).message());                                          \
    failed_[std::string(kind)] = version;                                             \
    return;                                                                           \
  } while (0)

void BundlePickup::Rules(const Targets& t, Outcome& out) {
  auto chain = ReadInstalledChain(dir_, "rules");
  if (!chain) CP_PICKUP_FAIL("rules", 0, chain.error());
  if (chain->empty()) return;
  const InstalledEntry& e = chain->back();
  if (e.version == rules_version_ || failed_["rules"] == e.version) return;
  auto payload = VerifiedPayload::Open(PayloadPath(dir_, "rules", e.version), e);
  if (!payload) CP_PICKUP_FAIL("rules", e.version, payload.error());
  auto text = (*payload)->ReadAll(e.size);
  if (!text) CP_PICKUP_FAIL("rules", e.version, text.error());
  // The first HQ bundle after a start supersedes the operator's file whatever its
  // version; after that the engine refuses to go back (HQ's versions only increase).
  auto info =
      t.rules.Load(*text, risk::RuleEngine::LoadOptions{.allow_older = rules_version_ == 0});
  if (!info) CP_PICKUP_FAIL("rules", e.version, info.error());
  rules_version_ = e.version;
  log_.Notice("bundle applied", {{"kind", "rules"},
                                 {"version", e.version},
                                 {"rules_version", info->version},
                                 {"rules", static_cast<std::int64_t>(info->enabled_rules)}});
  out.applied.push_back("rules " + std::to_string(e.version));
}

void BundlePickup::Watchlist(store::Store& st, const Targets& t, std::int64_t now_ms,
                             Outcome& out) {
  auto chain = ReadInstalledChain(dir_, "watchlist");
  if (!chain) CP_PICKUP_FAIL("watchlist", 0, chain.error());
  if (chain->empty()) return;
  const std::int64_t newest = chain->back().version;
  auto applied = Applied(st, "watchlist");
  if (!applied) CP_PICKUP_FAIL("watchlist", newest, applied.error());
  if (newest == *applied || failed_["watchlist"] == newest) return;
  bool rebuild = false;
  std::optional<std::pair<std::int64_t, Error>> failure;
  for (const InstalledEntry& e : *chain) {
    // A full list newer than what was applied starts over; then the deltas after it.
    if (e.version <= *applied) continue;
    const bool full = !e.base_version;
    auto payload = VerifiedPayload::Open(PayloadPath(dir_, "watchlist", e.version), e);
    if (!payload) {
      failure.emplace(e.version, std::move(payload).error());
      break;
    }
    std::shared_ptr<VerifiedPayload> file = *payload;
    const store::WatchlistSource source{
        .name = "hq-watchlist-" + std::to_string(e.version),
        .read = [file](std::span<char> buf) { return file->Read(buf); }};
    auto wl = st.watchlist();
    risk::WatchlistDelta delta;
    auto v = full ? wl.ImportFull(source, now_ms) : wl.ApplyDelta(source, now_ms, nullptr, &delta);
    Status recorded = v ? SetApplied(st, "watchlist", e.version, now_ms) : Status(Error(v.error()));
    if (!recorded) {
      failure.emplace(e.version, std::move(recorded).error());
      break;
    }
    if (full) {
      rebuild = true;  // the new list replaces the old one once built
    } else if (!rebuild) {
      // A delta changes the indexes in place (no rebuild); should that fail, the
      // list is rebuilt from the store, which already holds the delta.
      if (auto s = t.watchlist.Apply(std::move(delta)); !s) rebuild = true;
    }
    log_.Notice("bundle applied", {{"kind", "watchlist"},
                                   {"version", e.version},
                                   {"delta", !full},
                                   {"entries", v->counts.total()}});
    out.applied.push_back("watchlist " + std::to_string(e.version));
  }
  // What was applied to the store is brought into memory even when a later step failed.
  if (rebuild) {
    if (auto s = t.source.Load(st, t.watchlist); !s) CP_PICKUP_FAIL("watchlist", newest, s.error());
  }
  if (failure) CP_PICKUP_FAIL("watchlist", failure->first, failure->second);
}

void BundlePickup::Trust(store::Store& st, std::string_view kind, std::int64_t now_ms,
                         Outcome& out) {
  auto chain = ReadInstalledChain(dir_, kind);
  if (!chain) CP_PICKUP_FAIL(kind, 0, chain.error());
  if (chain->empty()) return;
  const InstalledEntry& e = chain->back();
  auto applied = Applied(st, kind);
  if (!applied) CP_PICKUP_FAIL(kind, e.version, applied.error());
  if (e.version == *applied || failed_[std::string(kind)] == e.version) return;
  auto payload = VerifiedPayload::Open(PayloadPath(dir_, kind, e.version), e);
  if (!payload) CP_PICKUP_FAIL(kind, e.version, payload.error());
  auto bytes = (*payload)->ReadAll(e.size);
  if (!bytes) CP_PICKUP_FAIL(kind, e.version, bytes.error());
  const std::span<const std::uint8_t> der(reinterpret_cast<const std::uint8_t*>(bytes->data()),
                                          bytes->size());
  auto trust = st.trust();
  if (kind == "csca") {
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
    auto r = trust.ImportMasterList(der, now);
    if (!r) CP_PICKUP_FAIL(kind, e.version, r.error());
  } else {
    auto r = trust.AddCrl(der, "hq-bundle:" + std::to_string(e.version), now_ms);
    if (!r) CP_PICKUP_FAIL(kind, e.version, r.error());
  }
  if (auto s = SetApplied(st, kind, e.version, now_ms); !s)
    CP_PICKUP_FAIL(kind, e.version, s.error());
  out.trust_changed = true;
  log_.Notice("bundle applied", {{"kind", kind}, {"version", e.version}});
  out.applied.push_back(std::string(kind) + " " + std::to_string(e.version));
}

void BundlePickup::Staged(std::string_view kind, Outcome& out) {
  auto chain = ReadInstalledChain(dir_, kind);
  if (!chain) CP_PICKUP_FAIL(kind, 0, chain.error());
  if (chain->empty() || staged_[std::string(kind)] == chain->back().version) return;
  staged_[std::string(kind)] = chain->back().version;
  // Verified by the agent and staged; applying belongs to the A/B update.
  log_.Notice("bundle staged, not applied by this version",
              {{"kind", kind}, {"version", chain->back().version}});
}

#undef CP_PICKUP_FAIL

}  // namespace checkpoint::daemon
