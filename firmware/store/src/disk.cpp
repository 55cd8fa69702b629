#include "checkpoint/store/disk.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "checkpoint/store/errors.hpp"

namespace checkpoint::store {

std::string_view DiskLevelName(DiskLevel level) noexcept {
  switch (level) {
    case DiskLevel::kOk:
      return "ok";
    case DiskLevel::kLow:
      return "low";
    case DiskLevel::kCritical:
      return "critical";
  }
  return "unknown";
}

Expected<std::uint64_t> FreeBytes(const std::filesystem::path& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) {
    return MakeError(StoreErrc::kIo,
                     "cannot read free space of " + path.string() + ": " + std::strerror(errno));
  }
  return static_cast<std::uint64_t>(s.f_bavail) * static_cast<std::uint64_t>(s.f_frsize);
}

namespace {

// Allocates `bytes` for fd: fallocate where the file system has it, else zeros.
int Allocate(int fd, std::uint64_t bytes) {
  const int r = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes));
  if (r != EOPNOTSUPP && r != EINVAL) return r;
  std::vector<char> zeros(1 << 16, 0);
  for (std::uint64_t done = 0; done < bytes;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), bytes - done));
    const ssize_t w = ::write(fd, zeros.data(), n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::uint64_t>(w);
  }
  return 0;
}

}  // namespace

DiskGuard::DiskGuard(std::filesystem::path data_dir, DiskThresholds thresholds, Probe probe)
    : reserve_(data_dir / "reserve.bin"), t_(thresholds), probe_(std::move(probe)) {
  if (!probe_) {
    probe_ = [dir = std::move(data_dir)] { return FreeBytes(dir); };
  }
}

bool DiskGuard::reserve_held() const noexcept {
  std::error_code ec;
  return t_.reserve_bytes > 0 && std::filesystem::exists(reserve_, ec);
}

Status DiskGuard::TakeReserve() {
  if (t_.reserve_bytes == 0) return {};
  std::error_code ec;
  if (std::filesystem::exists(reserve_, ec) &&
      std::filesystem::file_size(reserve_, ec) == t_.reserve_bytes) {
    return {};
  }
  // Written whole under another name, then renamed: a reserve file is either
  // complete or absent.
  const std::filesystem::path tmp = reserve_.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(StoreErrc::kIo,
                     "cannot create the disk reserve: " + std::string(std::strerror(errno)));
  }
  int err = Allocate(fd, t_.reserve_bytes);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0 || ::rename(tmp.c_str(), reserve_.c_str()) != 0) {
    if (err == 0) err = errno;
    ::unlink(tmp.c_str());
    return MakeError(err == ENOSPC ? StoreErrc::kFull : StoreErrc::kIo,
                     "cannot take the disk reserve: " + std::string(std::strerror(err)));
  }
  return {};
}

bool DiskGuard::ReleaseReserve() {
  if (t_.reserve_bytes == 0) return false;
  return ::unlink(reserve_.c_str()) == 0;
}

bool DiskGuard::OnDiskFull() {
  level_ = DiskLevel::kCritical;
  return ReleaseReserve();
}

Expected<DiskLevel> DiskGuard::Check() {
  auto free = probe_();
  if (!free) return std::move(free).error();
  free_ = *free;
  if (free_ < t_.critical_bytes) {
    if (ReleaseReserve()) {
      if (auto again = probe_()) free_ = *again;
    }
  }
  level_ = free_ < t_.critical_bytes ? DiskLevel::kCritical
           : free_ < t_.low_bytes    ? DiskLevel::kLow
                                     : DiskLevel::kOk;
  if (level_ == DiskLevel::kOk && !reserve_held() && free_ >= t_.low_bytes + t_.reserve_bytes) {
    // Best effort: without the reserve the policy still holds, with less margin.
    if (TakeReserve()) {
      if (auto again = probe_()) free_ = *again;
    }
  }
  return level_;
}

}  // namespace checkpoint::store
