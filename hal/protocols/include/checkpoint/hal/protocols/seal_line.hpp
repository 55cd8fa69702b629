#pragma once
// The seal-reader line protocol (ours, documented in docs/hal/serial-protocols.md):
// barcode scanners in serial mode and RFID e-seal readers (ISO 18185-style e-seals
// report an identifier and a status) send one read per line, CR LF terminated
// (CR, LF or ETX accepted). A line is either
//   a bare code       4..40 characters A-Z 0-9 '-' (case-insensitive): a barcode read
//   a seal record     SEAL,<id>,<rfid|barcode>[,<status>]
//                     id as a bare code; status intact|opened|tampered|low_battery
// Keywords are case-insensitive; the id is normalised to upper case, technology and
// status to lower case. Spaces around fields and a leading STX are ignored.
//
// Faults (FrameError kinds): "malformed" for any other line (the detail names the
// field and position, never the text); "overlong" for a line longer than max_line
// (dropped up to its terminator); "truncated" for a partial line at Reset(). Empty
// lines are ignored.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"
#include "checkpoint/hal/protocols/line_splitter.hpp"

namespace checkpoint::hal::protocols {

struct SealLineOptions {
  std::size_t max_line = 80;  // bytes, without the terminator; the longest record is 65
};

[[nodiscard]] std::optional<Decoded<hal::SealRead>> ParseSealLine(
    std::string_view line);  // defined below

class SealLineDecoder {
 public:
  static constexpr std::size_t kMinCode = 4;
  static constexpr std::size_t kMaxCode = 40;

  explicit SealLineDecoder(SealLineOptions options = {})
      : decoder_(options.max_line, &ParseSealLine) {}

  // Appends, in input order, one value per line and one FrameError per fault. Any
  // split of the input into calls gives the same output.
  void Feed(std::string_view bytes, std::vector<Decoded<hal::SealRead>>& out);
  // For a disconnect: drops a partial line, returning FrameError{"truncated"} if any.
  [[nodiscard]] std::optional<FrameError> Reset();
  // Bytes of the partial line held; never more than max_line.
  [[nodiscard]] std::size_t buffered() const noexcept { return decoder_.buffered(); }

 private:
  LineRecordDecoder<hal::SealRead> decoder_;
};

// Parses one line without its terminator; nullopt for a blank line (ignored).
[[nodiscard]] std::optional<Decoded<hal::SealRead>> ParseSealLine(std::string_view line);

enum class SealLineForm {
  kBareCode,  // "<id>\r\n", as a barcode scanner sends it (technology and status unused)
  kRecord,    // "SEAL,<id>,<technology>[,<status>]\r\n"
};

// The line a reader sends for `read`. Not validated: a simulator may send faulty reads.
[[nodiscard]] std::string EncodeSealLine(const hal::SealRead& read,
                                         SealLineForm form = SealLineForm::kRecord);

}  // namespace checkpoint::hal::protocols
