#pragma once
// Splits a byte stream into lines with a bounded buffer. Shared by the line-based
// serial protocols (MRZ readers, ASCII weighbridges, seal readers).
//
// CR, LF and CR LF each end one line; ETX (0x03) ends a line too and is flagged,
// since some readers end a document with it. Empty lines are returned: protocols
// give them meaning (an MRZ document ends with a blank line). A line longer than
// `max_line` bytes yields one FrameError{"overlong"} and everything up to its
// terminator is dropped, so a device that never sends a terminator costs at most
// `max_line` bytes of memory.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::protocols {

struct Line {
  std::string text;  // without the terminator
  bool etx = false;  // ended by ETX rather than CR/LF
  bool operator==(const Line&) const = default;
};

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  void Feed(std::string_view bytes, std::vector<Decoded<Line>>& out);
  // Drops a partial line (e.g. after a disconnect); returns its length so that the
  // caller can report a truncated frame.
  std::size_t Reset();
  std::size_t buffered() const noexcept { return buf_.size(); }

 private:
  std::size_t max_line_;
  std::string buf_;
  bool overflowed_ = false;  // dropping the rest of an overlong line
  bool after_cr_ = false;    // swallow the LF of a CR LF pair
};

}  // namespace checkpoint::hal::protocols
