#include "checkpoint/agent/downlink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "checkpoint/agent/errors.hpp"
#include "checkpoint/common/fd.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"

namespace checkpoint::agent {

namespace {
using protocol::BundleManifest;

constexpr const char* kInstalledFile = "installed.json";
constexpr std::size_t kMaxInstalledBytes = 1u << 20;

std::string Version(const BundleManifest& m) {
  return m.kind + " v" + std::to_string(m.version);
}

using common::FsyncDirectory;
using Fd = common::UniqueFd;

Status WriteAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path.string(), errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Size and SHA-256 of a file, read in blocks.
Expected<std::pair<std::int64_t, common::Digest256>> HashFile(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError(path.string(), errno);
  common::Sha256 h;
  std::int64_t size = 0;
  std::string buf(1u << 16, '\0');
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path.string(), errno);
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    size += n;
  }
  return std::pair(size, h.Final());
}

// The installed chain must be one full bundle followed by deltas, each on the one
// before, all of one kind.
bool ChainIsSound(const std::vector<BundleManifest>& chain, std::string_view kind) {
  if (chain.empty() || chain.front().base_version) return false;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (chain[i].kind != kind) return false;
    if (i > 0 && chain[i].base_version != chain[i - 1].version) return false;
  }
  return true;
}
}  // namespace

Expected<std::vector<protocol::PublicKey>> LoadPinnedSigningKeys(
    const std::filesystem::path& file) {
  auto pem = common::ReadFile(file, 64u << 10);
  if (!pem) return std::move(pem).error().WithContext("the pinned HQ signing keys");
  auto keys = protocol::ParsePublicKeysPem(*pem);
  if (!keys) return std::move(keys).error().WithContext(file.string());
  return keys;
}

std::filesystem::path PayloadPath(const std::filesystem::path& dir, const BundleManifest& m) {
  // Only the kind (from a closed list) and the version (digits) make the path.
  return dir / m.kind / (std::to_string(m.version) + ".bin");
}

Expected<std::optional<InstalledBundle>> ReadInstalled(const std::filesystem::path& dir,
                                                       std::string_view kind) {
  const auto path = dir / std::string(kind) / kInstalledFile;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<InstalledBundle>();
    return ErrnoError(path.string(), errno);
  }
  auto text = common::ReadFile(path, kMaxInstalledBytes);
  if (!text) return std::move(text).error();
  auto list = protocol::ParseBundleList(*text);
  if (!list) return std::move(list).error().WithContext(path.string());
  if (!ChainIsSound(list->bundles, kind)) {
    return MakeError(CommonErrc::kParse, path.string() + ": not one full bundle and its deltas");
  }
  return std::optional<InstalledBundle>(InstalledBundle{std::move(list->bundles)});
}

Downlink::Downlink(HttpClient& http, ChainState& state, TrustedTime& trusted, log::Logger logger,
                   DownlinkOptions options)
    : http_(http),
      state_(state),
      trusted_(trusted),
      log_(std::move(logger)),
      options_(std::move(options)) {}

