#include "checkpoint/store/faults.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/errors.hpp"

namespace checkpoint::store {

std::string_view FaultName(Fault f) noexcept {
  switch (f) {
    case Fault::kNone:
      return "none";
    case Fault::kReadOnly:
      return "read-only";
    case Fault::kCorrupt:
      return "corrupt";
    case Fault::kIo:
      return "I/O error";
  }
  return "unknown";
}

Fault FaultOf(const Error& e) noexcept {
  if (e.Is(StoreErrc::kReadOnly)) return Fault::kReadOnly;
  if (e.Is(StoreErrc::kCorrupt)) return Fault::kCorrupt;
  if (e.Is(StoreErrc::kIo) || e.Is(StoreErrc::kOpen)) return Fault::kIo;
  return Fault::kNone;
}

Status ProbeWritable(const std::filesystem::path& dir) {
  const auto probe = dir / (".write-probe." + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    return {};
  }
  const int err = errno;
  if (err == EACCES || err == EPERM || err == ENOENT) return {};
  const std::string why = std::error_code(err, std::generic_category()).message();
  return MakeError(err == EROFS ? StoreErrc::kReadOnly : StoreErrc::kIo,
                   "cannot create a file in " + dir.string() + ": " + why);
}

Status WriteFaultNote(const std::filesystem::path& data_dir, std::string_view text) {
  return common::WriteFileAtomic(data_dir / kFaultNoteName, std::string(text) + "\n", 0600);
}

std::optional<std::string> ReadFaultNote(const std::filesystem::path& data_dir) {
  auto text = common::ReadFile(data_dir / kFaultNoteName, 4096);
  if (!text) return std::nullopt;
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return std::move(*text);
}

void RemoveFaultNote(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::remove(data_dir / kFaultNoteName, ec);
}

}  // namespace checkpoint::store
