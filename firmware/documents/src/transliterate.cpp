#include "checkpoint/documents/transliterate.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "transliteration_tables.hpp"

namespace checkpoint::documents {
namespace {

using translit::Outputs;

// Tries of the mixed-spelling enumeration, so that duplicates cannot make it run long.
constexpr std::size_t kTriesPerForm = 8;

Error ParseError(std::string_view what, std::size_t offset) {
  return MakeError(CommonErrc::kParse, std::string(what) + " at byte " + std::to_string(offset));
}

Error InvalidArgument(std::string message) {
  return MakeError(CommonErrc::kInvalidArgument, std::move(message));
}

// ---- UTF-8 ---------------------------------------------------------------------------

struct CodePoint {
  char32_t cp;
  std::size_t offset;
};

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
Expected<std::vector<CodePoint>> Decode(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<std::uint8_t>(s[i]);
    if (b0 < 0x80) {
      out.push_back({b0, i});
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0Fu;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07u;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return ParseError("invalid UTF-8 lead byte", i);
    }
    if (s.size() - i < len) return ParseError("truncated UTF-8 sequence", i);
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<std::uint8_t>(s[i + k]);
      const std::uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return ParseError("invalid UTF-8 sequence", i);
      cp = (cp << 6) | (b & 0x3Fu);
    }
    out.push_back({cp, i});
    i += len;
  }
  return out;
}

// ---- Units: letters folded to (base, mark), separators, dropped characters -----------

enum class Kind { kLetter, kSeparator, kDropped };
enum class Script { kLatin, kLatinSpecial, kCyrillic, kGreek, kArabic };

struct Unit {
  Kind kind = Kind::kDropped;
  Script script = Script::kLatin;
  char32_t base = 0;   // kLatin: an ASCII letter; otherwise an upper-case code point
  char32_t base2 = 0;  // kLatin: a second ASCII letter (Ǆ → D, Z), or 0
  char32_t mark = 0;   // the first combining mark (U+0300-U+036F), or 0
  std::size_t offset = 0;
};

constexpr bool IsCombiningMark(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x0483 && c <= 0x0489);
}

constexpr bool IsSeparator(char32_t c) {
  switch (c) {
    case U' ':
    case U'\t':
    case U'-':
    case U'<':
    case 0x00A0:  // no-break space
    case 0x202F:  // narrow no-break space
    case 0x205F:
    case 0x3000:
    case 0x2212:  // minus sign, typed for a hyphen
    case 0xFE63:
    case 0xFF0D:
      return true;
    default:
      return (c >= 0x2000 && c <= 0x200A) || (c >= 0x2010 && c <= 0x2015);
  }
}

// Apostrophes, quotes and other punctuation that Part 3 drops, and invisible format
// characters. Arabic vowel signs and tatweel are dropped too: Part 3 transliterates
// the letters.
constexpr bool IsDropped(char32_t c) {
  if (c < 0x80) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40 && c != U'<') ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
  }
  switch (c) {
    case 0x00AD:  // soft hyphen
    case 0x00B4:  // acute accent, typed for an apostrophe
    case 0x00B7:  // middle dot (Catalan l·l)
    case 0x02B9:
    case 0x02BA:
    case 0x02BB:
    case 0x02BC:  // modifier letter apostrophe (Ukrainian)
    case 0x02BD:
    case 0x0640:  // tatweel
    case 0x0670:  // superscript alef
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return true;
    default:
      return (c >= 0x2018 && c <= 0x201F) || (c >= 0x2032 && c <= 0x2037) ||
             (c >= 0x064B && c <= 0x065F);
  }
}

const translit::FoldEntry* FindFold(char32_t cp) {
  const auto table = translit::FoldTable();
  auto it = std::lower_bound(table.begin(), table.end(), cp,
                             [](const translit::FoldEntry& e, char32_t c) { return e.cp < c; });
  return it != table.end() && it->cp == cp ? &*it : nullptr;
}

constexpr bool InRange(char32_t c, char32_t lo, char32_t hi) {
  return c >= lo && c <= hi;
}

// The letter unit of cp, or nullopt when cp has no transliteration.
std::optional<Unit> LetterUnit(char32_t cp, std::size_t offset) {
  Unit u;
  u.kind = Kind::kLetter;
  u.offset = offset;
  if (cp >= U'a' && cp <= U'z') cp = cp - U'a' + U'A';
  if (cp >= U'A' && cp <= U'Z') {
    u.base = cp;
    return u;
  }
  char32_t base = cp;
  if (const auto* f = FindFold(cp)) {
    base = f->base;
    u.mark = f->mark;
    if (base < 0x80) {
      u.script = Script::kLatin;
      u.base = base;
      u.base2 = f->base2;
      return u;
    }
  }
  u.base = base;
  if (translit::LatinSpecial(base)) {
    u.script = Script::kLatinSpecial;
  } else if (InRange(base, 0x0400, 0x04FF)) {
    u.script = Script::kCyrillic;
  } else if (InRange(base, 0x0370, 0x03FF) && translit::Greek(base)) {
    u.script = Script::kGreek;
  } else if (base == 0x0629 || translit::Arabic(base)) {
    u.script = Script::kArabic;
  } else {
    return std::nullopt;
  }
  return u;
}

