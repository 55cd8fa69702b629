#include "checkpoint/hal/protocols/mrz_framer.hpp"

namespace checkpoint::hal::protocols {
namespace {

constexpr std::size_t kChunk = 256;  // bounds the scratch lines of one Feed step

// Drops a leading STX and the spaces around the line, in either order.
std::string_view Clean(std::string_view s) {
  auto trim = [](std::string_view t) {
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    return t;
  };
  s = trim(s);
  if (!s.empty() && s.front() == '\x02') s = trim(s.substr(1));
  return s;
}

bool IsMrzChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

FrameError Malformed(std::string detail) {
  return FrameError{"malformed", std::move(detail)};
}

// The first thing wrong with the shape of a document, if anything. Lines and
// positions are 1-based, as in ICAO 9303.
std::optional<FrameError> CheckShape(const std::vector<std::string>& lines) {
  const std::size_t n = lines.size();
  if (n != 2 && n != 3) {
    return Malformed("document has " + std::to_string(n) + " lines (expected 2 or 3)");
  }
  const std::size_t first = lines[0].size();
  const std::size_t expected = n == 3 ? 30 : first == 36 || first == 44 ? first : 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& line = lines[i];
    const std::string where = "line " + std::to_string(i + 1) + ": ";
    if (expected == 0) {
      return Malformed(where + "wrong length " + std::to_string(first) + " (expected 36 or 44)");
    }
    if (line.size() != expected) {
      return Malformed(where + "wrong length " + std::to_string(line.size()) + " (expected " +
                       std::to_string(expected) + ")");
    }
    for (std::size_t p = 0; p < line.size(); ++p) {
      if (!IsMrzChar(line[p])) {
        return Malformed(where + "bad character at position " + std::to_string(p + 1));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

void MrzFramer::Feed(std::string_view bytes, std::vector<Decoded<MrzDocument>>& out) {
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    lines_.clear();
    splitter_.Feed(bytes.substr(at, kChunk), lines_);
    for (auto& l : lines_) {
      if (auto* e = std::get_if<FrameError>(&l)) {
        // The rest of an overlong line is dropped by the splitter, which also swallows
        // the terminator, so do not wait for one: just drop the document so far.
        doc_.clear();
        out.emplace_back(std::move(*e));
      } else {
        OnLine(std::get<Line>(l), out);
      }
    }
  }
  lines_.clear();
}

void MrzFramer::OnLine(const Line& line, std::vector<Decoded<MrzDocument>>& out) {
  const std::string_view text = Clean(line.text);
  if (text.empty()) {  // a blank line (or a bare ETX) ends a document
    dropping_ = false;
    Finish(out);
    return;
  }
  if (!dropping_) {
    if (doc_.size() < options_.max_lines) {
      doc_.emplace_back(text);
    } else {
      out.emplace_back(FrameError{"overlong", "more than " + std::to_string(options_.max_lines) +
                                                  " lines before a blank line or ETX"});
      doc_.clear();
      dropping_ = true;
    }
  }
  if (line.etx) {
    dropping_ = false;
    Finish(out);
  }
}

void MrzFramer::Finish(std::vector<Decoded<MrzDocument>>& out) {
  if (doc_.empty()) return;  // blank lines between documents
  if (auto error = CheckShape(doc_)) {
    out.emplace_back(std::move(*error));
  } else {
    out.emplace_back(MrzDocument{std::move(doc_)});
  }
  doc_.clear();
}

std::optional<FrameError> MrzFramer::Reset() {
  const std::size_t partial = splitter_.Reset();
  const std::size_t complete = doc_.size();
  const bool dropping = dropping_;  // that document was reported as overlong already
  doc_.clear();
  dropping_ = false;
  if (dropping || (partial == 0 && complete == 0)) return std::nullopt;
  return FrameError{"truncated", "document cut off after " + std::to_string(complete) +
                                     " complete lines and " + std::to_string(partial) +
                                     " bytes of the next"};
}

std::size_t MrzFramer::buffered() const noexcept {
  std::size_t n = splitter_.buffered();
  for (const auto& l : doc_) n += l.size();
  return n;
}

std::string EncodeMrz(std::span<const std::string> lines, bool etx) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    out += etx && i + 1 == lines.size() ? "\x03" : "\r\n";
  }
  if (!etx) out += "\r\n";
  if (etx && lines.empty()) out += '\x03';
  return out;
}

}  // namespace checkpoint::hal::protocols
