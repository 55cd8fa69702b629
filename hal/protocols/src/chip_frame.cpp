#include "checkpoint/hal/protocols/chip_frame.hpp"

#include <zlib.h>

#include <utility>

namespace checkpoint::hal::protocols {
namespace {

constexpr std::size_t kHeaderBytes = 6;  // STX, tag, length
constexpr std::size_t kCrcBytes = 4;

std::uint8_t Byte(char c) {
  return static_cast<std::uint8_t>(c);
}

std::uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // Frames are at most a few MiB, so one call with a uInt length suffices.
  crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t ReadBe32(std::string_view b) {
  return static_cast<std::uint32_t>(Byte(b[0])) << 24 |
         static_cast<std::uint32_t>(Byte(b[1])) << 16 |
         static_cast<std::uint32_t>(Byte(b[2])) << 8 | static_cast<std::uint32_t>(Byte(b[3]));
}

void AppendBe32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>(v >> 24 & 0xFF));
  out.push_back(static_cast<char>(v >> 16 & 0xFF));
  out.push_back(static_cast<char>(v >> 8 & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}

bool KnownTag(std::uint8_t tag) {
  return tag == chip_tag::kDg1 || tag == chip_tag::kDg2 || tag == chip_tag::kSod ||
         tag == chip_tag::kReaderError || tag == chip_tag::kEnd;
}

std::size_t LimitOf(std::uint8_t tag) {
  switch (tag) {
    case chip_tag::kDg1:
      return kChipMaxDg1;
    case chip_tag::kDg2:
      return kChipMaxDg2;
    case chip_tag::kSod:
      return kChipMaxSod;
    case chip_tag::kReaderError:
      return kChipMaxReaderError;
    default:
      return 0;  // END
  }
}

std::string TagName(std::uint8_t tag) {
  switch (tag) {
    case chip_tag::kDg1:
      return "DG1";
    case chip_tag::kDg2:
      return "DG2";
    case chip_tag::kSod:
      return "EF.SOD";
    case chip_tag::kReaderError:
      return "READER_ERROR";
    case chip_tag::kEnd:
      return "END";
    default:
      return "tag " + std::to_string(tag);
  }
}

// The reader's own words, reduced to printable ASCII so that a log line or the
// console cannot be spoofed with control characters.
std::string SanitiseReaderText(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) s.push_back(Byte(c) >= 0x20 && Byte(c) <= 0x7E ? c : '?');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  std::size_t first = s.find_first_not_of(' ');
  s.erase(0, first == std::string::npos ? s.size() : first);
  return s.empty() ? "(no text)" : s;
}

}  // namespace

void ChipFrameDecoder::Feed(std::string_view bytes, std::vector<Decoded<hal::ChipRead>>& out) {
  for (char c : bytes) {
    Step(c, out);
    DrainReplay(out);
  }
}

void ChipFrameDecoder::DrainReplay(std::vector<Decoded<hal::ChipRead>>& out) {
  if (replay_.empty()) return;
  in_replay_ = true;
  while (replay_pos_ < replay_.size()) Step(replay_[replay_pos_++], out);
  replay_.clear();
  replay_pos_ = 0;
  in_replay_ = false;
  frame_in_replay_ = false;  // a frame still open continues on live bytes
}

void ChipFrameDecoder::Step(char c, std::vector<Decoded<hal::ChipRead>>& out) {
  switch (state_) {
    case State::kHunt:
      if (Byte(c) == kChipStx) {
        frame_.assign(1, c);
        state_ = State::kTag;
        frame_from_rescan_ = in_replay_;
        frame_in_replay_ = in_replay_;
        frame_replay_start_ = replay_pos_ - (in_replay_ ? 1 : 0);
      } else {
        Report({"garbage", "bytes outside a frame; hunting for STX"}, out);
      }
      return;
    case State::kTag:
      frame_.push_back(c);
      tag_ = Byte(c);
      if (!KnownTag(tag_)) {
        HeaderFailure({"unsupported", "unknown frame " + TagName(tag_)}, out);
      } else {
        state_ = State::kLength;
      }
      return;
    case State::kLength:
      frame_.push_back(c);
      if (frame_.size() == kHeaderBytes) OnHeader(out);
      return;
    case State::kPayload:
      frame_.push_back(c);
      if (frame_.size() == kHeaderBytes + length_) state_ = State::kCrc;
      return;
    case State::kCrc:
      frame_.push_back(c);
      if (frame_.size() < kHeaderBytes + length_ + kCrcBytes) return;
      {
        std::string_view all(frame_);
        const std::uint32_t want = ReadBe32(all.substr(kHeaderBytes + length_));
        if (Crc32(all.substr(1, kHeaderBytes - 1 + length_)) == want) {
          OnFrame(out);
        } else {
          ChecksumFailure(out);
        }
      }
      return;
  }
}

