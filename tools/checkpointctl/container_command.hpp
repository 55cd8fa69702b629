#pragma once
// `checkpointctl container`: ISO 6346 container codes, as arguments or one a line
// on stdin, to one JSON object per code on stdout. The output contract (field names
// and meanings) is documented in docs/technician.md and is kept stable.
#include <cstdio>
#include <string>
#include <vector>

namespace checkpoint::tools {

struct ContainerCommandOptions {
  bool pretty = false;
};

// Lines (or arguments) longer than this are not read as codes: an error object is
// written and the exit status is 1.
inline constexpr std::size_t kMaxContainerLine = 256;

// Checks every code of `codes`, or when it is empty every non-blank line of `in`
// until EOF. Returns 0 when every code was read (valid or not), 1 when any line was
// unreadable (longer than kMaxContainerLine, or not UTF-8).
int ContainerCommand(const std::vector<std::string>& codes, std::FILE* in, std::FILE* out,
                     const ContainerCommandOptions& options);

}  // namespace checkpoint::tools
