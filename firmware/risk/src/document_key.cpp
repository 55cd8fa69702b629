#include "checkpoint/risk/document_key.hpp"

#include <array>

namespace checkpoint::risk {

namespace {

// Per-byte tables, built at compile time: 0 drops the byte, anything else is the
// key character. One table lookup per byte keeps bulk loads of ten million entries
// well under a second.
using Table = std::array<char, 256>;

constexpr Table MakeTable(bool fold_g_z, bool fold_d) {
  Table t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<std::size_t>(c)] = static_cast<char>(c);
    t[static_cast<std::size_t>(c - 'A' + 'a')] = static_cast<char>(c);
  }
  auto fold = [&t](char from, char to) {
    t[static_cast<unsigned char>(from)] = to;
    t[static_cast<unsigned char>(from - 'A' + 'a')] = to;
  };
  fold('O', '0');
  fold('Q', '0');
  fold('I', '1');
  fold('B', '8');
  fold('S', '5');
  if (fold_g_z) {
    fold('G', '6');
    fold('Z', '2');
  }
  if (fold_d) fold('D', '0');
  return t;
}

// Any state: the confusions of OCR-B seen in MRZ readings.
constexpr Table kGeneric = MakeTable(true, false);
// Germany (PassV Anlage 11; ID cards likewise since November 2010): numbers use
// only C F G H J K L M N P R T V W X Y Z and digits, so G and Z are themselves and
// D, never used, can only be a misread 0.
constexpr Table kGermany = MakeTable(false, true);

bool IsGermany(std::string_view state) noexcept {
  while (!state.empty() && state.back() == '<') state.remove_suffix(1);
  return state == "D" || state == "DEU";
}

}  // namespace

void DocumentNumberKeyInto(std::string_view number, std::string_view issuing_state,
                           std::string& out) {
  const Table& t = IsGermany(issuing_state) ? kGermany : kGeneric;
  out.clear();
  for (char c : number) {
    const char k = t[static_cast<unsigned char>(c)];
    if (k == 0) continue;
    out.push_back(k);
    if (out.size() == kMaxDocumentKey) break;
  }
}

std::string DocumentNumberKey(std::string_view number, std::string_view issuing_state) {
  std::string out;
  DocumentNumberKeyInto(number, issuing_state, out);
  return out;
}

}  // namespace checkpoint::risk
