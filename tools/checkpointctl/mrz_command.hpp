#pragma once
// `checkpointctl mrz`: MRZ text on stdin, one JSON object per document on stdout.
// The output contract (field names and meanings) is documented in
// docs/technician.md and is kept stable: scripts depend on it.
#include <cstdio>

namespace checkpoint::tools {

struct MrzCommandOptions {
  bool pretty = false;
  bool correct = true;  // OCR correction by field type (documents::ParseOptions::correct)
};

// Reads documents (lines separated by newlines, documents by a blank line) from
// `in` until EOF. Returns 0 when every document parsed (valid or not), 1 when any
// input was not an MRZ.
int MrzCommand(std::FILE* in, std::FILE* out, const MrzCommandOptions& options);

}  // namespace checkpoint::tools
