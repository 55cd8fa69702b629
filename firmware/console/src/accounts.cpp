#include "checkpoint/console/accounts.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/store/errors.hpp"

namespace checkpoint::console {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::string Base64(const unsigned char* data, std::size_t n) {
  return common::Base64Encode(std::string_view(reinterpret_cast<const char*>(data), n));
}

std::optional<std::string> Unbase64(std::string_view s, std::size_t expect) {
  auto out = common::Base64Decode(s);
  if (!out || out->size() != expect) return std::nullopt;
  return out;
}

bool Scrypt(std::string_view password, const unsigned char* salt, std::size_t salt_len,
            const KdfParams& k, unsigned char* out, std::size_t out_len) {
  const std::uint64_t n = std::uint64_t{1} << k.log2_n;
  const std::uint64_t maxmem =
      128 * n * static_cast<std::uint64_t>(k.r) * static_cast<std::uint64_t>(k.p) +
      (std::uint64_t{1} << 20);
  return EVP_PBE_scrypt(password.data(), password.size(), salt, salt_len, n,
                        static_cast<std::uint64_t>(k.r), static_cast<std::uint64_t>(k.p), maxmem,
                        out, out_len) == 1;
}

std::optional<int> SmallInt(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

bool OneOf(std::string_view v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

Officer Row(const store::Statement& st) {
  Officer o;
  o.id = st.Text(0);
  o.name = st.Text(1);
  o.agency = st.Text(2);
  o.role = st.Text(3);
  o.language = st.Text(4);
  o.password_hash = st.Text(5);
  o.disabled = st.Int(6) != 0;
  o.failed_logins = st.Int(7);
  o.locked_until_ms = st.Int(8);
  return o;
}

constexpr std::string_view kColumns =
    "id, name, agency, role, language, password, disabled, failed_logins, locked_until_ms";

}  // namespace

Expected<std::string> HashPassword(std::string_view password, const KdfParams& params) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "a password has " + std::to_string(kMinPasswordBytes) + " to " +
                         std::to_string(kMaxPasswordBytes) + " bytes");
  }
  unsigned char salt[kSaltBytes];
  unsigned char hash[kHashBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) {
    return MakeError(CommonErrc::kInternal, "no random bytes for a salt");
  }
  if (!Scrypt(password, salt, sizeof salt, params, hash, sizeof hash)) {
    return MakeError(CommonErrc::kInternal, "scrypt failed");
  }
  std::string out = "scrypt$" + std::to_string(params.log2_n) + "$" + std::to_string(params.r) +
                    "$" + std::to_string(params.p) + "$" + Base64(salt, sizeof salt) + "$" +
                    Base64(hash, sizeof hash);
  OPENSSL_cleanse(hash, sizeof hash);
  return out;
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 7) {
    const auto end = encoded.find('$', start);
    parts.push_back(encoded.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  const auto log2_n = SmallInt(parts[1], 10, 20);
  const auto r = SmallInt(parts[2], 1, 32);
  const auto p = SmallInt(parts[3], 1, 16);
  const auto salt = Unbase64(parts[4], kSaltBytes);
  const auto expect = Unbase64(parts[5], kHashBytes);
  if (!log2_n || !r || !p || !salt || !expect) return false;
  if (password.size() > kMaxPasswordBytes) return false;
  unsigned char hash[kHashBytes];
  if (!Scrypt(password, reinterpret_cast<const unsigned char*>(salt->data()), salt->size(),
              KdfParams{*log2_n, *r, *p}, hash, sizeof hash)) {
    return false;
  }
  const bool same = CRYPTO_memcmp(hash, expect->data(), sizeof hash) == 0;
  OPENSSL_cleanse(hash, sizeof hash);
  return same;
}

bool IsOfficerId(std::string_view id) noexcept {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

Status OfficerRepository::Add(const Officer& o, std::int64_t now_ms) {
  if (!IsOfficerId(o.id)) {
    return MakeError(CommonErrc::kInvalidArgument, "an officer id is 1 to 64 of A-Z a-z 0-9 _ . -");
  }
  if (o.name.empty() || o.name.size() > 200) {
    return MakeError(CommonErrc::kInvalidArgument, "an officer's name has 1 to 200 bytes");
  }
  if (!OneOf(o.agency, {"border_guard", "customs", "police"})) {
    return MakeError(CommonErrc::kInvalidArgument, "agency: border_guard, customs or police");
  }
  if (!OneOf(o.role, {"officer", "supervisor", "technician"})) {
    return MakeError(CommonErrc::kInvalidArgument, "role: officer, supervisor or technician");
  }
  if (!OneOf(o.language, {"en", "uk", "ru"})) {
    return MakeError(CommonErrc::kInvalidArgument, "language: en, uk or ru");
  }
  if (o.password_hash.rfind("scrypt$", 0) != 0) {
    return MakeError(CommonErrc::kInvalidArgument, "the password must be hashed (HashPassword)");
  }
  auto st = db_.Prepare(
      "INSERT INTO officers (id, name, agency, role, language, password, disabled, "
      "created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(o.id, o.name, o.agency, o.role, o.language, o.password_hash,
                           std::int64_t{o.disabled ? 1 : 0}, now_ms, now_ms);
      !s) {
    return s;
  }
  return st->Run();
}

Expected<std::optional<Officer>> OfficerRepository::Find(std::string_view id) {
  auto st = db_.Prepare("SELECT " + std::string(kColumns) + " FROM officers WHERE id = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, id); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<Officer>();
  return std::optional<Officer>(Row(*st));
}

Expected<std::vector<Officer>> OfficerRepository::List() {
  auto st = db_.Prepare("SELECT " + std::string(kColumns) + " FROM officers ORDER BY id");
  if (!st) return std::move(st).error();
  std::vector<Officer> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(Row(*st));
  }
  return out;
}

Expected<bool> OfficerRepository::RecordFailure(std::string_view id, std::int64_t now_ms,
                                                int max_failures, std::int64_t lock_ms) {
  auto st = db_.Prepare(
      "UPDATE officers SET "
      "locked_until_ms = CASE WHEN failed_logins + 1 >= ?1 THEN ?2 + ?3 ELSE locked_until_ms END, "
      "failed_logins = CASE WHEN failed_logins + 1 >= ?1 THEN 0 ELSE failed_logins + 1 END, "
      "updated_at_ms = ?2 WHERE id = ?4 RETURNING locked_until_ms");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(std::int64_t{max_failures}, now_ms, lock_ms, id); !s) {
    return std::move(s).error();
  }
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return store::MakeError(store::StoreErrc::kNotFound, "no such officer");
  const bool locked = st->Int(0) > now_ms;
  if (auto s = st->Reset(); !s) return std::move(s).error();
  return locked;
}

