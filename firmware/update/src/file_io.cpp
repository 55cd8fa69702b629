#include "file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <string>

#include "checkpoint/update/errors.hpp"

namespace checkpoint::update::detail {

Status ReadExactly(int fd, std::uint64_t offset, char* out, std::size_t n) {
  for (std::size_t got = 0; got < n;) {
    const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return ErrnoError("cannot read the update image", errno);
    if (r == 0) return MakeError(UpdateErrc::kBadImage, "the update image changed while read");
    got += static_cast<std::size_t>(r);
  }
  return {};
}

Status StreamChecked(int fd, const PayloadFile& f,
                     const std::function<Status(std::string_view)>& sink) {
  std::string buf(1u << 16, '\0');
  common::Sha256 sha;
  for (std::uint64_t done = 0; done < f.size;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), f.size - done));
    if (auto s = ReadExactly(fd, f.offset + done, buf.data(), n); !s) return s;
    const std::string_view chunk(buf.data(), n);
    sha.Update(chunk);
    if (auto s = sink(chunk); !s) return s;
    done += n;
  }
  if (sha.Final() != f.sha256) {
    return MakeError(UpdateErrc::kBadImage, "file " + f.name + " does not match its SHA-256");
  }
  return {};
}

}  // namespace checkpoint::update::detail
