#pragma once
// Private: maps SQLite result codes to store errors. Only store sources include sqlite3.h.
#include <sqlite3.h>

#include <string>
#include <string_view>

#include "checkpoint/store/errors.hpp"

namespace checkpoint::store::detail {

inline StoreErrc FromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreErrc::kBusy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreErrc::kCorrupt;
    case SQLITE_FULL:
      return StoreErrc::kFull;
    case SQLITE_READONLY:
      return StoreErrc::kReadOnly;
    case SQLITE_CONSTRAINT:
      return StoreErrc::kConstraint;
    case SQLITE_CANTOPEN:
      return StoreErrc::kOpen;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return StoreErrc::kMisuse;
    case SQLITE_NOTFOUND:
      return StoreErrc::kNotFound;
    case SQLITE_INTERRUPT:
      return StoreErrc::kInterrupted;
    default:
      return StoreErrc::kIo;
  }
}

inline Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string m(what);
  m += ": ";
  m += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  m += " (sqlite ";
  m += std::to_string(rc);
  m += ")";
  return MakeError(FromSqlite(rc), std::move(m));
}

}  // namespace checkpoint::store::detail
