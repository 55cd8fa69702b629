#pragma once
// Filesystem operations with the durability and permission rules of the appliance.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::common {

// Creates `dir` (and missing parents, 0755) and makes `dir` itself mode 0700, owned
// by the calling user. An existing directory with looser permissions is tightened;
// one owned by another user, or a path that is not a directory, is an error.
// Returns whether the mode had to be tightened via `tightened` (may be null).
Status EnsurePrivateDirectory(const std::filesystem::path& dir, bool* tightened = nullptr);

// Who may use a directory besides its owner (ADR 0012). Private (0700) is the
// default; a packaged install shares the data directory between checkpointd and
// checkpoint-sync, which run as different users with one effective group. No setgid
// bit: the services run with RestrictSUIDSGID=yes, and what they create belongs to
// their effective group anyway (SharedGroup).
struct DirectoryAccess {
  unsigned mode = 0700;        // exactly one of 0700, 0750 (group reads), 0770 (group writes)
  std::optional<gid_t> group;  // required for the group modes, absent for 0700
};

// As EnsurePrivateDirectory, with `access`: `dir` is created with access.mode and
// group, must be owned by the calling user, and an existing one gets exactly that
// mode and group (`corrected` tells whether it had to be changed). Fails closed: a
// mode not listed above, a group mode without a group, or a group this process is
// not a member of is an error, and nothing is ever granted to others.
Status EnsureDirectory(const std::filesystem::path& dir, const DirectoryAccess& access,
                       bool* corrected = nullptr);

// The id of group `name`, which must be this process's effective group: then every
// file and directory it creates belongs to the group that the other service shares
// (a supplementary group would not do that without setgid directories).
Expected<gid_t> SharedGroup(std::string_view name);

// Writes `content` to `path` atomically and durably: a temporary file in the same
// directory with `mode`, fsync, rename over `path`, fsync of the directory. A crash
// leaves either the old or the new file, never a torn one.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                       unsigned mode = 0600);

// Reads a whole file; refuses files larger than `max_bytes`.
Expected<std::string> ReadFile(const std::filesystem::path& path,
                               std::size_t max_bytes = 16u << 20);

}  // namespace checkpoint::common
