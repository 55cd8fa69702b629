#include "checkpoint/inspection/pipeline.hpp"

namespace checkpoint::inspection {

using nlohmann::json;

std::string_view StoreLevel(risk::Level level) noexcept {
  switch (level) {
    case risk::Level::kClear:
      return "clear";
    case risk::Level::kSecondary:
      return "refer";
    case risk::Level::kAlert:
      return "alert";
  }
  return "refer";
}

store::Lane LaneFor(risk::Level level) noexcept {
  return level == risk::Level::kAlert ? store::Lane::kPriority : store::Lane::kRecords;
}

json FactsJson(const risk::Facts& facts) {
  json out = json::object();
  for (const auto& info : risk::Catalogue()) {
    const auto& v = facts.Get(info.field);
    if (const auto* d = std::get_if<double>(&v)) {
      out[std::string(info.name)] = *d;
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      out[std::string(info.name)] = *s;
    } else if (const auto* b = std::get_if<bool>(&v)) {
      out[std::string(info.name)] = *b;
    } else if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
      out[std::string(info.name)] = *l;
    }
  }
  return out;
}

namespace {

json AssessmentJson(const risk::Assessment& a, bool scored) {
  json reasons = json::array();
  for (const auto& r : a.reasons) {
    json evidence = json::array();
    for (const auto& e : r.evidence) evidence.push_back({{"field", e.field}, {"value", e.value}});
    reasons.push_back({{"rule", r.rule_id},
                       {"description", r.description},
                       {"category", r.category},
                       {"weight", r.weight},
                       {"level", risk::LevelName(r.forced)},
                       {"evidence", std::move(evidence)}});
  }
  return {{"scored", scored},
          {"level", risk::LevelName(a.level)},
          {"score", a.score},
          {"bundleVersion", a.bundle_version},
          {"reasons", std::move(reasons)},
          {"warnings", a.warnings}};
}

}  // namespace

Outcome Assess(const Pending& pending, const risk::CompiledBundle* bundle,
               risk::HistoryProvider& history) {
  Outcome out;
  if (bundle) {
    out.assessment = bundle->Evaluate(pending.facts, history, pending.created_at_ms);
  } else {
    out.assessment.level = risk::Level::kSecondary;
    out.assessment.warnings.push_back("no rule bundle loaded: not scored, referred");
  }
  const risk::Level level = out.assessment.level;
  json payload = pending.body;
  payload["schema"] = kPayloadSchema;
  payload["kind"] = pending.kind;
  payload["booth"] = pending.booth;
  payload["createdAtMs"] = pending.created_at_ms;
  payload["level"] = StoreLevel(level);
  payload["facts"] = FactsJson(pending.facts);
  payload["assessment"] = AssessmentJson(out.assessment, bundle != nullptr);

  out.record = store::InspectionRecord{
      pending.uuid, pending.kind, pending.booth, pending.created_at_ms,
      std::string(StoreLevel(level)),
      // Replacement keeps a hostile byte from a reading from making the row unstorable.
      payload.dump(-1, ' ', false, json::error_handler_t::replace)};
  out.lane = LaneFor(level);

  json rules = json::array();
  for (const auto& r : out.assessment.reasons) rules.push_back(r.rule_id);
  json details{{"kind", pending.kind},
               {"booth", pending.booth},
               {"level", StoreLevel(level)},
               {"score", out.assessment.score},
               {"bundleVersion", out.assessment.bundle_version},
               {"rules", std::move(rules)}};
  out.audit = store::AuditEvent{pending.created_at_ms, "checkpointd", "inspection.recorded",
                                pending.uuid, details.dump()};
  return out;
}

}  // namespace checkpoint::inspection