Status OfficerRepository::UpdateOne(std::string_view sql, std::string_view id,
                                    std::string_view value, std::int64_t now_ms) {
  auto st = db_.Prepare(sql);
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(value, now_ms, id); !s) return s;
  if (auto s = st->Run(); !s) return s;
  if (db_.Changes() != 1) return store::MakeError(store::StoreErrc::kNotFound, "no such officer");
  return {};
}

Status OfficerRepository::RecordSuccess(std::string_view id, std::int64_t now_ms) {
  auto st = db_.Prepare(
      "UPDATE officers SET failed_logins = 0, locked_until_ms = 0, updated_at_ms = ? "
      "WHERE id = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(now_ms, id); !s) return s;
  return st->Run();
}

Status OfficerRepository::SetLanguage(std::string_view id, std::string_view language,
                                      std::int64_t now_ms) {
  if (!OneOf(language, {"en", "uk", "ru"})) {
    return MakeError(CommonErrc::kInvalidArgument, "language: en, uk or ru");
  }
  return UpdateOne("UPDATE officers SET language = ?, updated_at_ms = ? WHERE id = ?", id, language,
                   now_ms);
}

Status OfficerRepository::SetPassword(std::string_view id, std::string_view hash,
                                      std::int64_t now_ms) {
  if (hash.rfind("scrypt$", 0) != 0) {
    return MakeError(CommonErrc::kInvalidArgument, "the password must be hashed (HashPassword)");
  }
  return UpdateOne(
      "UPDATE officers SET password = ?, failed_logins = 0, locked_until_ms = 0, "
      "updated_at_ms = ? WHERE id = ?",
      id, hash, now_ms);
}

Status OfficerRepository::SetDisabled(std::string_view id, bool disabled, std::int64_t now_ms) {
  return UpdateOne(
      "UPDATE officers SET disabled = ?, failed_logins = 0, locked_until_ms = 0, "
      "updated_at_ms = ? WHERE id = ?",
      id, disabled ? "1" : "0", now_ms);
}

namespace {
store::Blob AsBlob(const common::Digest256& d) {
  return store::Blob{std::span(d.data(), d.size())};
}
}  // namespace

Status SessionRepository::Create(const common::Digest256& token_sha256, std::string_view officer_id,
                                 std::int64_t now_ms, std::int64_t expires_at_ms) {
  auto st = db_.Prepare(
      "INSERT INTO console_sessions (token_sha256, officer_id, created_at_ms, last_seen_ms, "
      "expires_at_ms) VALUES (?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(AsBlob(token_sha256), officer_id, now_ms, now_ms, expires_at_ms); !s) {
    return s;
  }
  return st->Run();
}

Expected<std::optional<StoredSession>> SessionRepository::Find(
    const common::Digest256& token_sha256) {
  auto st = db_.Prepare(
      "SELECT o.id, o.name, o.agency, o.role, o.language, '', o.disabled, o.failed_logins, "
      "o.locked_until_ms, s.created_at_ms, s.last_seen_ms, s.expires_at_ms "
      "FROM console_sessions s JOIN officers o ON o.id = s.officer_id "
      "WHERE s.token_sha256 = ? AND o.disabled = 0");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, AsBlob(token_sha256)); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<StoredSession>();
  StoredSession out{Row(*st), st->Int(9), st->Int(10), st->Int(11)};
  return std::optional<StoredSession>(std::move(out));
}

