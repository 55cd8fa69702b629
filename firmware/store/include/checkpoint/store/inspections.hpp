#pragma once
// Inspection records: what was read, screened and scored at a booth or lane.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

struct InspectionRecord {
  std::string uuid;   // globally unique record id (common::NewUuid())
  std::string kind;   // "traveller", "vehicle", "cargo", "decision", ...
  std::string booth;  // booth or lane id from the config
  std::int64_t created_at_ms = 0;
  std::string level;         // "clear", "refer", "alert", "info"
  std::string payload_json;  // the record body; must be valid JSON
};

// Borrowing view over a Connection; cheap to construct.
class InspectionRepository {
 public:
  explicit InspectionRepository(Connection& db) : db_(db) {}

  // Inserts in the caller's transaction if one is open. Returns the row id.
  Expected<std::int64_t> Insert(const InspectionRecord& r);
  Expected<std::optional<InspectionRecord>> FindByUuid(const std::string& uuid);
  Expected<std::int64_t> Count();
  // Newest first.
  Expected<std::vector<InspectionRecord>> Recent(int limit);

 private:
  Connection& db_;
};

}  // namespace checkpoint::store
