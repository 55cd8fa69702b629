#pragma once
// Positions in the raw text of a rule bundle, for error messages that name a line:
// nlohmann::json keeps no source positions, so these small scanners walk the text
// again. They assume text that nlohmann has already accepted as JSON (the depth check
// before parsing is common::JsonNestingBeyond).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace checkpoint::risk::json_text {

struct Position {
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in bytes
};

// The position of byte offset (0-based; clamped to the text).
Position PositionOf(std::string_view text, std::size_t offset);

// The start of the value a JSON pointer (RFC 6901, e.g. "/rules/3/when") designates;
// nullopt when the path does not exist.
std::optional<std::size_t> Locate(std::string_view text, std::string_view pointer);

struct DuplicateKey {
  std::string pointer;  // of the second occurrence's value
  std::size_t offset;   // of the second occurrence's key
};
// The first key that occurs twice in one object, in document order. nlohmann would
// silently keep one of them; a bundle author must not be surprised by which.
std::optional<DuplicateKey> FindDuplicateKey(std::string_view text);

// "~" and "/" escaped as RFC 6901 requires.
std::string EscapePointerToken(std::string_view token);

}  // namespace checkpoint::risk::json_text
