#include "checkpoint/inspection/recording.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checkpoint/common/random.hpp"

namespace checkpoint::inspection {

using nlohmann::json;

Expected<std::int64_t> StoreHistory::Count(const risk::HistoryQuery& q) {
  if (q.key != risk::Field::kDocumentNumber) {
    return MakeError(
        CommonErrc::kInvalidArgument,
        "history is kept by document.number only, not by " + std::string(risk::Info(q.key).name));
  }
  const auto kind = q.kind == risk::HistoryKind::kCrossings ? store::HistoryEvent::kCrossing
                                                            : store::HistoryEvent::kRefusal;
  return store_.history().Count(kind, q.value, q.since_ms, q.until_ms);
}

Expected<Recorded> AssessAndRecord(store::Store& store, const Pending& pending,
                                   const risk::CompiledBundle* bundle) {
  return store::InTransaction(store.db(), [&]() -> Expected<Recorded> {
    StoreHistory history(store);
    Recorded r{Assess(pending, bundle, history), {}};
    auto stored = store.RecordInspection(r.outcome.record, r.outcome.audit, r.outcome.lane);
    if (!stored) return std::move(stored).error();
    r.stored = *stored;
    if (pending.crossing_document) {
      if (auto s = store.history().Add(store::HistoryEvent::kCrossing, *pending.crossing_document,
                                       pending.created_at_ms, pending.uuid);
          !s) {
        return std::move(s).error().WithContext("while recording the crossing");
      }
    }
    return r;
  });
}

namespace {

bool ValidOfficerId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

bool IsReasonCode(std::string_view code) noexcept {
  return !code.empty() && code.size() <= 32 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Expected<DecisionRecorded> RecordDecision(store::Store& store, const DecisionInput& in) {
  if (!ValidOfficerId(in.officer_id)) {
    return MakeError(CommonErrc::kInvalidArgument, "officer id must be 1-64 of A-Z a-z 0-9 _ . -");
  }
  if (std::find(std::begin(kDecisions), std::end(kDecisions), in.decision) ==
      std::end(kDecisions)) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "decision must be one of admit, refer, refuse, release, hold");
  }
  if (!in.reason.empty() && !IsReasonCode(in.reason)) {
    return MakeError(CommonErrc::kInvalidArgument, "a reason code is 1-32 of a-z 0-9 _");
  }
  if (in.note.size() > 2000) {
    return MakeError(CommonErrc::kInvalidArgument, "note is longer than 2000 bytes");
  }
  return store::InTransaction(store.db(), [&]() -> Expected<DecisionRecorded> {
    auto found = store.inspections().FindByUuid(in.inspection_uuid);
    if (!found) return std::move(found).error();
    if (!*found || (*found)->kind == "decision") {
      return store::MakeError(store::StoreErrc::kNotFound, "no inspection " + in.inspection_uuid);
    }
    const store::InspectionRecord& inspected = **found;
    DecisionRecorded out;
    json payload{{"schema", kPayloadSchema},
                 {"kind", "decision"},
                 {"inspection", inspected.uuid},
                 {"inspectionKind", inspected.kind},
                 {"inspectionLevel", inspected.level},
                 {"booth", inspected.booth},
                 {"officer", in.officer_id},
                 {"decision", in.decision},
                 {"note", in.note},
                 {"decidedAtMs", in.at_ms}};
    if (!in.reason.empty()) payload["reason"] = in.reason;
    out.record =
        store::InspectionRecord{common::NewUuid(),
                                "decision",
                                inspected.booth,
                                in.at_ms,
                                "info",
                                payload.dump(-1, ' ', false, json::error_handler_t::replace)};
    json details{{"inspection", inspected.uuid},
                 {"decision", in.decision},
                 {"inspectionLevel", inspected.level}};
    if (!in.reason.empty()) details["reason"] = in.reason;
    const store::AuditEvent audit{in.at_ms, "officer:" + in.officer_id, "decision.recorded",
                                  out.record.uuid, details.dump()};
    auto stored = store.RecordInspection(out.record, audit, store::Lane::kPriority);
    if (!stored) return std::move(stored).error();
    out.stored = *stored;
    if (in.decision == "refuse" && inspected.kind == "traveller") {
      auto doc = store.history().DocumentOf(inspected.uuid);
      if (!doc) return std::move(doc).error();
      if (*doc) {
        if (auto s = store.history().Add(store::HistoryEvent::kRefusal, **doc, in.at_ms,
                                         out.record.uuid);
            !s) {
          return std::move(s).error();
        }
      }
    }
    return out;
  });
}

}  // namespace checkpoint::inspection