Expected<std::vector<Unit>> ToUnits(std::string_view utf8) {
  if (utf8.size() > kMaxNameBytes) {
    return ParseError("name longer than " + std::to_string(kMaxNameBytes) + " bytes", 0);
  }
  auto cps = Decode(utf8);
  if (!cps) return std::move(cps).error();
  std::vector<Unit> units;
  units.reserve(cps->size());
  for (const auto& [cp, offset] : *cps) {
    if (IsCombiningMark(cp)) {
      if (units.empty() || units.back().kind != Kind::kLetter) {
        return ParseError("combining mark without a letter", offset);
      }
      // Only the first mark counts (as in the fold table); further ones are dropped.
      if (units.back().mark == 0) units.back().mark = cp;
      continue;
    }
    if (IsSeparator(cp)) {
      units.push_back({Kind::kSeparator, Script::kLatin, 0, 0, 0, offset});
      continue;
    }
    if (IsDropped(cp)) {
      units.push_back({Kind::kDropped, Script::kLatin, 0, 0, 0, offset});
      continue;
    }
    auto u = LetterUnit(cp, offset);
    if (!u) return ParseError("character without transliteration", offset);
    units.push_back(*u);
  }
  return units;
}

// ---- Pieces: each letter's spellings -------------------------------------------------

struct Piece {
  std::array<std::string_view, 3> slot;  // recommended, simplified, XX
};

Piece Single(std::string_view s) {
  return Piece{{s, "", ""}};
}
Piece FromOutputs(const Outputs& o) {
  return Piece{{o.recommended, o.simplified, o.xx}};
}

std::string_view AsciiLetter(char32_t c) {
  static constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return kLetters.substr(static_cast<std::size_t>(c - U'A'), 1);
}

class Transliterator {
 public:
  Transliterator(const std::vector<Unit>& units, CyrillicVariant variant)
      : units_(units), variant_(variant) {}

  Expected<std::vector<Piece>> Run() {
    for (std::size_t i = 0; i < units_.size();) {
      const Unit& u = units_[i];
      if (u.kind == Kind::kSeparator) {
        pending_separator_ = any_letter_;
        ++i;
        continue;
      }
      if (u.kind == Kind::kDropped) {
        ++i;
        continue;
      }
      auto consumed = Letter(i);
      if (!consumed) return std::move(consumed).error();
      i += *consumed;
    }
    if (!any_letter_) return ParseError("no letters", 0);
    return std::move(pieces_);
  }

 private:
  void Emit(const Piece& p) {
    if (p.slot[0].empty() && p.slot[1].empty() && p.slot[2].empty()) return;
    if (pending_separator_) pieces_.push_back(Single("<"));
    pending_separator_ = false;
    any_letter_ = true;
    pieces_.push_back(p);
  }

  // The index of the next letter in the same word (dropped characters skipped).
  std::optional<std::size_t> NextLetter(std::size_t i) const {
    for (std::size_t j = i + 1; j < units_.size(); ++j) {
      if (units_[j].kind == Kind::kLetter) return j;
      if (units_[j].kind == Kind::kSeparator) return std::nullopt;
    }
    return std::nullopt;
  }
  bool PreviousIsLetter(std::size_t i) const {
    return i > 0 && units_[i - 1].kind == Kind::kLetter;
  }
  const Unit* NextGreek(std::size_t i) const {
    auto j = NextLetter(i);
    return j && units_[*j].script == Script::kGreek ? &units_[*j] : nullptr;
  }

