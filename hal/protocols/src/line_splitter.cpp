#include "checkpoint/hal/protocols/line_splitter.hpp"

namespace checkpoint::hal::protocols {

void LineSplitter::Feed(std::string_view bytes, std::vector<Decoded<Line>>& out) {
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n' || c == '\x03') {
      after_cr_ = c == '\r';
      if (overflowed_) {
        overflowed_ = false;  // the overlong line was reported when it overflowed
      } else {
        out.emplace_back(Line{std::move(buf_), c == '\x03'});
      }
      buf_.clear();
      continue;
    }
    if (overflowed_) continue;
    if (buf_.size() >= max_line_) {
      out.emplace_back(FrameError{"overlong", "line longer than " + std::to_string(max_line_) +
                                                  " bytes; dropped up to its end"});
      overflowed_ = true;
      buf_.clear();
      continue;
    }
    buf_.push_back(c);
  }
}

std::size_t LineSplitter::Reset() {
  std::size_t n = buf_.size();
  buf_.clear();
  overflowed_ = false;
  after_cr_ = false;
  return n;
}

}  // namespace checkpoint::hal::protocols
