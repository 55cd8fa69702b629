#pragma once
// A file descriptor closed on scope exit, and the directory fsync that makes a
// rename durable: shared by the store-free writers (the agent's bundle installer, the
// updater's slots) and common's own WriteFileAtomic.
#include <unistd.h>

#include <filesystem>

#include "checkpoint/common/error.hpp"

namespace checkpoint::common {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// fsync(2) of a directory, so that a rename or a new entry in it survives a crash.
Status FsyncDirectory(const std::filesystem::path& dir);

}  // namespace checkpoint::common
