#include "checkpoint/common/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>

namespace checkpoint::common {

namespace fs = std::filesystem;

Status EnsurePrivateDirectory(const fs::path& dir, bool* tightened) {
  if (tightened) *tightened = false;
  std::error_code ec;
  if (dir.has_parent_path() && !dir.parent_path().empty()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) {
      return MakeError(
          ec == std::errc::permission_denied ? CommonErrc::kPermission : CommonErrc::kIo,
          "cannot create " + dir.parent_path().string() + ": " + ec.message());
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
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
  if ((st.st_mode & 07777) != 0700) {
    if (::chmod(dir.c_str(), 0700) != 0) return ErrnoError("cannot chmod " + dir.string(), errno);
    if (tightened) *tightened = true;
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
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoError("cannot open directory " + dir.string(), errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) return ErrnoError("cannot fsync directory " + dir.string(), err);
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
