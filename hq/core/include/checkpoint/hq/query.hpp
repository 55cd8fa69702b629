#pragma once
// HQ's query and export side (docs/protocol.md, "Query and export"): API tokens for
// HQ's own people and systems, records by device, crossing point, type, lane, level
// and device time with keyset pagination, CSV export, and a summary per crossing
// point and per listing agency. Free functions over HQ's database connection;
// HqService serialises them with the rest.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/hq/sql.hpp"

namespace checkpoint::hq {

// API tokens: only SHA-256(token) is stored; the token is shown once.
Status AddApiToken(SqlConnection& db, std::string_view token, std::string_view name,
                   std::int64_t now_ms, std::int64_t expires_at_ms);
// The token's name when it is known, unexpired and not revoked.
Expected<std::optional<std::string>> CheckApiToken(SqlConnection& db, std::string_view token,
                                                   std::int64_t now_ms);
// Revokes every token of that name; returns how many.
Expected<std::int64_t> RevokeApiTokens(SqlConnection& db, std::string_view name);

// A URL query string, key=value&... with %XX and '+' decoded. Refuses duplicate
// keys, bad escapes, control characters (decoded or not) and anything over 4 KiB
// (CommonErrc::kInvalidArgument, saying what is wrong).
Expected<std::map<std::string, std::string>> ParseQueryString(std::string_view query);

struct RecordFilter {
  std::optional<std::string> device, site, type, level;
  std::optional<int> lane;
  std::optional<std::int64_t> from_ms, to_ms;  // device time, from inclusive, to exclusive
};

// Where a page ended: records come in (device time, device, seq) order.
struct RecordCursor {
  std::int64_t time_ms = 0;
  std::string device;
  std::int64_t seq = 0;
  std::string Encode() const;  // "time:seq:device"
  static std::optional<RecordCursor> Decode(std::string_view text);
};

struct RecordRow {
  std::string device_id, site;
  std::int64_t seq = 0;
  int lane = 0;
  std::string type, uuid;
  std::int64_t device_time_ms = 0, received_at_ms = 0;
  std::string level;    // the payload's "level" when it is JSON with one, else ""
  std::string payload;  // as received
};

struct RecordPage {
  std::vector<RecordRow> rows;
  std::optional<RecordCursor> next;  // set when more rows may follow
};

Expected<RecordPage> QueryRecords(SqlConnection& db, const RecordFilter& filter,
                                  const std::optional<RecordCursor>& after, std::size_t limit);

struct SiteSummary {
  std::int64_t inspections = 0;
  std::map<std::string, std::int64_t> levels;   // clear, refer, alert, ...
  std::int64_t inspections_with_hits = 0;       // at least one watchlist hit
  std::int64_t hits = 0;                        // watchlist hits, all agencies
  std::int64_t decisions = 0;                   // officers' decisions
  std::map<std::string, std::int64_t> decided;  // admit, refer, refuse, ...
  std::int64_t telemetry = 0;                   // telemetry records
  std::int64_t unreadable = 0;                  // records whose payload is not JSON
  std::int64_t devices = 0;                     // devices that sent records
};

struct AgencySummary {
  std::int64_t hits = 0;                   // watchlist hits on this agency's lists
  std::int64_t inspections_with_hits = 0;  // inspections with at least one of them
  std::int64_t alerts = 0;                 // of those, the ones that were alerts
};

struct Summary {
  std::map<std::string, SiteSummary> sites;  // by crossing point ("" when unassigned)
  // By crossing point, then by the agency that listed the hit ("unknown" when the
  // list did not say).
  std::map<std::string, std::map<std::string, AgencySummary>> agencies;
  std::int64_t records = 0;
};

// Over the records whose device time is in [from_ms, to_ms) (unbounded when unset),
// of one crossing point when `site` is set.
Expected<Summary> Summarise(SqlConnection& db, std::optional<std::int64_t> from_ms,
                            std::optional<std::int64_t> to_ms,
                            const std::optional<std::string>& site);

// Flags HQ raised (tampering, chain breaks, conflicts, invalid records), oldest first,
// of one device or all, after flag id `after_id`, at most `limit`. JSON:
// {"flags":[{"id","device","seq","kind","detail","at_ms"}], "next": id or null}.
Expected<std::string> FlagsJson(SqlConnection& db, const std::optional<std::string>& device,
                                std::int64_t after_id, std::size_t limit);

// RFC 4180 CSV of rows (header first). Cells that a spreadsheet would run as a
// formula (starting with = + - @, tab or carriage return) are prefixed with '.
std::string RecordsCsv(const std::vector<RecordRow>& rows, bool header);
// JSON of a page: {"records":[...], "next": cursor or null}.
std::string RecordsJson(const RecordPage& page);
std::string SummaryJson(const Summary& s, std::optional<std::int64_t> from_ms,
                        std::optional<std::int64_t> to_ms);

}  // namespace checkpoint::hq
