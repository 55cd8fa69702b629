#include "checkpoint/store/history.hpp"

namespace checkpoint::store {

std::string_view HistoryEventName(HistoryEvent e) noexcept {
  return e == HistoryEvent::kCrossing ? "crossing" : "refusal";
}

Status TravellerHistory::Add(HistoryEvent kind, std::string_view document_number,
                             std::int64_t ts_ms, std::string_view record_uuid) {
  auto st = db_.Prepare(
      "INSERT INTO traveller_history(kind, document_number, ts_ms, record_uuid) "
      "VALUES (?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(HistoryEventName(kind), document_number, ts_ms, record_uuid); !s) {
    return s;
  }
  return st->Run();
}

Expected<std::int64_t> TravellerHistory::Count(HistoryEvent kind, std::string_view document_number,
                                               std::int64_t since_ms, std::int64_t until_ms) {
  auto st = db_.Prepare(
      "SELECT count(*) FROM traveller_history "
      "WHERE kind = ? AND document_number = ? AND ts_ms BETWEEN ? AND ?");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(HistoryEventName(kind), document_number, since_ms, until_ms); !s) {
    return std::move(s).error();
  }
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::int64_t{0};
  return st->Int(0);
}

Expected<std::optional<std::string>> TravellerHistory::DocumentOf(std::string_view record_uuid) {
  auto st = db_.Prepare(
      "SELECT document_number FROM traveller_history "
      "WHERE record_uuid = ? AND kind = 'crossing' LIMIT 1");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, record_uuid); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

}  // namespace checkpoint::store
