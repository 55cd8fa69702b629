#include "checkpoint/store/device_events.hpp"

#include "checkpoint/store/store.hpp"

namespace checkpoint::store {

Expected<std::vector<std::int64_t>> DeviceEventLog::Append(
    const std::vector<DeviceEventRow>& rows) {
  return InTransaction(db_, [&]() -> Expected<std::vector<std::int64_t>> {
    auto st = db_.Prepare(
        "INSERT INTO device_events(device_id, class, booth, ts_ms, kind, quality, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st) return std::move(st).error();
    std::vector<std::int64_t> ids;
    ids.reserve(rows.size());
    for (const auto& r : rows) {
      if (auto s = st->Reset(); !s) return std::move(s).error();
      if (auto s = st->BindAll(r.device_id, r.device_class, r.booth, r.ts_ms, r.kind, r.quality,
                               r.payload_json);
          !s) {
        return std::move(s).error();
      }
      if (auto s = st->Run(); !s) return std::move(s).error().WithContext("device event");
      ids.push_back(db_.LastInsertRowid());
    }
    return ids;
  });
}

Expected<std::vector<DeviceEventRow>> DeviceEventLog::After(std::int64_t after_id, int limit) {
  auto st = db_.Prepare(
      "SELECT id, device_id, class, booth, ts_ms, kind, quality, payload FROM device_events "
      "WHERE id > ? ORDER BY id LIMIT ?");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(after_id, limit); !s) return std::move(s).error();
  std::vector<DeviceEventRow> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    DeviceEventRow r;
    r.id = st->Int(0);
    r.device_id = st->Text(1);
    r.device_class = st->Text(2);
    r.booth = st->Text(3);
    r.ts_ms = st->Int(4);
    r.kind = st->Text(5);
    if (!st->IsNull(6)) r.quality = st->Double(6);
    r.payload_json = st->Text(7);
    out.push_back(std::move(r));
  }
  return out;
}

Expected<std::int64_t> DeviceEventLog::Count() {
  return db_.QueryInt("SELECT count(*) FROM device_events");
}

}  // namespace checkpoint::store
