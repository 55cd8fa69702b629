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
#include <optional>
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

// A decoder for protocols of one record per line: splits with a LineSplitter and
// hands each line to `parse`, which returns a value, an error, or nothing (a line to
// ignore, e.g. empty). Input is processed in chunks so that the scratch list of
// lines stays bounded whatever one Feed() is given.
template <typename T>
class LineRecordDecoder {
 public:
  using Parse = std::optional<Decoded<T>> (*)(std::string_view line);

  LineRecordDecoder(std::size_t max_line, Parse parse) : splitter_(max_line), parse_(parse) {}

  void Feed(std::string_view bytes, std::vector<Decoded<T>>& out) {
    constexpr std::size_t kChunk = 256;
    for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
      lines_.clear();
      splitter_.Feed(bytes.substr(at, kChunk), lines_);
      for (auto& l : lines_) {
        if (auto* e = std::get_if<FrameError>(&l)) {
          out.emplace_back(std::move(*e));
        } else if (auto parsed = parse_(std::get<Line>(l).text)) {
          out.push_back(std::move(*parsed));
        }
      }
    }
    lines_.clear();
  }

  // A partial line is reported as truncated.
  std::optional<FrameError> Reset() {
    const std::size_t partial = splitter_.Reset();
    if (partial == 0) return std::nullopt;
    return FrameError{"truncated", "line cut off after " + std::to_string(partial) + " bytes"};
  }

  std::size_t buffered() const noexcept { return splitter_.buffered(); }

 private:
  LineSplitter splitter_;
  Parse parse_;
  std::vector<Decoded<Line>> lines_;  // scratch, bounded by kChunk
};

}  // namespace checkpoint::hal::protocols