  // Emits the pieces of the letter at i; returns how many units it consumed.
  Expected<std::size_t> Letter(std::size_t i) {
    const Unit& u = units_[i];
    switch (u.script) {
      case Script::kLatin:
        if (u.base2 != 0) {
          Emit(Single(AsciiLetter(u.base)));
          Emit(Single(AsciiLetter(u.base2)));
        } else if (auto o = translit::LatinDiacritic(u.base, u.mark)) {
          Emit(FromOutputs(*o));
        } else {
          Emit(Single(AsciiLetter(u.base)));
        }
        return 1;
      case Script::kLatinSpecial:
        Emit(FromOutputs(*translit::LatinSpecial(u.base)));
        return 1;
      case Script::kCyrillic: {
        auto o = translit::Cyrillic(u.base, u.mark, variant_);
        if (!o && u.mark != 0) o = translit::Cyrillic(u.base, 0, variant_);
        if (!o) return ParseError("character without transliteration", u.offset);
        Emit(FromOutputs(*o));
        return 1;
      }
      case Script::kGreek:
        return GreekLetter(i);
      case Script::kArabic:
        if (u.base == 0x0629) {  // teh marbuta: XAH at the end of a name component
          const auto j = NextLetter(i);
          Emit(Single(j && units_[*j].script == Script::kArabic ? "XTA" : "XAH"));
        } else {
          Emit(Single(*translit::Arabic(u.base)));
        }
        return 1;
    }
    return ParseError("character without transliteration", u.offset);
  }

  // ELOT 743: αυ, ευ, ηυ → AV, EV, IV before vowels and voiced consonants, AF, EF, IF
  // otherwise; ου → OU; γγ → NG, γξ → NX, γχ → NCH; μπ, ντ at the start of a word
  // → MP, NT (B, D as alternatives). A dialytika on υ, or an accent on the first
  // vowel, keeps the letters apart.
  std::size_t GreekLetter(std::size_t i) {
    const Unit& u = units_[i];
    const Unit* next = NextGreek(i);
    const bool next_is_plain_upsilon = next && next->base == 0x03A5 && next->mark != 0x0308;
    const auto after = [&]() -> const Unit* {
      const auto j = NextLetter(i);
      return j ? NextGreek(*j) : nullptr;
    };
    if ((u.base == 0x0391 || u.base == 0x0395 || u.base == 0x0397) && u.mark == 0 &&
        next_is_plain_upsilon) {
      const Unit* a = after();
      bool voiced = false;
      if (a) {
        switch (a->base) {
          case 0x0391:
          case 0x0395:
          case 0x0397:
          case 0x0399:
          case 0x039F:
          case 0x03A5:
          case 0x03A9:
          case 0x0392:
          case 0x0393:
          case 0x0394:
          case 0x0396:
          case 0x039B:
          case 0x039C:
          case 0x039D:
          case 0x03A1:
            voiced = true;
            break;
          default:
            break;
        }
      }
      static constexpr std::array<std::string_view, 6> kDigraphs = {"AV", "AF", "EV",
                                                                    "EF", "IV", "IF"};
      const std::size_t row = u.base == 0x0391 ? 0 : u.base == 0x0395 ? 2 : 4;
      Emit(Single(kDigraphs[row + (voiced ? 0 : 1)]));
      return 1 + (*NextLetter(i) - i);
    }
    if (u.base == 0x039F && u.mark == 0 && next_is_plain_upsilon) {
      Emit(Single("OU"));
      return 1 + (*NextLetter(i) - i);
    }
    if (u.base == 0x0393 && next) {
      std::string_view s;
      if (next->base == 0x0393) s = "NG";
      if (next->base == 0x039E) s = "NX";
      if (next->base == 0x03A7) s = "NCH";
      if (!s.empty()) {
        Emit(Single(s));
        return 1 + (*NextLetter(i) - i);
      }
    }
    if (!PreviousIsLetter(i) && next &&
        ((u.base == 0x039C && next->base == 0x03A0) ||
         (u.base == 0x039D && next->base == 0x03A4))) {
      Emit(Piece{{u.base == 0x039C ? "MP" : "NT", u.base == 0x039C ? "B" : "D", ""}});
      return 1 + (*NextLetter(i) - i);
    }
    Emit(Single(*translit::Greek(u.base)));
    return 1;
  }

  const std::vector<Unit>& units_;
  CyrillicVariant variant_;
  std::vector<Piece> pieces_;
  bool pending_separator_ = false;
  bool any_letter_ = false;
};

// ---- Forms ---------------------------------------------------------------------------

class FormSet {
 public:
  explicit FormSet(std::size_t cap) : cap_(cap) {}
  bool Full() const { return forms_.size() >= cap_; }
  void Add(std::string s) {
    if (Full() || std::find(forms_.begin(), forms_.end(), s) != forms_.end()) return;
    forms_.push_back(std::move(s));
  }
  std::vector<std::string> Take() && { return std::move(forms_); }

 private:
  std::size_t cap_;
  std::vector<std::string> forms_;
};

// The distinct spellings of a piece, recommended first.
std::vector<std::string_view> Options(const Piece& p) {
  std::vector<std::string_view> out{p.slot[0]};
  for (std::size_t k = 1; k < p.slot.size(); ++k) {
    if (!p.slot[k].empty() && std::find(out.begin(), out.end(), p.slot[k]) == out.end()) {
      out.push_back(p.slot[k]);
    }
  }
  return out;
}

