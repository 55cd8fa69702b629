#pragma once
// Store faults that need a technician (docs/technician.md, "Storage faults"; ADR
// 0016): the data directory's file system refuses writes (mounted read-only, or
// remounted read-only by the kernel after a disk error), or the database file is
// corrupt. Busy and disk full are not faults here: the first passes by itself, the
// second is the disk policy's (disk.hpp).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::store {

enum class Fault { kNone, kReadOnly, kCorrupt, kIo };
// "none", "read-only", "corrupt", "I/O error".
std::string_view FaultName(Fault f) noexcept;

// The fault a store error shows; kNone for errors that are not one (busy, full,
// constraint, misuse, not found, a migration refused).
Fault FaultOf(const Error& e) noexcept;

// Whether a file can be created in `dir` now (a probe file, created and removed).
// StoreErrc::kReadOnly when the file system is read-only (EROFS), kIo when it
// refuses with another error of its own (EIO: an ext4 file system stopped after an
// error). A permission refusal (EACCES, EPERM: the caller is not the directory's
// owner or group) tells nothing about the file system: it is reported as ok.
Status ProbeWritable(const std::filesystem::path& dir);

// The daemon's note that the database is corrupt, a file in the data directory
// (it cannot record that in the database itself): `checkpointctl status` reports
// it. The daemon writes it when it finds the database corrupt, removes it when it
// opens one that passes quick_check. One line of text, no personal data.
inline constexpr std::string_view kFaultNoteName = "store-fault.txt";
Status WriteFaultNote(const std::filesystem::path& data_dir, std::string_view text);
std::optional<std::string> ReadFaultNote(const std::filesystem::path& data_dir);
void RemoveFaultNote(const std::filesystem::path& data_dir);

}  // namespace checkpoint::store
