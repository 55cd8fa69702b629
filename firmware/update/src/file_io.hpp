#pragma once
// Reading an update image's files by range, shared by verification and the slot
// writer: both stream a file's bytes and check them against its SHA-256.

#include <cstdint>
#include <functional>
#include <string_view>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/fd.hpp"
#include "checkpoint/update/image.hpp"

namespace checkpoint::update::detail {

// An open file descriptor, closed on destruction.
using Fd = common::UniqueFd;

// Exactly `n` bytes at `offset` into `out`; end of file first is kBadImage (the
// image is shorter than it was when its size was taken).
Status ReadExactly(int fd, std::uint64_t offset, char* out, std::size_t n);

// Passes file `f`'s bytes of the image open as `fd` to `sink` in chunks of 64 KiB,
// then fails unless they match f's SHA-256.
Status StreamChecked(int fd, const PayloadFile& f,
                     const std::function<Status(std::string_view)>& sink);

}  // namespace checkpoint::update::detail
