#pragma once
// The journal of device readings and faults as the HAL delivered them: the raw
// evidence behind every inspection (what the reader read, what the scale weighed),
// kept under the data directory with the rest of the personal data.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

struct DeviceEventRow {
  std::int64_t id = 0;
  std::string device_id;
  std::string device_class;
  std::string booth;
  std::int64_t ts_ms = 0;
  std::string kind;  // "mrz", "chip", "plate", "container", "weight", "radiation", "seal", "fault"
  std::optional<double> quality;
  std::string payload_json;
};

class DeviceEventLog {
 public:
  explicit DeviceEventLog(Connection& db) : db_(db) {}

  // Appends in one transaction (the caller's, if open). Returns the row ids.
  Expected<std::vector<std::int64_t>> Append(const std::vector<DeviceEventRow>& rows);
  // Oldest first, ids greater than `after_id`, at most `limit`.
  Expected<std::vector<DeviceEventRow>> After(std::int64_t after_id, int limit);
  Expected<std::int64_t> Count();

 private:
  Connection& db_;
};

}  // namespace checkpoint::store
