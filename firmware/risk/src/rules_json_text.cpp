#include "rules_json_text.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace checkpoint::risk::json_text {

namespace {

// A forward scanner over text already accepted by nlohmann (so: valid JSON, nesting
// within kMaxJsonDepth, checked before). Never reads past the end regardless.
class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}

  std::size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= t_.size(); }
  char Peek() const { return AtEnd() ? '\0' : t_[pos_]; }
  void Seek(std::size_t pos) { pos_ = pos < t_.size() ? pos : t_.size(); }
  void Advance() {
    if (!AtEnd()) ++pos_;
  }

  void SkipSpace() {
    while (!AtEnd() &&
           (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r'))
      ++pos_;
  }

  // At '"': returns the decoded string and moves past the closing quote.
  std::string String() {
    const std::size_t start = pos_;
    Advance();
    bool escaped = false;
    while (!AtEnd()) {
      const char c = t_[pos_++];
      if (c == '\\') {
        ++pos_;
        escaped = true;
      } else if (c == '"') {
        break;
      }
    }
    const std::string_view raw = t_.substr(start, pos_ - start);
    if (!escaped) return std::string(raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0));
    const auto j = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
    return j.is_string() ? j.get<std::string>() : std::string();
  }

  // Skips one value of any kind.
  void Value() {
    SkipSpace();
    const char c = Peek();
    if (c == '"') {
      String();
    } else if (c == '{' || c == '[') {
      Container(nullptr);
    } else {
      while (!AtEnd()) {
        const char d = t_[pos_];
        if (d == ',' || d == ']' || d == '}' || d == ' ' || d == '\t' || d == '\n' || d == '\r')
          break;
        ++pos_;
      }
    }
  }

  // At '{' or '[': visits each member (key is empty for arrays, index counts) with the
  // scanner at the start of its value; the visitor must consume the value.
  template <typename Visit>
  void Members(Visit&& visit) {
    const bool object = Peek() == '{';
    const char close = object ? '}' : ']';
    Advance();
    std::size_t index = 0;
    while (true) {
      SkipSpace();
      if (AtEnd()) return;
      if (Peek() == close) {
        Advance();
        return;
      }
      if (Peek() == ',') {
        Advance();
        continue;
      }
      std::string key;
      std::size_t key_offset = pos_;
      if (object) {
        key = String();
        SkipSpace();
        if (Peek() == ':') Advance();
        SkipSpace();
      }
      const std::size_t before = pos_;
      visit(key, key_offset, index++);
      if (pos_ == before) Value();  // the visitor did not consume it
    }
  }

  // Skips a container; with dup, reports the first duplicate key below it.
  void Container(std::optional<DuplicateKey>* dup, const std::string& pointer = {}) {
    const bool object = Peek() == '{';
    std::set<std::string> seen;
    Members([&](const std::string& key, std::size_t key_offset, std::size_t index) {
      const std::string child =
          pointer + "/" + (object ? EscapePointerToken(key) : std::to_string(index));
      if (dup && !*dup && object && !seen.insert(key).second) {
        *dup = DuplicateKey{.pointer = child, .offset = key_offset};
      }
      SkipSpace();
      if (Peek() == '{' || Peek() == '[') {
        Container(dup && !*dup ? dup : nullptr, child);
      } else {
        Value();
      }
    });
  }

 private:
  std::string_view t_;
  std::size_t pos_ = 0;
};

std::vector<std::string> PointerTokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  pointer.remove_prefix(1);  // leading '/'
  while (true) {
    const std::size_t slash = pointer.find('/');
    const std::string_view raw = pointer.substr(0, slash);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size()) {
        token += raw[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    pointer.remove_prefix(slash + 1);
  }
  return tokens;
}

}  // namespace

Position PositionOf(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  Position p;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = offset - line_start + 1;
  return p;
}

std::optional<std::size_t> Locate(std::string_view text, std::string_view pointer) {
  Scanner s(text);
  s.SkipSpace();
  for (const std::string& token : PointerTokens(pointer)) {
    if (s.Peek() != '{' && s.Peek() != '[') return std::nullopt;
    const bool object = s.Peek() == '{';
    std::optional<std::size_t> found;
    s.Members([&](const std::string& key, std::size_t, std::size_t index) {
      if (found) return;  // skip the rest (Members consumes them)
      if (object ? key == token : std::to_string(index) == token) {
        s.SkipSpace();
        found = s.pos();
      }
    });
    if (!found) return std::nullopt;
    s.Seek(*found);  // Members ran to the end of the container
  }
  return s.pos();
}

std::optional<DuplicateKey> FindDuplicateKey(std::string_view text) {
  Scanner s(text);
  s.SkipSpace();
  if (s.Peek() != '{' && s.Peek() != '[') return std::nullopt;
  std::optional<DuplicateKey> dup;
  s.Container(&dup);
  return dup;
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace checkpoint::risk::json_text
