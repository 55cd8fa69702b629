#include "checkpoint/hq/query.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/common/text.hpp"
#include "checkpoint/hq/database.hpp"
#include "try.hpp"

namespace checkpoint::hq {

namespace {
using nlohmann::json;

// Records nest at most this deep for the summary's parser (the daemon's are far
// shallower); deeper payloads count as unreadable rather than reach the parser.
constexpr std::size_t kMaxPayloadDepth = 32;

// The payload as JSON, or a discarded value when it is not UTF-8 JSON.
json ParsePayload(std::string_view payload) {
  if (common::FirstInvalidUtf8(payload) || common::JsonNestingBeyond(payload, kMaxPayloadDepth)) {
    return json(json::value_t::discarded);
  }
  return json::parse(payload, nullptr, false);
}

// The payload's "level" when it is JSON with a string there, else ''. PostgreSQL:
// the function of HQ migration 2, which answers '' for payloads that do not parse.
std::string LevelSql(SqlDialect dialect) {
  if (dialect == SqlDialect::kPostgres) return "hq_payload_level(r.payload)";
  return "CASE WHEN json_valid(CAST(r.payload AS TEXT)) AND "
         "json_type(CAST(r.payload AS TEXT), '$.level') = 'text' "
         "THEN json_extract(CAST(r.payload AS TEXT), '$.level') ELSE '' END";
}
}  // namespace

Status AddApiToken(SqlConnection& db, std::string_view token, std::string_view name,
                   std::int64_t now_ms, std::int64_t expires_at_ms) {
  auto st = db.Prepare(
      "INSERT INTO api_tokens(token_sha256, name, created_at_ms, expires_at_ms) VALUES (?,?,?,?)");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(TokenDigest(token), name, now_ms, expires_at_ms));
  return st->Run();
}

Expected<std::optional<std::string>> CheckApiToken(SqlConnection& db, std::string_view token,
                                                   std::int64_t now_ms) {
  auto st = db.Prepare(
      "SELECT name FROM api_tokens WHERE token_sha256 = ? AND revoked = 0 AND expires_at_ms > ?");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(TokenDigest(token), now_ms));
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->Text(0));
}

Expected<std::int64_t> RevokeApiTokens(SqlConnection& db, std::string_view name) {
  auto st = db.Prepare("UPDATE api_tokens SET revoked = 1 WHERE name = ? AND revoked = 0");
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, name));
  CP_TRY(st->Run());
  return static_cast<std::int64_t>(db.Changes());
}

