#pragma once
// The append-only audit chain. Entry n stores SHA-256 over (hash of entry n-1, n,
// its time, actor, action, subject, details), each field length-prefixed; entry 1
// chains from 32 zero bytes. audit_head keeps the id and hash of the last entry,
// updated in the same transaction as each append, so that cutting entries off the
// end is detected too. Triggers refuse UPDATE and DELETE on audit_log.
//
// What this detects: any edited, inserted, reordered or removed entry, anywhere.
// What it cannot: someone with write access who rewrites the chain from the edited
// entry onward, head included (there is no secret in the chain). Anchoring the head
// at HQ through the signed uplink closes that gap (issue 6).

#include <cstdint>
#include <string>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

struct AuditEvent {
  std::int64_t ts_ms = 0;
  std::string actor;    // "checkpointd", "officer:<id>", "technician:<id>"
  std::string action;   // "inspection.recorded", "daemon.started", ...
  std::string subject;  // what it is about: a record uuid, a device id (never PII)
  std::string details_json = "{}";
};

struct AuditEntry {
  std::int64_t id = 0;
  AuditEvent event;
  common::Digest256 prev_hash{};
  common::Digest256 hash{};
};

struct AuditVerification {
  bool ok = false;
  std::int64_t entries = 0;       // entries checked
  std::int64_t first_bad_id = 0;  // 0 when ok
  std::string problem;            // empty when ok
};

class AuditChain {
 public:
  explicit AuditChain(Connection& db) : db_(db) {}

  // Appends in the caller's transaction if one is open, otherwise in its own.
  Expected<AuditEntry> Append(const AuditEvent& event);
  // Walks the whole chain. A broken chain is a result (ok=false), not an Error;
  // an Error means the chain could not be read.
  Expected<AuditVerification> Verify();
  Expected<std::int64_t> Count();

  static common::Digest256 ComputeHash(const common::Digest256& prev, std::int64_t id,
                                       const AuditEvent& e);

 private:
  Connection& db_;
};

}  // namespace checkpoint::store
