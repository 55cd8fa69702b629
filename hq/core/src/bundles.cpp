#include "checkpoint/hq/bundles.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/hq/sql.hpp"
#include "try.hpp"

namespace checkpoint::hq {

namespace {
// n of "key-<n>.pem", or 0.
int KeyNumber(const std::string& file) {
  if (file.rfind("key-", 0) != 0 || file.size() < 9 || file.substr(file.size() - 4) != ".pem") {
    return 0;
  }
  const std::string digits = file.substr(4, file.size() - 8);
  if (digits.empty() || digits.size() > 6 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::atoi(digits.c_str());
}

std::filesystem::path KeyPath(const std::filesystem::path& dir, int n) {
  return dir / ("key-" + std::to_string(n) + ".pem");
}

Blob AsBlob(std::string_view s) {
  return Blob{
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())};
}
}  // namespace

Expected<SigningKeys> SigningKeys::LoadOrCreate(const std::filesystem::path& dir) {
  CP_TRY(common::EnsurePrivateDirectory(dir));
  std::vector<int> numbers;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (const int n = KeyNumber(entry.path().filename().string()); n > 0) numbers.push_back(n);
  }
  if (ec) return ErrnoError(dir.string(), ec.value());
  std::sort(numbers.begin(), numbers.end());
  SigningKeys keys(dir);
  for (const int n : numbers) {
    auto k = protocol::DeviceKey::Load(KeyPath(dir, n));
    if (!k) return std::move(k).error().WithContext("HQ signing key");
    keys.keys_.push_back(std::move(*k));
    keys.last_ = n;
  }
  if (keys.keys_.empty()) CP_TRY(keys.Rotate());
  return keys;
}

Status SigningKeys::Rotate() {
  auto k = protocol::DeviceKey::Generate();
  if (!k) return std::move(k).error();
  const int n = last_ + 1;
  CP_TRY(common::WriteFileAtomic(KeyPath(dir_, n), k->PrivatePem(), 0600));
  keys_.push_back(std::move(*k));
  last_ = n;
  return {};
}

std::vector<protocol::PublicKey> SigningKeys::publics() const {
  std::vector<protocol::PublicKey> out;
  for (const auto& k : keys_) out.push_back(k.Public());
  return out;
}

Status StoreBundleRaw(SqlConnection& db, std::string_view kind, std::int64_t version,
                      std::optional<std::int64_t> base_version, std::string_view manifest_json,
                      std::string_view sha256_hex, std::string_view payload, std::int64_t now_ms) {
  auto st = db.Prepare(
      "INSERT INTO bundles(kind, version, base_version, manifest, sha256, payload, published_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  CP_TRY(
      st->BindAll(kind, version, base_version, manifest_json, sha256_hex, AsBlob(payload), now_ms));
  return st->Run();
}

namespace {
Expected<protocol::BundleManifest> PublishOnce(SqlConnection& db, const protocol::DeviceKey& key,
                                               const PublishRequest& request, std::int64_t now_ms) {
  auto tx = SqlTransaction::Begin(db);
  if (!tx) return std::move(tx).error();
  // Versions of a kind are taken one publication at a time, whichever HQ instance
  // publishes: the latest read here is still the latest at the commit.
  CP_TRY(db.LockKey("bundles:" + request.kind));
  auto latest = db.Prepare("SELECT coalesce(max(version), 0) FROM bundles WHERE kind = ?");
  if (!latest) return std::move(latest).error();
  CP_TRY(latest->Bind(1, request.kind));
  auto row = latest->Step();
  if (!row) return std::move(row).error();
  const std::int64_t newest = latest->Int(0);

  protocol::BundleManifest m;
  m.kind = request.kind;
  m.version = request.version.value_or(newest + 1);
  if (m.version <= newest) {
    return MakeError(CommonErrc::kInvalidArgument,
                     request.kind + " version " + std::to_string(m.version) +
                         " is not above the latest published (" + std::to_string(newest) + ")");
  }
  m.created_ms = now_ms;
  m.name = request.name;
  m.size = static_cast<std::int64_t>(request.payload.size());
  m.sha256 = common::Sha256::Of(request.payload);
  m.not_before_ms = request.not_before_ms;
  m.expires_ms = request.expires_ms;
  m.base_version = request.base_version;
  // Deltas form one line: each applies on the latest version published before it.
  if (m.base_version && *m.base_version != newest) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "a " + m.kind + " delta must apply on the latest published version (" +
                         std::to_string(newest) + "), not " + std::to_string(*m.base_version));
  }
  if (auto s = protocol::SignBundleManifest(m, key); !s) {
    return Error(make_error_condition(CommonErrc::kInvalidArgument), s.error().message());
  }
  CP_TRY(StoreBundleRaw(db, m.kind, m.version, m.base_version, protocol::ToJson(m),
                        common::ToHex(m.sha256), request.payload, now_ms));
  CP_TRY(tx->Commit());
  return m;
}
}  // namespace

Expected<protocol::BundleManifest> PublishBundle(SqlConnection& db, const protocol::DeviceKey& key,
                                                 const PublishRequest& request,
                                                 std::int64_t now_ms) {
  return RetryTransaction([&] { return PublishOnce(db, key, request, now_ms); });
}

Expected<std::vector<std::string>> OfferedManifests(SqlConnection& db) {
  // Per kind: from the latest full version (no base) that is at most the latest
  // version, everything above it; a kind whose bundles are all full gives one row.
  auto st = db.Prepare(
      "SELECT b.manifest FROM bundles b JOIN ("
      "  SELECT kind, max(version) AS latest,"
      "         (SELECT max(version) FROM bundles f WHERE f.kind = k.kind "
      "          AND f.base_version IS NULL) AS full_version"
      "  FROM bundles k GROUP BY kind) l ON b.kind = l.kind "
      "WHERE b.version >= coalesce(l.full_version, l.latest) "
      "ORDER BY b.kind, b.version");
  if (!st) return std::move(st).error();
  std::vector<std::string> out;
  while (true) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(st->Text(0));
  }
  return out;
}

Expected<std::optional<StoredBundle>> FindBundle(SqlConnection& db, std::string_view kind,
                                                 std::int64_t version) {
  auto st =
      db.Prepare("SELECT length(payload), sha256 FROM bundles WHERE kind = ? AND version = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(kind, version));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredBundle>();
  return std::optional<StoredBundle>(StoredBundle{st->Int(0), st->Text(1)});
}

Expected<std::string> ReadBundlePayload(SqlConnection& db, std::string_view kind,
                                        std::int64_t version, std::int64_t offset,
                                        std::int64_t length) {
  // substr on a BLOB (bytea) counts bytes, from 1; PostgreSQL's takes int4.
  auto st = db.Prepare(db.dialect() == SqlDialect::kPostgres
                           ? "SELECT substr(payload, CAST(? AS INTEGER), CAST(? AS INTEGER)) "
                             "FROM bundles WHERE kind = ? AND version = ?"
                           : "SELECT substr(payload, ?, ?) FROM bundles WHERE kind = ? AND "
                             "version = ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(offset + 1, length, kind, version));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return MakeError(CommonErrc::kNotFound, "no such bundle");
  return st->BlobColumn(0);
}

}  // namespace checkpoint::hq