Expected<std::map<std::string, std::string>> ParseQueryString(std::string_view q) {
  std::map<std::string, std::string> out;
  if (q.size() > 4096) return MakeError(CommonErrc::kInvalidArgument, "query string too long");
  auto decode = [](std::string_view in) -> std::optional<std::string> {
    std::string s;
    for (std::size_t i = 0; i < in.size(); ++i) {
      char c = in[i];
      if (c == '+') {
        c = ' ';
      } else if (c == '%') {
        if (i + 2 >= in.size()) return std::nullopt;
        auto hex = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
      s += c;
    }
    return s;
  };
  std::size_t pos = 0;
  while (pos < q.size()) {
    const std::size_t amp = std::min(q.find('&', pos), q.size());
    const std::string_view item = q.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    auto key = decode(item.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
    if (!key || !value) {
      return MakeError(CommonErrc::kInvalidArgument,
                       "bad escape or control character in the query");
    }
    if (!out.emplace(std::move(*key), std::move(*value)).second) {
      return MakeError(CommonErrc::kInvalidArgument, "a query parameter appears twice");
    }
  }
  return out;
}

std::string RecordCursor::Encode() const {
  return std::to_string(time_ms) + ":" + std::to_string(seq) + ":" + device;
}

std::optional<RecordCursor> RecordCursor::Decode(std::string_view text) {
  RecordCursor c;
  const auto a = text.find(':');
  if (a == std::string_view::npos) return std::nullopt;
  const auto b = text.find(':', a + 1);
  if (b == std::string_view::npos || b + 1 >= text.size()) return std::nullopt;
  auto number = [](std::string_view s, std::int64_t& out) {
    const auto v = common::ParseDecimal(s, 0, std::numeric_limits<std::int64_t>::max());
    if (v) out = *v;
    return v.has_value();
  };
  if (!number(text.substr(0, a), c.time_ms) || !number(text.substr(a + 1, b - a - 1), c.seq)) {
    return std::nullopt;
  }
  c.device = std::string(text.substr(b + 1));
  return c;
}

// A parameter that may be NULL is first read as CAST(? AS type) IS NULL: PostgreSQL
// must know its type there, and to SQLite the cast changes nothing.
Expected<RecordPage> QueryRecords(SqlConnection& db, const RecordFilter& f,
                                  const std::optional<RecordCursor>& after, std::size_t limit) {
  const std::string level = LevelSql(db.dialect());
  const std::string sql =
      std::string(
          "SELECT r.device_id, coalesce(d.site, ''), r.seq, r.lane, r.record_type, "
          "r.record_uuid, r.device_time_ms, r.received_at_ms, ") +
      level +
      ", r.payload FROM records r LEFT JOIN devices d ON d.device_id = r.device_id "
      "WHERE (CAST(?1 AS TEXT) IS NULL OR r.device_id = ?1) "
      "AND (CAST(?2 AS TEXT) IS NULL OR d.site = ?2) "
      "AND (CAST(?3 AS TEXT) IS NULL OR r.record_type = ?3) "
      "AND (CAST(?4 AS BIGINT) IS NULL OR r.lane = ?4) "
      "AND (CAST(?5 AS BIGINT) IS NULL OR r.device_time_ms >= ?5) "
      "AND (CAST(?6 AS BIGINT) IS NULL OR r.device_time_ms < ?6) "
      "AND (CAST(?7 AS BIGINT) IS NULL OR (r.device_time_ms, r.device_id, r.seq) > (?7, ?8, ?9)) "
      "AND (CAST(?10 AS TEXT) IS NULL OR " +
      level +
      " = ?10) "
      "ORDER BY r.device_time_ms, r.device_id, r.seq LIMIT ?11";
  auto st = db.Prepare(sql);
  if (!st) return std::move(st).error();
  CP_TRY(st->Bind(1, f.device));
  CP_TRY(st->Bind(2, f.site));
  CP_TRY(st->Bind(3, f.type));
  CP_TRY(st->Bind(4, f.lane ? std::optional<std::int64_t>(*f.lane) : std::nullopt));
  CP_TRY(st->Bind(5, f.from_ms));
  CP_TRY(st->Bind(6, f.to_ms));
  CP_TRY(st->Bind(7, after ? std::optional(after->time_ms) : std::nullopt));
  CP_TRY(st->Bind(8, after ? std::optional(after->device) : std::nullopt));
  CP_TRY(st->Bind(9, after ? std::optional(after->seq) : std::nullopt));
  CP_TRY(st->Bind(10, f.level));
  // One more than asked, to know whether another page follows.
  CP_TRY(st->Bind(11, static_cast<std::int64_t>(limit) + 1));
  RecordPage page;
  while (true) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    if (page.rows.size() == limit) {
      const RecordRow& last = page.rows.back();
      page.next = RecordCursor{last.device_time_ms, last.device_id, last.seq};
      break;
    }
    RecordRow r;
    r.device_id = st->Text(0);
    r.site = st->Text(1);
    r.seq = st->Int(2);
    r.lane = static_cast<int>(st->Int(3));
    r.type = st->Text(4);
    r.uuid = st->Text(5);
    r.device_time_ms = st->Int(6);
    r.received_at_ms = st->Int(7);
    r.level = st->Text(8);
    r.payload = st->BlobColumn(9);
    page.rows.push_back(std::move(r));
  }
  return page;
}

Expected<Summary> Summarise(SqlConnection& db, std::optional<std::int64_t> from_ms,
                            std::optional<std::int64_t> to_ms,
                            const std::optional<std::string>& site) {
  auto st = db.Prepare(
      "SELECT coalesce(d.site, ''), r.device_id, r.record_type, r.payload FROM records r "
      "LEFT JOIN devices d ON d.device_id = r.device_id "
      "WHERE (CAST(?1 AS BIGINT) IS NULL OR r.device_time_ms >= ?1) "
      "AND (CAST(?2 AS BIGINT) IS NULL OR r.device_time_ms < ?2) "
      "AND (CAST(?3 AS TEXT) IS NULL OR d.site = ?3)");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(from_ms, to_ms, site));
  Summary s;
  std::map<std::string, std::set<std::string>> devices;
  while (true) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    ++s.records;
    const std::string where = st->Text(0);
    SiteSummary& out = s.sites[where];
    devices[where].insert(st->Text(1));
    const std::string type = st->Text(2);
    if (type == "telemetry") {
      ++out.telemetry;
      continue;
    }
    const json p = ParsePayload(st->BlobColumn(3));
    if (!p.is_object()) {
      ++out.unreadable;
      continue;
    }
    auto text = [&](const char* key) {
      auto it = p.find(key);
      return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (type == "decision" || text("kind") == "decision") {
      ++out.decisions;
      const std::string d = text("decision");
      ++out.decided[d.empty() ? "unknown" : d];
      continue;
    }
    const std::string level = text("level");
    if (level.empty()) continue;  // neither an inspection nor a decision
    ++out.inspections;
    ++out.levels[level];
    // Traveller: {"persons": [...], "documents": [...]}; vehicle: [...].
    std::vector<const json*> hits;
    if (auto w = p.find("watchlist"); w != p.end()) {
      auto take = [&](const json& list) {
        if (!list.is_array()) return;
        for (const json& h : list) {
          if (h.is_object()) hits.push_back(&h);
        }
      };
      if (w->is_array()) take(*w);
      if (w->is_object()) {
        for (const char* k : {"persons", "documents"}) {
          if (auto l = w->find(k); l != w->end()) take(*l);
        }
      }
    }
    if (hits.empty()) continue;
    ++out.inspections_with_hits;
    out.hits += static_cast<std::int64_t>(hits.size());
    std::set<std::string> agencies;
    for (const json* h : hits) {
      auto a = h->find("agency");
      std::string agency = a != h->end() && a->is_string() && !a->get<std::string>().empty()
                               ? a->get<std::string>()
                               : "unknown";
      ++s.agencies[where][agency].hits;
      agencies.insert(std::move(agency));
    }
    for (const std::string& a : agencies) {
      AgencySummary& as = s.agencies[where][a];
      ++as.inspections_with_hits;
      if (level == "alert") ++as.alerts;
    }
  }
  for (auto& [where, set] : devices) {
    s.sites[where].devices = static_cast<std::int64_t>(set.size());
  }
  return s;
}

