#include "checkpoint/store/audit.hpp"

#include <algorithm>

#include "checkpoint/store/store.hpp"

namespace checkpoint::store {

namespace {
Blob AsBlob(const common::Digest256& d) {
  return Blob{std::span<const std::uint8_t>(d)};
}

bool ToDigest(const std::string& bytes, common::Digest256& out) {
  if (bytes.size() != out.size()) return false;
  std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(out.data()));
  return true;
}
}  // namespace

common::Digest256 AuditChain::ComputeHash(const common::Digest256& prev, std::int64_t id,
                                          const AuditEvent& e) {
  common::Sha256 h;
  h.Update(std::string_view("checkpoint-audit-v1"));
  h.Update(std::span<const std::uint8_t>(prev));
  h.UpdateU64(static_cast<std::uint64_t>(id));
  h.UpdateU64(static_cast<std::uint64_t>(e.ts_ms));
  h.UpdateField(e.actor).UpdateField(e.action).UpdateField(e.subject).UpdateField(e.details_json);
  return h.Final();
}

Expected<AuditEntry> AuditChain::Append(const AuditEvent& event) {
  return InTransaction(db_, [&]() -> Expected<AuditEntry> {
    AuditEntry entry;
    entry.event = event;
    {
      auto head = db_.Prepare("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1");
      if (!head) return std::move(head).error();
      auto row = head->Step();
      if (!row) return std::move(row).error();
      if (*row) {
        entry.id = head->Int(0) + 1;
        if (!ToDigest(head->BlobColumn(1), entry.prev_hash)) {
          return MakeError(StoreErrc::kTampered, "audit_head holds a malformed hash");
        }
      } else {
        entry.id = 1;
        entry.prev_hash.fill(0);
      }
    }
    entry.hash = ComputeHash(entry.prev_hash, entry.id, event);
    auto ins = db_.Prepare(
        "INSERT INTO audit_log(id, ts_ms, actor, action, subject, details, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return std::move(ins).error();
    if (auto s = ins->BindAll(entry.id, event.ts_ms, event.actor, event.action, event.subject,
                              event.details_json, AsBlob(entry.prev_hash), AsBlob(entry.hash));
        !s) {
      return std::move(s).error();
    }
    if (auto s = ins->Run(); !s) return std::move(s).error().WithContext("cannot append audit");
    auto up = db_.Prepare(
        "INSERT INTO audit_head(singleton, last_id, last_hash) VALUES (1, ?, ?) "
        "ON CONFLICT(singleton) DO UPDATE SET last_id = excluded.last_id, "
        "last_hash = excluded.last_hash");
    if (!up) return std::move(up).error();
    if (auto s = up->BindAll(entry.id, AsBlob(entry.hash)); !s) return std::move(s).error();
    if (auto s = up->Run(); !s) return std::move(s).error();
    return entry;
  });
}

Expected<AuditVerification> AuditChain::Verify() {
  // A read transaction gives one consistent snapshot of log and head.
  auto tx = Transaction::Begin(db_, Transaction::Mode::kDeferred);
  if (!tx) return std::move(tx).error();
  AuditVerification v;
  auto fail = [&](std::int64_t id, std::string why) {
    v.ok = false;
    v.first_bad_id = id;
    v.problem = std::move(why);
    return v;
  };
  auto st = db_.Prepare(
      "SELECT id, ts_ms, actor, action, subject, details, prev_hash, hash FROM audit_log "
      "ORDER BY id");
  if (!st) return std::move(st).error();
  common::Digest256 running{};
  std::int64_t expected_id = 1;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    const std::int64_t id = st->Int(0);
    AuditEvent e{st->Int(1), st->Text(2), st->Text(3), st->Text(4), st->Text(5)};
    common::Digest256 prev{}, hash{};
    if (!ToDigest(st->BlobColumn(6), prev) || !ToDigest(st->BlobColumn(7), hash)) {
      return fail(id, "entry " + std::to_string(id) + " has a malformed hash");
    }
    if (id != expected_id) {
      return fail(id, id > expected_id ? "entries " + std::to_string(expected_id) + ".." +
                                             std::to_string(id - 1) + " are missing"
                                       : "entry " + std::to_string(id) + " is out of order");
    }
    if (prev != running) {
      return fail(id, "entry " + std::to_string(id) +
                          " does not chain to the entry before it (inserted, removed or "
                          "rewritten entries)");
    }
    if (ComputeHash(prev, id, e) != hash) {
      return fail(id, "entry " + std::to_string(id) + " was modified (hash mismatch)");
    }
    running = hash;
    ++expected_id;
    ++v.entries;
  }
  auto head = db_.Prepare("SELECT last_id, last_hash FROM audit_head WHERE singleton = 1");
  if (!head) return std::move(head).error();
  auto row = head->Step();
  if (!row) return std::move(row).error();
  const std::int64_t last_id = expected_id - 1;
  if (!*row) {
    if (last_id != 0) return fail(last_id, "audit_head is missing");
  } else {
    common::Digest256 head_hash{};
    if (head->Int(0) != last_id || !ToDigest(head->BlobColumn(1), head_hash) ||
        head_hash != running) {
      return fail(last_id + 1, "the chain ends at entry " + std::to_string(last_id) +
                                   " but the head records entry " + std::to_string(head->Int(0)) +
                                   " (entries removed from or added to the end)");
    }
  }
  v.ok = true;
  return v;
}

Expected<std::int64_t> AuditChain::Count() {
  return db_.QueryInt("SELECT count(*) FROM audit_log");
}

}  // namespace checkpoint::store
