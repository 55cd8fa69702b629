#include "checkpoint/store/device_state.hpp"

namespace checkpoint::store {

Expected<std::optional<std::string>> DeviceState::Get(std::string_view key) {
  auto st = db_.Prepare("SELECT value FROM device_state WHERE key = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, key); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Status DeviceState::Set(std::string_view key, std::string_view value, std::int64_t now_ms) {
  auto st = db_.Prepare(
      "INSERT INTO device_state(key, value, updated_at_ms) VALUES (?, ?, ?) "
      "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
      "updated_at_ms = excluded.updated_at_ms");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(key, value, now_ms); !s) return s;
  return st->Run();
}

Status DeviceState::Remove(std::string_view key) {
  auto st = db_.Prepare("DELETE FROM device_state WHERE key = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, key); !s) return s;
  return st->Run();
}

Expected<std::map<std::string, std::string>> DeviceState::All() {
  auto st = db_.Prepare("SELECT key, value FROM device_state ORDER BY key");
  if (!st) return std::move(st).error();
  std::map<std::string, std::string> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.emplace(st->Text(0), st->Text(1));
  }
  return out;
}

}  // namespace checkpoint::store
