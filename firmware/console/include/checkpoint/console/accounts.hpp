#pragma once
// Officer accounts of the console, kept in the store (migration 6, table officers):
// who may log in, their agency and role, their language, and the lockout state.
// Passwords are hashed with scrypt (OpenSSL's EVP_PBE_scrypt), a salt of their own
// and the parameters stored with the hash, so that the work factor can be raised
// later without invalidating older hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::console {

inline constexpr std::string_view kRoles[] = {"officer", "supervisor", "technician"};
inline constexpr std::string_view kLanguages[] = {"en", "uk", "ru"};
inline constexpr std::size_t kMinPasswordBytes = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

struct KdfParams {
  int log2_n = 15;  // N = 32768: 32 MiB and about 0.1 s a hash on the box
  int r = 8;
  int p = 1;
};

// "scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>". kInvalidArgument for a
// password outside kMinPasswordBytes..kMaxPasswordBytes.
Expected<std::string> HashPassword(std::string_view password, const KdfParams& params = {});
// Constant-time comparison; false for a malformed or unsupported encoding.
bool VerifyPassword(std::string_view password, std::string_view encoded);

struct Officer {
  std::string id;  // [A-Za-z0-9_.-]{1,64}, as DecisionInput::officer_id
  std::string name;
  std::string agency;  // border_guard | customs | police
  std::string role = "officer";
  std::string language = "en";
  bool disabled = false;
  std::int64_t failed_logins = 0;
  std::int64_t locked_until_ms = 0;
  std::string password_hash;
};

bool IsOfficerId(std::string_view id) noexcept;

// Borrowing view over a Connection, like the store's repositories.
class OfficerRepository {
 public:
  explicit OfficerRepository(store::Connection& db) : db_(db) {}

  // kInvalidArgument for a bad id, agency, role or language; StoreErrc::kConstraint
  // when the id exists.
  Status Add(const Officer& o, std::int64_t now_ms);
  Expected<std::optional<Officer>> Find(std::string_view id);
  Expected<std::vector<Officer>> List();
  // Counts a failed login; at `max_failures` in a row the account is locked until
  // now + lock_ms and the count starts again. Returns true when this locked it.
  Expected<bool> RecordFailure(std::string_view id, std::int64_t now_ms, int max_failures,
                               std::int64_t lock_ms);
  Status RecordSuccess(std::string_view id, std::int64_t now_ms);
  // These three return StoreErrc::kNotFound for an unknown id.
  Status SetLanguage(std::string_view id, std::string_view language, std::int64_t now_ms);
  Status SetPassword(std::string_view id, std::string_view hash, std::int64_t now_ms);
  // Disabling also clears the lockout; enabling gives a fresh start.
  Status SetDisabled(std::string_view id, bool disabled, std::int64_t now_ms);

 private:
  Status UpdateOne(std::string_view sql, std::string_view id, std::string_view value,
                   std::int64_t now_ms);
  store::Connection& db_;
};

// Officer sessions of the console, kept in the store (migration 7, table
// console_sessions) so that a restart of checkpointd does not log officers out. Only
// the SHA-256 of a session's token is kept: the store's file does not hold the key
// to any session. The session's CSRF token is derived from the token (App), so it is
// not stored either. Disabling an officer or changing their password deletes their
// sessions (a trigger of migration 7, whichever process changed the account).
struct StoredSession {
  Officer officer;  // password_hash left empty
  std::int64_t created_at_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::int64_t expires_at_ms = 0;  // absolute end
};

class SessionRepository {
 public:
  explicit SessionRepository(store::Connection& db) : db_(db) {}

  Status Create(const common::Digest256& token_sha256, std::string_view officer_id,
                std::int64_t now_ms, std::int64_t expires_at_ms);
  // The session and its officer; nullopt when there is none or the officer is
  // disabled. Expiry is the caller's to judge (its idle timeout is configuration).
  Expected<std::optional<StoredSession>> Find(const common::Digest256& token_sha256);
  Status Touch(const common::Digest256& token_sha256, std::int64_t now_ms);
  Status Remove(const common::Digest256& token_sha256);
  // Deletes the sessions past their end or idle for longer than idle_ms; returns how
  // many sessions remain.
  Expected<std::int64_t> Prune(std::int64_t now_ms, std::int64_t idle_ms);

 private:
  Status ByToken(std::string_view sql, const common::Digest256& token_sha256,
                 std::optional<std::int64_t> now_ms);
  store::Connection& db_;
};

}  // namespace checkpoint::console
