#pragma once
// Framing of serial OCR-B (MRZ) readers: the reader sends the lines of a machine
// readable zone, each terminated by CR LF (CR, LF accepted), and ends the document
// with a blank line or ETX (0x03; ETX also ends the line it follows). A leading STX
// and spaces around a line are ignored; blank lines between documents too.
//
// A document is accepted when it has the shape of an ICAO 9303 MRZ: 2 lines of 36
// (TD2, MRV-B) or 44 (TD3, MRV-A) characters, or 3 lines of 30 (TD1), all of the same
// length, only A-Z 0-9 '<'. Check digits and fields are the document layer's business.
//
// Faults (FrameError kinds), after each of which the framer continues with the next
// document:
//   "malformed"  a document of the wrong shape, dropped; the detail says which line and
//                what (line count, "wrong length N", "bad character at position P"),
//                never the text: an MRZ is personal data
//   "overlong"   more than max_lines lines before a terminator (reported once; lines
//                are dropped until the next blank line or ETX), or a line longer than
//                max_line (that line and the document so far are dropped)
//   "truncated"  a partial document at Reset()

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/protocols/frame_error.hpp"
#include "checkpoint/hal/protocols/line_splitter.hpp"

namespace checkpoint::hal::protocols {

struct MrzDocument {
  std::vector<std::string> lines;  // 2 or 3 lines, trimmed, all of the same length
  bool operator==(const MrzDocument&) const = default;
};

struct MrzFramerOptions {
  std::size_t max_line = 96;  // bytes of a line, with STX and spaces, without terminator
  std::size_t max_lines = 3;  // lines of a document before a terminator
};

class MrzFramer {
 public:
  explicit MrzFramer(MrzFramerOptions options = {})
      : options_(options), splitter_(options.max_line) {}

  // Appends, in input order, one value per document and one FrameError per fault.
  // Any split of the input into calls gives the same output.
  void Feed(std::string_view bytes, std::vector<Decoded<MrzDocument>>& out);
  // For a disconnect: forgets a partial document (complete lines and a partial one),
  // returning FrameError{"truncated"} when there was one.
  [[nodiscard]] std::optional<FrameError> Reset();
  // Bytes held: the partial line and the lines of the current document; never more
  // than max_line * (max_lines + 1).
  [[nodiscard]] std::size_t buffered() const noexcept;

 private:
  void OnLine(const Line& line, std::vector<Decoded<MrzDocument>>& out);
  void Finish(std::vector<Decoded<MrzDocument>>& out);

  MrzFramerOptions options_;
  LineSplitter splitter_;
  std::vector<Decoded<Line>> lines_;  // scratch, bounded by the chunk size of Feed
  std::vector<std::string> doc_;      // lines of the current document
  bool dropping_ = false;             // after "overlong": until a blank line or ETX
};

// The bytes a reader sends for `lines`: each line followed by CR LF and a blank line
// (CR LF) after the last, or, with `etx`, the last line ended by ETX instead
// ("L1\r\nL2\x03"). Not validated: a simulator may send faulty documents.
[[nodiscard]] std::string EncodeMrz(std::span<const std::string> lines, bool etx);

}  // namespace checkpoint::hal::protocols