Expected<std::string> FlagsJson(SqlConnection& db, const std::optional<std::string>& device,
                                std::int64_t after_id, std::size_t limit) {
  auto st = db.Prepare(
      "SELECT id, device_id, seq, kind, detail, at_ms FROM flags "
      "WHERE (CAST(?1 AS TEXT) IS NULL OR device_id = ?1) AND id > ?2 ORDER BY id LIMIT ?3");
  if (!st) return std::move(st).error();
  CP_TRY(st->BindAll(device, after_id, static_cast<std::int64_t>(limit) + 1));
  json flags = json::array();
  json next = nullptr;
  while (true) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    if (flags.size() == limit) {
      next = flags.back()["id"];
      break;
    }
    flags.push_back({{"id", st->Int(0)},
                     {"device", st->Text(1)},
                     {"seq", st->Int(2)},
                     {"kind", st->Text(3)},
                     {"detail", st->Text(4)},
                     {"at_ms", st->Int(5)}});
  }
  return json{{"flags", std::move(flags)}, {"next", std::move(next)}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

namespace {

std::string CsvCell(std::string_view v) {
  std::string out;
  if (!v.empty() &&
      (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    out += '\'';
  }
  out += v;
  if (out.find_first_of(",\"\r\n") == std::string::npos) return out;
  std::string quoted = "\"";
  for (char c : out) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

// Payload text for humans: itself when it is UTF-8, else "base64:" and its base64.
std::string PayloadText(const std::string& payload) {
  if (!common::FirstInvalidUtf8(payload)) return payload;
  return "base64:" + common::Base64Encode(payload);
}

}  // namespace

std::string RecordsCsv(const std::vector<RecordRow>& rows, bool header) {
  std::string out;
  if (header) {
    out += "device,site,seq,lane,type,uuid,device_time_ms,received_at_ms,level,payload\r\n";
  }
  for (const RecordRow& r : rows) {
    out += CsvCell(r.device_id) + ',' + CsvCell(r.site) + ',' + std::to_string(r.seq) + ',' +
           std::to_string(r.lane) + ',' + CsvCell(r.type) + ',' + CsvCell(r.uuid) + ',' +
           std::to_string(r.device_time_ms) + ',' + std::to_string(r.received_at_ms) + ',' +
           CsvCell(r.level) + ',' + CsvCell(PayloadText(r.payload)) + "\r\n";
  }
  return out;
}

std::string RecordsJson(const RecordPage& page) {
  json records = json::array();
  for (const RecordRow& r : page.rows) {
    json j{{"device", r.device_id},
           {"site", r.site},
           {"seq", r.seq},
           {"lane", r.lane},
           {"type", r.type},
           {"uuid", r.uuid},
           {"device_time_ms", r.device_time_ms},
           {"received_at_ms", r.received_at_ms},
           {"level", r.level}};
    json p = ParsePayload(r.payload);
    if (p.is_discarded()) {
      j["payload_b64"] = common::Base64Encode(r.payload);
    } else {
      j["payload"] = std::move(p);
    }
    records.push_back(std::move(j));
  }
  json out{{"records", std::move(records)},
           {"next", page.next ? json(page.next->Encode()) : json(nullptr)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string SummaryJson(const Summary& s, std::optional<std::int64_t> from_ms,
                        std::optional<std::int64_t> to_ms) {
  json sites = json::array();
  for (const auto& [where, v] : s.sites) {
    json agencies = json::array();
    if (auto it = s.agencies.find(where); it != s.agencies.end()) {
      for (const auto& [agency, a] : it->second) {
        agencies.push_back({{"agency", agency},
                            {"hits", a.hits},
                            {"inspections_with_hits", a.inspections_with_hits},
                            {"alerts", a.alerts}});
      }
    }
    sites.push_back({{"site", where},
                     {"devices", v.devices},
                     {"inspections", v.inspections},
                     {"levels", v.levels},
                     {"inspections_with_hits", v.inspections_with_hits},
                     {"hits", v.hits},
                     {"decisions", v.decisions},
                     {"decided", v.decided},
                     {"telemetry", v.telemetry},
                     {"unreadable", v.unreadable},
                     {"agencies", std::move(agencies)}});
  }
  json out{{"from_ms", from_ms ? json(*from_ms) : json(nullptr)},
           {"to_ms", to_ms ? json(*to_ms) : json(nullptr)},
           {"records", s.records},
           {"sites", std::move(sites)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace checkpoint::hq
