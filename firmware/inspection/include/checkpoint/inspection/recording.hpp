#pragma once
// Recording inspections and officer decisions in the store. Everything here runs on
// the store's thread (the daemon's store worker): it does SQLite I/O.
//
// AssessAndRecord evaluates the rules and writes in ONE transaction: the history
// counts the rules ask for, the inspection, its audit entry, its outbox entry and
// its traveller_history row. So two quick reads of one document count n and n + 1,
// never n twice, and a crash leaves all of it or none.

#include <cstdint>
#include <memory>
#include <string>

#include "checkpoint/common/error.hpp"
#include "checkpoint/inspection/pipeline.hpp"
#include "checkpoint/risk/rules.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::inspection {

// The rules' history over the store (traveller_history, migration 5): crossings and
// refusals keyed by document.number. Other keys are not kept: Count returns
// kInvalidArgument, which the rules report as a warning.
class StoreHistory final : public risk::HistoryProvider {
 public:
  explicit StoreHistory(store::Store& store) : store_(store) {}
  Expected<std::int64_t> Count(const risk::HistoryQuery& q) override;

 private:
  store::Store& store_;
};

struct Recorded {
  Outcome outcome;
  store::StoredRecord stored;
};

// `bundle` may be null (no bundle loaded: the inspection is referred, see Assess).
Expected<Recorded> AssessAndRecord(store::Store& store, const Pending& pending,
                                   const risk::CompiledBundle* bundle);

// An officer's decision on an inspection.
struct DecisionInput {
  std::string inspection_uuid;
  std::string officer_id;  // [A-Za-z0-9_.-]{1,64}
  std::string decision;    // one of kDecisions
  std::string note;        // free text, <= 2000 bytes; may hold personal data (never logged)
  std::int64_t at_ms = 0;  // wall time of the decision
  // A code of the console's reason catalogue (IsReasonCode), or "" for none. Which
  // codes exist, and which decisions need one, is the console's (docs/console.md).
  std::string reason;
};

// [a-z0-9_]{1,32}.
bool IsReasonCode(std::string_view code) noexcept;

// "admit", "refer", "refuse" (travellers); "release", "hold" (vehicles and cargo).
inline constexpr std::string_view kDecisions[] = {"admit", "refer", "refuse", "release", "hold"};

struct DecisionRecorded {
  store::InspectionRecord record;  // kind "decision", level "info"
  store::StoredRecord stored;
};

// Writes the decision as a record of kind "decision" linked to the inspection (its
// uuid in the payload and the audit entry), in the priority lane, with its audit
// entry (actor "officer:<id>"), in one transaction. A refusal of a traveller also
// counts as a refusal in traveller_history. The reason code, when given, is in the
// payload (`reason`) and the audit details. Errors: kInvalidArgument for a bad
// officer id, decision, reason code or note; StoreErrc::kNotFound when there is no such inspection
// (or it is itself a decision).
Expected<DecisionRecorded> RecordDecision(store::Store& store, const DecisionInput& input);

}  // namespace checkpoint::inspection