void ChipFrameDecoder::OnHeader(std::vector<Decoded<hal::ChipRead>>& out) {
  length_ = ReadBe32(std::string_view(frame_).substr(2));
  const std::size_t limit = LimitOf(tag_);
  if (tag_ == chip_tag::kEnd && length_ != 0) {
    HeaderFailure({"malformed", "END frame with a " + std::to_string(length_) + "-byte payload"},
                  out);
  } else if (length_ > limit) {
    HeaderFailure({"too_large", TagName(tag_) + " frame of " + std::to_string(length_) +
                                    " bytes; limit " + std::to_string(limit)},
                  out);
  } else if (length_ == 0 && tag_ != chip_tag::kEnd && tag_ != chip_tag::kReaderError) {
    HeaderFailure({"malformed", "empty " + TagName(tag_) + " frame"}, out);
  } else {
    state_ = length_ == 0 ? State::kCrc : State::kPayload;
  }
}

void ChipFrameDecoder::OnFrame(std::vector<Decoded<hal::ChipRead>>& out) {
  resyncing_ = false;
  std::string payload = frame_.substr(kHeaderBytes, length_);
  frame_.clear();
  state_ = State::kHunt;

  auto store = [&](bool& has, std::string& slot) {
    if (has) {
      out.emplace_back(FrameError{
          "malformed", "duplicate " + TagName(tag_) + " before END; previous document dropped"});
      DropDocument();
      error_since_end_ = true;
    }
    has = true;
    slot = std::move(payload);
  };
  switch (tag_) {
    case chip_tag::kDg1:
      store(has_dg1_, doc_.dg1);
      return;
    case chip_tag::kDg2:
      store(has_dg2_, doc_.dg2);
      return;
    case chip_tag::kSod:
      store(has_sod_, doc_.sod);
      return;
    case chip_tag::kReaderError:
      out.emplace_back(FrameError{"reader_error", SanitiseReaderText(payload)});
      DropDocument();
      error_since_end_ = true;
      return;
    default:  // END
      if (has_dg1_) {
        out.emplace_back(std::move(doc_));
      } else if (!error_since_end_) {
        out.emplace_back(FrameError{"malformed", "END without DG1"});
      }
      DropDocument();
      error_since_end_ = false;
      return;
  }
}

void ChipFrameDecoder::HeaderFailure(FrameError error, std::vector<Decoded<hal::ChipRead>>& out) {
  Report(std::move(error), out);
  // Hunt again from the byte after the failed STX: only the header was read.
  if (frame_in_replay_ && in_replay_) {
    replay_pos_ = frame_replay_start_ + 1;
  } else {
    replay_ = frame_.substr(1) + replay_.substr(replay_pos_);
    replay_pos_ = 0;
  }
  frame_.clear();
  state_ = State::kHunt;
}

void ChipFrameDecoder::ChecksumFailure(std::vector<Decoded<hal::ChipRead>>& out) {
  Report({"checksum",
          TagName(tag_) + " frame of " + std::to_string(length_) + " bytes failed its CRC-32"},
         out);
  if (frame_from_rescan_) {
    // Already a candidate found in re-scanned bytes: skip it to bound the work.
    frame_.clear();
    state_ = State::kHunt;
    return;
  }
  replay_ = frame_.substr(1) + replay_.substr(replay_pos_);
  replay_pos_ = 0;
  frame_.clear();
  state_ = State::kHunt;
}

void ChipFrameDecoder::Report(FrameError error, std::vector<Decoded<hal::ChipRead>>& out) {
  if (!resyncing_) out.emplace_back(std::move(error));
  resyncing_ = true;
  error_since_end_ = true;
  DropDocument();
}

void ChipFrameDecoder::DropDocument() {
  doc_ = {};
  has_dg1_ = has_dg2_ = has_sod_ = false;
}

void ChipFrameDecoder::Reset(std::vector<Decoded<hal::ChipRead>>& out) {
  if (state_ != State::kHunt || has_dg1_ || has_dg2_ || has_sod_) {
    out.emplace_back(FrameError{"truncated", "stream ended inside a frame or a document (" +
                                                 std::to_string(buffered()) + " bytes dropped)"});
  }
  *this = ChipFrameDecoder{};
}

std::size_t ChipFrameDecoder::buffered() const noexcept {
  return frame_.size() + doc_.dg1.size() + doc_.dg2.size() + doc_.sod.size() + replay_.size();
}

std::string EncodeChipFrame(std::uint8_t tag, std::string_view payload) {
  std::string f;
  f.reserve(kHeaderBytes + payload.size() + kCrcBytes);
  f.push_back(static_cast<char>(kChipStx));
  f.push_back(static_cast<char>(tag));
  AppendBe32(f, static_cast<std::uint32_t>(payload.size()));
  f.append(payload);
  AppendBe32(f, Crc32(std::string_view(f).substr(1)));
  return f;
}

std::string EncodeChipRead(const hal::ChipRead& read) {
  std::string s = EncodeChipFrame(chip_tag::kDg1, read.dg1);
  if (!read.dg2.empty()) s += EncodeChipFrame(chip_tag::kDg2, read.dg2);
  if (!read.sod.empty()) s += EncodeChipFrame(chip_tag::kSod, read.sod);
  s += EncodeChipFrame(chip_tag::kEnd, {});
  return s;
}

std::string EncodeChipReaderError(std::string_view text) {
  return EncodeChipFrame(chip_tag::kReaderError, text.substr(0, kChipMaxReaderError));
}

}  // namespace checkpoint::hal::protocols
