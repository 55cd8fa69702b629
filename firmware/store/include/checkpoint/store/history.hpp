#pragma once
// Traveller history (migration 5): one row per recorded traveller inspection
// ("crossing") and per refusal decision ("refusal"), keyed by document number, so
// that the risk rules' history counts ("8 crossings with this document in 30 days")
// are one indexed range query. Rows are written in the transaction of the record
// they stem from and hold nothing the record does not.
//
// Thread-safety: a view on one Connection; use from that connection's thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

enum class HistoryEvent { kCrossing, kRefusal };
// "crossing", "refusal".
std::string_view HistoryEventName(HistoryEvent e) noexcept;

class TravellerHistory {
 public:
  explicit TravellerHistory(Connection& db) : db_(db) {}

  // In the caller's transaction if one is open.
  Status Add(HistoryEvent kind, std::string_view document_number, std::int64_t ts_ms,
             std::string_view record_uuid);
  // Rows of `kind` for this document number with ts in [since_ms, until_ms].
  Expected<std::int64_t> Count(HistoryEvent kind, std::string_view document_number,
                               std::int64_t since_ms, std::int64_t until_ms);
  // The document number of the crossing recorded by inspection `record_uuid`.
  Expected<std::optional<std::string>> DocumentOf(std::string_view record_uuid);

 private:
  Connection& db_;
};

}  // namespace checkpoint::store
