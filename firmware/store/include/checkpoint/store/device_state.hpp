#pragma once
// Small key/value state of the device (versions, heartbeats, cursors).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

class DeviceState {
 public:
  explicit DeviceState(Connection& db) : db_(db) {}

  Expected<std::optional<std::string>> Get(std::string_view key);
  Status Set(std::string_view key, std::string_view value, std::int64_t now_ms);
  Status Remove(std::string_view key);
  Expected<std::map<std::string, std::string>> All();

 private:
  Connection& db_;
};

}  // namespace checkpoint::store
