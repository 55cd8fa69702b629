#pragma once
// Keys for travel document numbers, so that a lookup in a stolen and lost document
// list (INTERPOL SLTD copy) finds a number whatever OCR confusion the reading or
// the list entry carries: "L8989O2C3" and "L898902C3" have one key.
// Per-state rules are described in docs/risk/plates-and-documents.md.
//
// Pure and allocation-free for numbers up to 15 characters (the key fits the
// small-string buffer); meant to run on every list entry at load time. Thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace checkpoint::risk {

// Characters of a key beyond this are dropped: ICAO long document numbers stay
// well below it.
inline constexpr std::size_t kMaxDocumentKey = 24;

// Uppercases a-z; drops '<' fillers, spaces, '-', '.', '/' and every other byte that
// is not A-Z 0-9; folds O, Q → 0; I → 1; B → 8; S → 5; Z → 2; G → 6, except where
// the issuing state's numbers use a letter as itself. Germany ("D", "D<<" or "DEU"):
// its numbers are drawn from C F G H J K L M N P R T V W X Y Z and digits, so G and Z
// are kept, and O, Q, D → 0, I → 1, B → 8, S → 5 are folded. The key never contains
// the state: store it beside the key when lists hold several states.
std::string DocumentNumberKey(std::string_view number, std::string_view issuing_state);

// The same, writing into `out` (cleared first) to reuse its buffer in bulk loads.
void DocumentNumberKeyInto(std::string_view number, std::string_view issuing_state,
                           std::string& out);

}  // namespace checkpoint::risk
