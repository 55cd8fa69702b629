#pragma once
// Framing of chip-capable document readers (our own wire format; there is no
// universal standard). Full byte layout and fault handling: docs/hal/network-protocols.md.
//
//   STX (0x02) | tag (1) | length (4, big-endian) | payload (length) | CRC-32 (4, big-endian)
//
// The CRC is zlib's crc32 over tag + length + payload. One document is a
// sequence of data-group frames (DG1, DG2, EF.SOD, each at most once) closed by
// an END frame of length 0; a READER_ERROR frame reports a failed read.
//
// Pure: no I/O, no clock. Memory is bounded by the largest frame (DG2, 1 MiB)
// plus the data groups of one document.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::protocols {

namespace chip_tag {
inline constexpr std::uint8_t kDg1 = 0x01;
inline constexpr std::uint8_t kDg2 = 0x02;
inline constexpr std::uint8_t kEnd = 0x04;
inline constexpr std::uint8_t kSod = 0x1D;
inline constexpr std::uint8_t kReaderError = 0x7E;
}  // namespace chip_tag

inline constexpr std::uint8_t kChipStx = 0x02;
inline constexpr std::size_t kChipMaxDg1 = 1024;
inline constexpr std::size_t kChipMaxDg2 = 1024 * 1024;
inline constexpr std::size_t kChipMaxSod = 64 * 1024;
inline constexpr std::size_t kChipMaxReaderError = 256;

// Decodes a byte stream from one reader connection. Not thread-safe; one
// instance per connection.
//
// Emits, in stream order: a ChipRead when an END closes a document that has a
// DG1; FrameError "reader_error" (detail: the reader's text, printable ASCII
// only) for READER_ERROR; "garbage", "unsupported" (unknown tag), "too_large"
// (length over the tag's limit), "malformed" (END with a payload, empty data
// group, duplicate data group, END without DG1), "checksum" (CRC mismatch).
//
// Resynchronisation rule (payload bytes may contain 0x02, so a 0x02 found
// while hunting is only a candidate):
//  - a candidate frame takes effect only once its tag, its length and its
//    CRC-32 all check; until then nothing is emitted for it;
//  - after a header error (unknown tag, length over limit) hunting resumes at
//    the byte after the failed STX, so no byte is skipped;
//  - after a checksum error the frame's extent is not trusted either: its
//    bytes are scanned again from the byte after its STX. Frames that start
//    inside such a rescan do not trigger another rescan when they fail (they
//    are skipped to their claimed end), which bounds the work per byte;
//  - one error is reported per loss of synchronisation: failures while
//    resynchronising (until a frame passes its CRC) are silent.
// Any error drops the document being accumulated; an END without DG1 that
// follows such an error is not reported a second time.
class ChipFrameDecoder {
 public:
  void Feed(std::string_view bytes, std::vector<Decoded<hal::ChipRead>>& out);
  // End of stream (disconnect): reports "truncated" when a frame or a document
  // was in progress, then forgets everything.
  void Reset(std::vector<Decoded<hal::ChipRead>>& out);
  // Bytes held: the current frame plus the data groups of the current document.
  std::size_t buffered() const noexcept;

 private:
  enum class State { kHunt, kTag, kLength, kPayload, kCrc };

  void Step(char c, std::vector<Decoded<hal::ChipRead>>& out);
  void DrainReplay(std::vector<Decoded<hal::ChipRead>>& out);
  void OnHeader(std::vector<Decoded<hal::ChipRead>>& out);
  void OnFrame(std::vector<Decoded<hal::ChipRead>>& out);
  void HeaderFailure(FrameError error, std::vector<Decoded<hal::ChipRead>>& out);
  void ChecksumFailure(std::vector<Decoded<hal::ChipRead>>& out);
  void Report(FrameError error, std::vector<Decoded<hal::ChipRead>>& out);
  void DropDocument();

  State state_ = State::kHunt;
  std::string frame_;  // bytes of the current frame, from its STX
  std::uint8_t tag_ = 0;
  std::uint32_t length_ = 0;
  bool resyncing_ = false;  // an error was reported; failures are silent
  bool frame_from_rescan_ = false;
  bool frame_in_replay_ = false;  // the current frame's STX came from replay_
  std::size_t frame_replay_start_ = 0;
  std::string replay_;  // bytes to scan again after a failed frame
  std::size_t replay_pos_ = 0;
  bool in_replay_ = false;
  // The document being accumulated.
  hal::ChipRead doc_;
  bool has_dg1_ = false, has_dg2_ = false, has_sod_ = false;
  bool error_since_end_ = false;
};

// One frame with the given tag and payload (no limit checks: the simulator may
// produce invalid frames on purpose).
std::string EncodeChipFrame(std::uint8_t tag, std::string_view payload);
// The frames a reader sends for one successful read: DG1, then DG2 and EF.SOD
// when not empty, then END. Empty data groups are omitted, as a reader does
// when it did not read them.
std::string EncodeChipRead(const hal::ChipRead& read);
// A READER_ERROR frame with the reader's text (e.g. "BAC failed").
std::string EncodeChipReaderError(std::string_view text);

}  // namespace checkpoint::hal::protocols