std::vector<std::string> Forms(const std::vector<Piece>& pieces, std::size_t cap) {
  FormSet forms(cap);
  for (std::size_t policy = 0; policy < 3; ++policy) {
    std::string s;
    for (const auto& p : pieces) s += p.slot[policy].empty() ? p.slot[0] : p.slot[policy];
    forms.Add(std::move(s));
  }
  // Mixed spellings: an odometer over the ambiguous pieces, the last one fastest.
  std::vector<std::vector<std::string_view>> options;
  options.reserve(pieces.size());
  std::vector<std::size_t> ambiguous;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    options.push_back(Options(pieces[i]));
    if (options.back().size() > 1) ambiguous.push_back(i);
  }
  std::vector<std::size_t> choice(pieces.size(), 0);
  for (std::size_t tries = 0; !forms.Full() && tries < cap * kTriesPerForm; ++tries) {
    std::size_t k = ambiguous.size();
    while (k > 0) {
      const std::size_t i = ambiguous[k - 1];
      if (++choice[i] < options[i].size()) break;
      choice[i] = 0;
      --k;
    }
    if (k == 0) break;  // every combination seen
    std::string s;
    for (std::size_t i = 0; i < pieces.size(); ++i) s += options[i][choice[i]];
    forms.Add(std::move(s));
  }
  return std::move(forms).Take();
}

}  // namespace

std::string_view CyrillicVariantName(CyrillicVariant variant) {
  switch (variant) {
    case CyrillicVariant::kRussian:
      return "RUSSIAN";
    case CyrillicVariant::kUkrainian:
      return "UKRAINIAN";
    case CyrillicVariant::kBelarusian:
      return "BELARUSIAN";
    case CyrillicVariant::kBulgarian:
      return "BULGARIAN";
    case CyrillicVariant::kSerbian:
      return "SERBIAN";
    case CyrillicVariant::kMacedonian:
      return "MACEDONIAN";
  }
  return "UNKNOWN";
}

std::optional<CyrillicVariant> CyrillicVariantForState(std::string_view code) {
  struct Entry {
    std::string_view code;
    CyrillicVariant variant;
  };
  static constexpr Entry kStates[] = {
      {"BGR", CyrillicVariant::kBulgarian},  {"BIH", CyrillicVariant::kSerbian},
      {"BLR", CyrillicVariant::kBelarusian}, {"MKD", CyrillicVariant::kMacedonian},
      {"MNE", CyrillicVariant::kSerbian},    {"RUS", CyrillicVariant::kRussian},
      {"SRB", CyrillicVariant::kSerbian},    {"UKR", CyrillicVariant::kUkrainian},
  };
  for (const auto& e : kStates) {
    if (e.code == code) return e.variant;
  }
  return std::nullopt;
}

Expected<std::vector<std::string>> MrzNameForms(std::string_view utf8,
                                                const TransliterationOptions& options) {
  if (options.max_forms == 0 || options.max_forms > kMaxFormsLimit) {
    return InvalidArgument("max_forms must be 1.." + std::to_string(kMaxFormsLimit));
  }
  auto units = ToUnits(utf8);
  if (!units) return std::move(units).error();
  auto pieces = Transliterator(*units, options.cyrillic).Run();
  if (!pieces) return std::move(pieces).error();
  return Forms(*pieces, options.max_forms);
}

Expected<std::string> MrzName(std::string_view utf8, const TransliterationOptions& options) {
  TransliterationOptions one = options;
  one.max_forms = 1;
  auto forms = MrzNameForms(utf8, one);
  if (!forms) return std::move(forms).error();
  return std::move(forms->front());
}

Expected<MrzNameField> BuildMrzNameField(std::string_view primary, std::string_view secondary,
                                         std::size_t width) {
  if (width < 2 || width > 64) return InvalidArgument("name field width must be 2..64");
  const auto valid = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || c == '<'; });
  };
  if (!valid(primary) || !valid(secondary)) {
    return InvalidArgument("name components must hold only A-Z and '<'");
  }
  if (primary.find_first_not_of('<') == std::string_view::npos) {
    return InvalidArgument("primary identifier has no letters");
  }
  std::string field(primary);
  if (secondary.find_first_not_of('<') != std::string_view::npos) {
    field += "<<";
    field += secondary;
  }
  MrzNameField out;
  out.truncated = field.size() > width;
  if (out.truncated) {
    field.resize(width);
    while (!field.empty() && field.back() == '<') field.pop_back();
  }
  field.resize(width, '<');
  out.field = std::move(field);
  return out;
}

}  // namespace checkpoint::documents