Expected<DownlinkRound> Downlink::SyncOnce() {
  auto answer = http_.Get("/v1/bundles");
  if (!answer) return std::move(answer).error().WithContext("listing bundles");
  if (answer->status != 200) {
    return MakeError(SyncErrc::kHttp, "GET /v1/bundles: HTTP " + std::to_string(answer->status));
  }
  auto list = protocol::ParseBundleList(answer->body);
  if (!list) {
    // One bad manifest taints the whole answer: nothing of it is used.
    log_.Error("bundle list refused", {{"error", list.error().message()}});
    return MakeError(SyncErrc::kProtocol, "HQ's bundle list refused: " + list.error().message());
  }
  trusted_.ObserveHq(list->hq_time_ms);
  // The floor of the trusted time after a restart (kept as a maximum).
  if (auto s = state_.SetLastHqTime(list->hq_time_ms); !s) return std::move(s).error();
  if (auto s = common::EnsureDirectory(options_.dir, options_.access); !s) {
    return std::move(s).error();
  }

  std::map<std::string, std::vector<BundleManifest>> by_kind;
  for (auto& m : list->bundles) by_kind[m.kind].push_back(std::move(m));
  DownlinkRound round;
  std::optional<Error> first_error;
  for (auto& [kind, offered] : by_kind) {
    std::sort(offered.begin(), offered.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    if (auto s = SyncKind(offered, round); !s) {
      log_.Warning("bundle not installed yet", {{"kind", kind}, {"error", s.error().String()}});
      if (!first_error) first_error = std::move(s).error();
    }
  }
  if (first_error) return std::move(*first_error);
  return round;
}

std::string Downlink::Check(const BundleManifest& m, bool& postpone) const {
  postpone = false;
  if (auto s = protocol::VerifyBundleManifest(m, options_.pinned); !s) return s.error().message();
  const std::int64_t now = trusted_.NowMs();
  if (m.created_ms > now + options_.max_clock_skew.count()) {
    return Version(m) + ": created " + std::to_string(m.created_ms - now) +
           " ms after the trusted time";
  }
  if (m.expires_ms && *m.expires_ms <= now) return Version(m) + ": expired";
  if (m.not_before_ms && *m.not_before_ms > now) {
    postpone = true;
    return Version(m) + ": not valid before " + std::to_string(*m.not_before_ms);
  }
  return {};
}

Status Downlink::SyncKind(const std::vector<BundleManifest>& offered, DownlinkRound& round) {
  const std::string& kind = offered.front().kind;
  auto installed = ReadInstalled(options_.dir, kind);
  if (!installed) {
    // Fail closed on what is in force (the daemon keeps what it loaded), but the
    // floor below still stops a rollback; a sound bundle at or above it repairs.
    log_.Error("installed bundle state unreadable",
               {{"kind", kind}, {"error", installed.error().String()}});
    installed = std::optional<InstalledBundle>();
  }
  const std::int64_t current = *installed ? (*installed)->version() : 0;
  auto floor = state_.BundleFloor(kind);
  if (!floor) return std::move(floor).error();
  const BundleManifest& latest = offered.back();
  if (latest.version < std::max(current, *floor)) {
    const std::string reason = "rollback refused: " + Version(latest) +
                               " is below the installed version " +
                               std::to_string(std::max(current, *floor));
    log_.Error("bundle refused", {{"kind", kind}, {"version", latest.version}, {"reason", reason}});
    round.refused.push_back({kind, latest.version, reason});
    return {};
  }
  if (latest.version == current) return {};

  // The plan: deltas continuing what is installed, or else the newest full bundle
  // above it and the deltas after that; either must reach the latest.
  std::vector<const BundleManifest*> plan;
  bool replaces = false;
  auto walk = [&](std::int64_t from) {
    for (const auto& m : offered) {
      if (m.version <= from) continue;
      if (m.base_version != from) break;
      plan.push_back(&m);
      from = m.version;
    }
    return from == latest.version;
  };
  if (!(*installed && walk(current))) {
    plan.clear();
    replaces = true;
    const BundleManifest* full = nullptr;
    for (const auto& m : offered) {
      if (!m.base_version && m.version > current && m.version >= *floor) full = &m;
    }
    std::string reason;
    if (!full) {
      reason = "no full " + kind + " bundle above the installed version to start from";
    } else {
      plan.push_back(full);
      if (!walk(full->version)) reason = "the " + kind + " deltas offered do not chain";
    }
    if (!reason.empty()) {
      log_.Error("bundle refused",
                 {{"kind", kind}, {"version", latest.version}, {"reason", reason}});
      round.refused.push_back({kind, latest.version, reason});
      return {};
    }
  }

  // Every bundle of the plan is checked and fetched before anything is installed.
  for (const BundleManifest* m : plan) {
    bool postpone = false;
    std::string reason = Check(*m, postpone);
    if (reason.empty()) {
      auto fetched = Fetch(*m);
      if (!fetched) return std::move(fetched).error();
      reason = std::move(*fetched);
    }
    if (!reason.empty()) {
      (postpone ? round.postponed : round.refused).push_back({kind, m->version, reason});
      if (postpone) {
        log_.Info("bundle postponed", {{"kind", kind}, {"version", m->version}});
      } else {
        log_.Error("bundle refused", {{"kind", kind}, {"version", m->version}, {"reason", reason}});
      }
      return {};
    }
  }

  // Install: payloads into place, then installed.json (the commit point), then the
  // floor, then the payloads no longer referenced go.
  const auto kind_dir = options_.dir / kind;
  if (auto s = common::EnsureDirectory(kind_dir, options_.access); !s) return s;
  for (const BundleManifest* m : plan) {
    const auto part =
        options_.dir / "partial" / (kind + "-" + std::to_string(m->version) + ".part");
    // Verified, so the group that shares the directory (checkpointd) may read it.
    if (options_.access.group && ::chmod(part.c_str(), 0640) != 0) {
      return ErrnoError("cannot chmod " + part.string(), errno);
    }
    std::error_code ec;
    std::filesystem::rename(part, PayloadPath(options_.dir, *m), ec);
    if (ec) return ErrnoError(part.string(), ec.value());
  }
  if (auto s = FsyncDirectory(kind_dir); !s) return s;
  std::vector<BundleManifest> chain;
  if (!replaces) chain = (*installed)->chain;
  for (const BundleManifest* m : plan) chain.push_back(*m);
  const protocol::BundleList record{chain, trusted_.NowMs()};
  if (auto s = common::WriteFileAtomic(kind_dir / kInstalledFile, protocol::ToJson(record), 0644);
      !s) {
    return s;
  }
  if (auto s = state_.RaiseBundleFloor(kind, latest.version); !s) return s;
  // What is no longer referenced goes: older payloads of this kind, and partial
  // downloads of it (all of versions at or below the one now installed). Collected
  // first, removed after, so no directory is changed while it is read.
  std::set<std::filesystem::path> keep;
  for (const auto& m : chain) keep.insert(PayloadPath(options_.dir, m).filename());
  std::vector<std::filesystem::path> obsolete;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kind_dir, ec)) {
    const auto name = entry.path().filename();
    if (name.extension() == ".bin" && !keep.contains(name)) obsolete.push_back(entry.path());
  }
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir / "partial", ec)) {
    if (entry.path().filename().string().rfind(kind + "-", 0) == 0) {
      obsolete.push_back(entry.path());
    }
  }
  for (const auto& path : obsolete) std::filesystem::remove(path, ec);
  for (const BundleManifest* m : plan) {
    log_.Notice("bundle installed", {{"kind", kind},
                                     {"version", m->version},
                                     {"bytes", m->size},
                                     {"key", protocol::KeyId(m->key)}});
    round.installed.push_back({kind, m->version, {}});
  }
  return {};
}

