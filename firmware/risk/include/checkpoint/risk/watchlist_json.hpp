#pragma once
// Watchlists as JSON lines (docs/technician.md, "watchlist files"): one entry per
// line, parsed into the record types of watchlist.hpp.
//
//   {"id": "P-1", "kind": "person", "names": ["Иван Петров", "Ivan Petrov"],
//    "birthDate": "1970-03", "nationality": "RUS", "sex": "M",
//    "agency": "police", "reason": "...", "action": "refer",
//    "validFrom": "2024-01-01", "validUntil": "2026-01-01T00:00:00Z"}
//   {"id": "D-1", "kind": "document", "number": "L898902C3", "issuingState": "UTO",
//    "type": "P"}
//   {"id": "V-1", "kind": "vehicle", "plate": "AB 123 CD", "country": "FR"}
//   {"id": "C-1", "kind": "container", "code": "CSQU3054383"}
// A delta file adds {"op": "remove", "id": "P-1"} and {"op": "upsert", ...entry}
// (a line without "op" is an upsert).
//
// Ids are unique across kinds (a removal names an id, not a kind); a file that holds
// one id twice is refused, naming both lines.
//
// Errors (CommonErrc::kParse) name the line and the field and never echo names,
// dates or other personal data; ids, which are not personal data, may be echoed:
//   line 17: "birthDate" must be YYYY, YYYY-MM or YYYY-MM-DD
//
// Pure: no I/O (bytes come from a caller's read function), no clock, no global
// state; safe to call from any thread. Work and memory per line are bounded by
// kMaxWatchlistLine.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "checkpoint/common/error.hpp"
#include "checkpoint/risk/watchlist.hpp"

namespace checkpoint::risk {

// A line longer than this is refused unread (an entry with 32 names of 512 bytes
// and every optional field fits in well under half of it).
inline constexpr std::size_t kMaxWatchlistLine = 64 * 1024;
inline constexpr std::size_t kMaxNamesPerPerson = 32;
// Ids: 1-128 printable ASCII characters (0x21-0x7E), since errors echo them.
inline constexpr std::size_t kMaxWatchlistId = 128;
// agency, reason, action, type, number, plate, country, code.
inline constexpr std::size_t kMaxWatchlistField = 1024;

enum class WatchlistKind { kPerson, kDocument, kVehicle, kContainer };
// "person", "document", "vehicle", "container".
std::string_view KindName(WatchlistKind kind);

// One line of a list or a delta.
struct WatchlistEntry {
  bool remove = false;  // a delta's {"op": "remove", "id"}: only id is set
  std::string id;
  // The record for an upsert (its id equals `id`); std::monostate for a removal.
  std::variant<std::monostate, PersonRecord, DocumentRecord, VehicleRecord, ContainerRecord> record;
  WatchlistKind kind() const;  // precondition: !remove
};

struct WatchlistParseOptions {
  bool delta = false;  // accept {"op": "remove"}; a full list refuses it
};

// Parses one line (without its terminator). line_number only goes into errors.
Expected<WatchlistEntry> ParseWatchlistLine(std::string_view line, std::size_t line_number,
                                            const WatchlistParseOptions& options = {});

// The canonical JSON line of an entry (no newline): keys sorted, optional fields
// only when set, dates as YYYY[-MM[-DD]], validity as RFC 3339 UTC. Parsing it gives
// the entry back; the store keeps entries in this form.
std::string CanonicalJson(const WatchlistEntry& entry);

// Reads up to buffer.size() bytes into buffer: the number read, 0 at the end, or an
// Error (passed through, with the line reached as context).
using WatchlistReadFn = std::function<Expected<std::size_t>(std::span<char> buffer)>;

struct WatchlistProgress {
  std::uint64_t bytes = 0;  // read so far
  std::size_t lines = 0;    // read so far, blank ones included
  std::size_t entries = 0;  // parsed so far (upserts and removals)
  std::size_t upserts = 0, removals = 0;
};
// Called every few thousand entries and at the end; returning false cancels the
// parse (an Error CommonErrc::kCancelled).
using WatchlistProgressFn = std::function<bool(const WatchlistProgress&)>;

// Called for every entry, in file order, with its line number. An Error stops the
// parse and is returned with the line as context.
using WatchlistSinkFn = std::function<Status(WatchlistEntry&& entry, std::size_t line_number)>;

// Streams a whole file: never holds more than one line of its text. Blank lines are
// skipped, "\r\n" ends a line as "\n" does, a UTF-8 byte order mark opening the file
// is skipped. Stops at the first error, which names its line: the caller must treat
// entries already passed to `sink` as provisional (the store writes them inside a
// transaction it rolls back). A full list with no entry at all is refused (an empty
// file is a truncated download far more often than an intended "list nothing").
Expected<WatchlistProgress> ParseWatchlistStream(const WatchlistReadFn& read,
                                                 const WatchlistParseOptions& options,
                                                 const WatchlistSinkFn& sink,
                                                 const WatchlistProgressFn& progress = nullptr);

// The whole file into memory as records, all or nothing.
Expected<WatchlistData> ParseWatchlist(const WatchlistReadFn& read,
                                       const WatchlistProgressFn& progress = nullptr);
Expected<WatchlistDelta> ParseWatchlistDelta(const WatchlistReadFn& read,
                                             const WatchlistProgressFn& progress = nullptr);

// A read function over text held in memory (tests, small lists).
WatchlistReadFn ReadFromString(std::string_view text);

// Moves an upsert's record into data (by kind).
void AddTo(WatchlistData& data, WatchlistEntry&& entry);

}  // namespace checkpoint::risk
