#pragma once
// What may leave the box in a support bundle (`checkpointctl diag`): the configuration
// with secrets redacted, log lines filtered. Outside input of any size and content.

#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::tools {

// Lines longer than this are withheld whole (and never given to a regular expression).
inline constexpr std::size_t kMaxFilteredLine = 4096;

// The configuration text with every secret-like value replaced by "<redacted>": values
// of keys naming a token, password, secret or key, and the user information of any URL.
// A line too long to judge becomes "# <line withheld>".
std::string RedactConfig(std::string_view toml);

// A log line as it may leave the box, or "" when it must not: lines carrying what looks
// like a key, a token, a PEM block, an MRZ, a long hexadecimal or base64 run, or control
// bytes. Words mixing capitals and digits (document numbers, plates) are masked.
std::string FilterLogLine(std::string_view line);

std::vector<std::string> SplitLines(std::string_view text);

}  // namespace checkpoint::tools