Expected<std::string> Downlink::Fetch(const BundleManifest& m) {
  const auto partial = options_.dir / "partial";
  if (auto s = common::EnsurePrivateDirectory(partial); !s) return std::move(s).error();
  const auto part = partial / (m.kind + "-" + std::to_string(m.version) + ".part");
  // Bytes held from an earlier attempt are trusted for nothing: if the whole does
  // not verify, it is fetched once more from the start before the bundle is refused.
  for (int attempt = 0;; ++attempt) {
    std::int64_t have = 0;
    struct stat st {};
    const bool exists = ::stat(part.c_str(), &st) == 0;
    if (exists) have = st.st_size;
    if (have > m.size) {
      std::filesystem::remove(part);
      have = 0;
    }
    const bool from_zero = have == 0;
    if (have < m.size || !exists) {
      auto got = Download(m, part, have);
      if (!got) return std::move(got).error();
    }
    auto hashed = HashFile(part);
    if (!hashed) return std::move(hashed).error();
    if (hashed->first == m.size && hashed->second == m.sha256) return std::string();
    std::filesystem::remove(part);
    if (from_zero || attempt > 0) {
      return Version(m) + ": the payload does not match the signed manifest (" +
             (hashed->first != m.size ? "size" : "SHA-256") + ")";
    }
    log_.Warning("held partial download does not verify; fetching again",
                 {{"kind", m.kind}, {"version", m.version}});
  }
}

Status Downlink::Download(const BundleManifest& m, const std::filesystem::path& part,
                          std::int64_t have) {
  Fd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd.get() < 0) return ErrnoError(part.string(), errno);
  std::int64_t at = have;
  bool restarted = false;
  DownloadRequest req;
  req.offset = have;
  req.if_range = "\"" + common::ToHex(m.sha256) + "\"";
  req.sink = [&](long status, std::string_view chunk) -> Status {
    if (status == 200 && have > 0 && !restarted) {
      // HQ sent the whole payload (the If-Range did not match): start over.
      if (::ftruncate(fd.get(), 0) != 0) return ErrnoError(part.string(), errno);
      at = 0;
    }
    restarted = true;
    if (at + static_cast<std::int64_t>(chunk.size()) > m.size) {
      return MakeError(SyncErrc::kProtocol, Version(m) + ": HQ sent more than the manifest's size");
    }
    at += static_cast<std::int64_t>(chunk.size());
    return WriteAll(fd.get(), chunk, part);
  };
  const std::string path = "/v1/bundles/" + m.kind + "/" + std::to_string(m.version);
  log_.Info("downloading bundle", {{"kind", m.kind}, {"version", m.version}, {"from", have}});
  auto got = http_.Download(path, req);
  // What arrived is kept (and made durable) for the next attempt.
  ::fsync(fd.get());
  if (!got) {
    if (got.error().Is(SyncErrc::kProtocol)) std::filesystem::remove(part);
    return std::move(got).error().WithContext("downloading " + Version(m));
  }
  if (got->status == 416) {
    std::filesystem::remove(part);
    return MakeError(SyncErrc::kHttp, "GET " + path + ": HQ refused the range; starting over");
  }
  if (got->status != 200 && got->status != 206) {
    return MakeError(SyncErrc::kHttp, "GET " + path + ": HTTP " + std::to_string(got->status));
  }
  return {};
}

void Downlink::Run(StopSignal& stop) {
  common::ExponentialBackoff backoff(options_.backoff);
  while (!stop.stopped()) {
    auto r = SyncOnce();
    if (r) {
      backoff.Reset();
      stop.WaitFor(options_.poll);
    } else {
      log_.Warning("bundle round failed", {{"error", r.error().String()}});
      stop.WaitFor(backoff.NextInterval());
    }
  }
}

}  // namespace checkpoint::agent
