#pragma once
#include <system_error>

#include "checkpoint/common/error.hpp"

namespace checkpoint::store {

enum class StoreErrc {
  kOpen = 1,     // the database file cannot be opened or created
  kBusy,         // another process held a lock for longer than the busy timeout
  kCorrupt,      // the file is not a database or is damaged
  kFull,         // the disk (or a size limit) is full
  kReadOnly,     // the file or its directory is read-only
  kConstraint,   // a uniqueness or check constraint refused the write
  kMigration,    // the schema cannot be brought to the version this firmware needs
  kTampered,     // the audit chain does not verify
  kNotFound,     // no such row
  kIo,           // other I/O failure
  kMisuse,       // API misuse (a bug)
  kInterrupted,  // a statement ran past its connection's deadline (Connection::SetDeadline)
};

const std::error_category& StoreCategory() noexcept;
std::error_condition make_error_condition(StoreErrc e) noexcept;

inline Error MakeError(StoreErrc e, std::string message) {
  return Error(make_error_condition(e), std::move(message));
}

}  // namespace checkpoint::store

template <>
struct std::is_error_condition_enum<checkpoint::store::StoreErrc> : std::true_type {};
