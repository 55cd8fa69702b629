#include "checkpoint/common/fs.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/common/fd.hpp"

namespace checkpoint::common {

namespace fs = std::filesystem;

Status EnsurePrivateDirectory(const fs::path& dir, bool* tightened) {
  return EnsureDirectory(dir, DirectoryAccess{}, tightened);
}

namespace {
bool IsMember(gid_t gid) {
  if (::getegid() == gid) return true;
  const int n = ::getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  const int got = ::getgroups(n, groups.data());
  for (int i = 0; i < got; ++i) {
    if (groups[static_cast<std::size_t>(i)] == gid) return true;
  }
  return false;
}
}  // namespace

Expected<gid_t> SharedGroup(std::string_view name) {
  const std::string n(name);
  struct group gr {};
  struct group* found = nullptr;
  std::vector<char> buf(16384);
  int rc = ::getgrnam_r(n.c_str(), &gr, buf.data(), buf.size(), &found);
  while (rc == ERANGE && buf.size() < (1u << 20)) {
    buf.resize(buf.size() * 4);
    rc = ::getgrnam_r(n.c_str(), &gr, buf.data(), buf.size(), &found);
  }
  if (rc != 0) return ErrnoError("cannot look up group " + n, rc);
  if (!found) return MakeError(CommonErrc::kNotFound, "no group named " + n);
  if (found->gr_gid != ::getegid()) {
    return MakeError(CommonErrc::kPermission,
                     "group " + n + " (gid " + std::to_string(found->gr_gid) +
                         ") is not this process's effective group (gid " +
                         std::to_string(::getegid()) + "); run it with Group=" + n +
                         " or runuser -g " + n);
  }
  return found->gr_gid;
}

Status EnsureDirectory(const fs::path& dir, const DirectoryAccess& access, bool* corrected) {
  if (corrected) *corrected = false;
  const bool group_mode = access.mode == 0750 || access.mode == 0770;
  if (!(access.mode == 0700 || group_mode) || group_mode != access.group.has_value()) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "directory access for " + dir.string() +
                         " must be 0700 without a group, or 0750/0770 with one");
  }
  if (access.group && !IsMember(*access.group)) {
    return MakeError(CommonErrc::kPermission, "cannot share " + dir.string() + " with gid " +
                                                  std::to_string(*access.group) +
                                                  ": this process is not a member");
  }
  std::error_code ec;
  if (dir.has_parent_path() && !dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) {
      return MakeError(
          ec == std::errc::permission_denied ? CommonErrc::kPermission : CommonErrc::kIo,
          "cannot create " + dir.parent_path().string() + ": " + ec.message());
    }
  }
  // Created with no access for the group yet: the group and mode are set below.
  const bool created = ::mkdir(dir.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) {
    return ErrnoError("cannot create data directory " + dir.string(), errno);
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return ErrnoError("cannot stat " + dir.string(), errno);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(CommonErrc::kInvalidArgument, dir.string() + " exists and is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    return MakeError(CommonErrc::kPermission,
                     dir.string() + " is owned by uid " + std::to_string(st.st_uid) +
                         ", not by this process (uid " + std::to_string(::geteuid()) + ")");
  }
  if (access.group && st.st_gid != *access.group) {
    // The mode is set after the group: until then the group has no access.
    if (::chmod(dir.c_str(), 0700) != 0) return ErrnoError("cannot chmod " + dir.string(), errno);
    if (::chown(dir.c_str(), static_cast<uid_t>(-1), *access.group) != 0) {
      return ErrnoError("cannot give " + dir.string() + " to its group", errno);
    }
    st.st_mode = (st.st_mode & ~07777u) | 0700u;
    if (corrected && !created) *corrected = true;
  }
  if ((st.st_mode & 07777) != access.mode) {
    if (::chmod(dir.c_str(), access.mode) != 0) {
      return ErrnoError("cannot chmod " + dir.string(), errno);
    }
    if (corrected && !created) *corrected = true;
  }
  return {};
}

namespace {
Status WriteAll(int fd, std::string_view content, const std::string& what) {
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write " + what, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}
}  // namespace

Status WriteFileAtomic(const fs::path& path, std::string_view content, unsigned mode) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::random_device rd;
  fs::path tmp = dir / ("." + path.filename().string() + ".tmp" + std::to_string(rd()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("cannot create " + tmp.string(), errno);
  Status st = WriteAll(fd, content, tmp.string());
  if (st && ::fchmod(fd, mode) != 0) st = ErrnoError("cannot chmod " + tmp.string(), errno);
  if (st && ::fsync(fd) != 0) st = ErrnoError("cannot fsync " + tmp.string(), errno);
  if (::close(fd) != 0 && st) st = ErrnoError("cannot close " + tmp.string(), errno);
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = ErrnoError("cannot rename onto " + path.string(), errno);
  }
  if (!st) {
    ::unlink(tmp.c_str());
    return st;
  }
  return FsyncDirectory(dir);
}

Status FsyncDirectory(const fs::path& dir) {
  const UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return ErrnoError("cannot open directory " + dir.string(), errno);
  if (::fsync(dfd.get()) != 0) return ErrnoError("cannot fsync directory " + dir.string(), errno);
  return {};
}

Expected<std::string> ReadFile(const fs::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open " + path.string(), errno);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoError("cannot read " + path.string(), err);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return MakeError(CommonErrc::kLimitExceeded,
                       path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace checkpoint::common
