#pragma once
// Filesystem operations with the durability and permission rules of the appliance.

#include <filesystem>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::common {

// Creates `dir` (and missing parents, 0755) and makes `dir` itself mode 0700, owned
// by the calling user. An existing directory with looser permissions is tightened;
// one owned by another user, or a path that is not a directory, is an error.
// Returns whether the mode had to be tightened via `tightened` (may be null).
Status EnsurePrivateDirectory(const std::filesystem::path& dir, bool* tightened = nullptr);

// Writes `content` to `path` atomically and durably: a temporary file in the same
// directory with `mode`, fsync, rename over `path`, fsync of the directory. A crash
// leaves either the old or the new file, never a torn one.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                       unsigned mode = 0600);

// Reads a whole file; refuses files larger than `max_bytes`.
Expected<std::string> ReadFile(const std::filesystem::path& path,
                               std::size_t max_bytes = 16u << 20);

}  // namespace checkpoint::common
