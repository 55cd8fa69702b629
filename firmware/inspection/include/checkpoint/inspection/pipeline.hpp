#pragma once
// The common half of the inspection pipeline: what an inspector hands over
// (Pending: decoded, correlated and screened, not yet scored) and how it becomes a
// record (Assess: the rule bundle's verdict, the store's level string, the outbox
// lane, the audit entry). Pure: no I/O, no clock; the history goes through the
// HistoryProvider passed in. Flows, windows and the payload schema:
// docs/inspection.md; the choices: docs/adr/0008-inspection-pipeline.md.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/risk/facts.hpp"
#include "checkpoint/risk/rules.hpp"
#include "checkpoint/store/audit.hpp"
#include "checkpoint/store/inspections.hpp"
#include "checkpoint/store/outbox.hpp"

namespace checkpoint::inspection {

// Payload schema version (docs/inspection.md).
inline constexpr int kPayloadSchema = 1;

struct Pending {
  std::string uuid;                // the record's id (common::NewUuid())
  std::string kind;                // "traveller" or "vehicle"
  std::string booth;               // booth or lane id
  std::int64_t created_at_ms = 0;  // wall time of the first reading of the inspection
  risk::Facts facts;
  // The payload without "level" and "assessment" (added by Assess). Holds personal
  // data: it is the record. Never log it.
  nlohmann::json body = nlohmann::json::object();
  // Traveller inspections: the document number to count as a crossing
  // (traveller_history), when the MRZ gave one.
  std::optional<std::string> crossing_document;
  // Wall-clock time spent decoding, verifying and screening, microseconds (measured
  // with the steady clock; for the log and the benchmark).
  std::int64_t cpu_us = 0;
};

// The one mapping from the rules' levels to the store's level strings:
// clear → "clear", secondary → "refer" (refer to secondary inspection), alert → "alert".
std::string_view StoreLevel(risk::Level level) noexcept;
// Alerts go to the priority lane; everything else to the records lane.
store::Lane LaneFor(risk::Level level) noexcept;

struct Outcome {
  store::InspectionRecord record;
  store::AuditEvent audit;  // no personal data: ids, kind, booth, level, rule ids
  store::Lane lane = store::Lane::kRecords;
  risk::Assessment assessment;
};

// Evaluates `bundle` on the pending facts at the inspection's own time and builds
// the record. Without a bundle (none loaded) the inspection is referred, with a
// warning saying why: an unscored inspection must not pass as clear.
Outcome Assess(const Pending& pending, const risk::CompiledBundle* bundle,
               risk::HistoryProvider& history);

// The facts present, as a JSON object {dotted name: value} (for the payload).
nlohmann::json FactsJson(const risk::Facts& facts);

}  // namespace checkpoint::inspection
