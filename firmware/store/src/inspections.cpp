#include "checkpoint/store/inspections.hpp"

namespace checkpoint::store {

namespace {
constexpr const char* kColumns = "record_uuid, kind, booth, created_at_ms, level, payload";

InspectionRecord ReadRow(const Statement& st) {
  return InspectionRecord{st.Text(0), st.Text(1), st.Text(2), st.Int(3), st.Text(4), st.Text(5)};
}
}  // namespace

Expected<std::int64_t> InspectionRepository::Insert(const InspectionRecord& r) {
  auto st = db_.Prepare(std::string("INSERT INTO inspections(") + kColumns +
                        ") VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return std::move(st).error();
  if (auto s = st->BindAll(r.uuid, r.kind, r.booth, r.created_at_ms, r.level, r.payload_json); !s) {
    return std::move(s).error();
  }
  if (auto s = st->Run(); !s) return std::move(s).error().WithContext("cannot insert inspection");
  return db_.LastInsertRowid();
}

Expected<std::optional<InspectionRecord>> InspectionRepository::FindByUuid(
    const std::string& uuid) {
  auto st =
      db_.Prepare(std::string("SELECT ") + kColumns + " FROM inspections WHERE record_uuid = ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, uuid); !s) return std::move(s).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<InspectionRecord>();
  return std::optional<InspectionRecord>(ReadRow(*st));
}

Expected<std::int64_t> InspectionRepository::Count() {
  return db_.QueryInt("SELECT count(*) FROM inspections");
}

Expected<std::vector<InspectionRecord>> InspectionRepository::Recent(int limit) {
  auto st =
      db_.Prepare(std::string("SELECT ") + kColumns + " FROM inspections ORDER BY id DESC LIMIT ?");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, limit); !s) return std::move(s).error();
  std::vector<InspectionRecord> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(ReadRow(*st));
  }
  return out;
}

}  // namespace checkpoint::store
