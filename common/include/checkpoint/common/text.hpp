#pragma once
// Small text checks shared by every parser of outside input: strict UTF-8, JSON
// nesting depth before a parser sees the text, and UTC timestamps for messages.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace checkpoint::common {

// Decodes the code point starting at s[i] into cp and returns its length in bytes,
// or 0 when the bytes there are not well-formed UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF, no truncated sequence). Precondition:
// i < s.size().
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t& cp) noexcept;

// The offset of the first byte that is not part of well-formed UTF-8, if any.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view s) noexcept;

// Appends s as a JSON string (RFC 8259), quotes included: '"', '\\' and control
// characters escaped (the short forms where JSON has them, else \u00XX), everything
// else as it is (UTF-8 stays UTF-8). A byte that is not part of well-formed UTF-8
// becomes U+FFFD ("\ufffd"), so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s);

// The offset of the first '[' or '{' nested deeper than max_depth, outside JSON
// strings, on any bytes (so that a recursive parser never sees such text).
std::optional<std::size_t> JsonNestingBeyond(std::string_view text, std::size_t max_depth) noexcept;

// A whole string of ASCII digits (no sign, no space) as a number in min..max
// (min >= 0); nullopt otherwise, also on overflow. For numbers in URLs and cursors.
std::optional<std::int64_t> ParseDecimal(std::string_view s, std::int64_t min,
                                         std::int64_t max) noexcept;

// "YYYY-MM-DDTHH:MM:SSZ" for seconds since the epoch (UTC).
std::string FormatUtc(std::int64_t epoch_seconds);

}  // namespace checkpoint::common