Status SessionRepository::ByToken(std::string_view sql, const common::Digest256& token_sha256,
                                  std::optional<std::int64_t> now_ms) {
  auto st = db_.Prepare(sql);
  if (!st) return std::move(st).error();
  int i = 0;
  if (now_ms) {
    if (auto s = st->Bind(++i, *now_ms); !s) return s;
  }
  if (auto s = st->Bind(++i, AsBlob(token_sha256)); !s) return s;
  return st->Run();
}

Status SessionRepository::Touch(const common::Digest256& token_sha256, std::int64_t now_ms) {
  return ByToken(
      "UPDATE console_sessions SET last_seen_ms = max(last_seen_ms, ?) "
      "WHERE token_sha256 = ?",
      token_sha256, now_ms);
}

Status SessionRepository::Remove(const common::Digest256& token_sha256) {
  return ByToken("DELETE FROM console_sessions WHERE token_sha256 = ?", token_sha256, std::nullopt);
}

Expected<std::int64_t> SessionRepository::Prune(std::int64_t now_ms, std::int64_t idle_ms) {
  auto st = db_.Prepare(
      "DELETE FROM console_sessions WHERE expires_at_ms <= ?1 OR last_seen_ms + ?2 < ?1");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(now_ms, idle_ms); !s) return std::move(s).error();
  if (auto s = st->Run(); !s) return std::move(s).error();
  return db_.QueryInt("SELECT count(*) FROM console_sessions");
}

}  // namespace checkpoint::console
