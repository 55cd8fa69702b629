#include "checkpoint/documents/transliterate.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace checkpoint::documents;
using checkpoint::CommonErrc;

namespace {

TransliterationOptions Opt(CyrillicVariant v = CyrillicVariant::kRussian,
                           std::size_t max_forms = kDefaultMaxForms) {
  return TransliterationOptions{.cyrillic = v, .max_forms = max_forms};
}

std::vector<std::string> Forms(std::string_view name, TransliterationOptions o = Opt()) {
  auto r = MrzNameForms(name, o);
  if (!r) FAIL(r.error().message());
  return *r;
}

std::string Rec(std::string_view name, CyrillicVariant v = CyrillicVariant::kRussian) {
  return Forms(name, Opt(v)).front();
}

bool Has(const std::vector<std::string>& forms, std::string_view f) {
  return std::find(forms.begin(), forms.end(), f) != forms.end();
}

bool MrzOnly(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '<'; });
}

checkpoint::Error Err(std::string_view name, TransliterationOptions o = Opt()) {
  auto r = MrzNameForms(name, o);
  if (r) FAIL("expected an error, got " << r->front());
  return r.error();
}

struct Case {
  const char* in;
  const char* out;
};

}  // namespace

TEST_CASE("Latin: Part 3 letters with two spellings, recommended first") {
  CHECK(Forms("MÜLLER") == std::vector<std::string>{"MUELLER", "MULLER", "MUXXLLER"});
  CHECK(Forms("Müller") == Forms("MÜLLER"));
  CHECK(Forms("MUÑOZ") == std::vector<std::string>{"MUNOZ", "MUNXXOZ"});
  CHECK(Forms("GÖßMANN") == std::vector<std::string>{"GOESSMANN", "GOSSMANN"});
  CHECK(Forms("ÅSTRÖM") == std::vector<std::string>{"AASTROEM", "ASTROM", "AASTROM", "ASTROEM"});
  CHECK(Forms("Hämäläinen").front() == "HAEMAELAEINEN");
  CHECK(Forms("Hämäläinen")[1] == "HAMALAINEN");
  CHECK(Forms("Hämäläinen").size() == 8);
  CHECK(Has(Forms("Hämäläinen"), "HAEMALAINEN"));
  CHECK(Forms("Øystein") == std::vector<std::string>{"OEYSTEIN", "OYSTEIN"});
}

TEST_CASE("Latin: every Part 3 entry and special letter") {
  const std::vector<Case> cases = {
      {"Ä", "AE"}, {"ä", "AE"}, {"Å", "AA"}, {"å", "AA"}, {"Æ", "AE"}, {"æ", "AE"}, {"Ĳ", "IJ"},
      {"ĳ", "IJ"}, {"Ñ", "N"},  {"ñ", "N"},  {"Ø", "OE"}, {"ø", "OE"}, {"Ö", "OE"}, {"ö", "OE"},
      {"Œ", "OE"}, {"œ", "OE"}, {"ß", "SS"}, {"ẞ", "SS"}, {"Þ", "TH"}, {"þ", "TH"}, {"Ü", "UE"},
      {"ü", "UE"}, {"Ð", "D"},  {"ð", "D"},  {"Đ", "D"},  {"đ", "D"},  {"ı", "I"},  {"İ", "I"},
      {"ĸ", "K"},  {"ŉ", "N"},  {"Ŋ", "N"},  {"ŋ", "N"},  {"Ł", "L"},  {"ł", "L"},  {"Ħ", "H"},
      {"ħ", "H"},  {"Ŧ", "T"},  {"Ŀ", "L"},  {"ŀ", "L"},  {"Ə", "A"},  {"ə", "A"},  {"Ǝ", "E"},
      {"Ɔ", "O"},  {"Ɖ", "D"},  {"Ɛ", "E"},  {"Ɣ", "G"},  {"Ʒ", "Z"},  {"ǯ", "Z"},  {"ȷ", "J"},
      {"Ʉ", "U"},  {"Ǆ", "DZ"}, {"ǅ", "DZ"}, {"ǉ", "LJ"}, {"Ǌ", "NJ"}, {"ſ", "S"},  {"Ǽ", "AE"},
      {"Ǿ", "OE"}, {"Ǟ", "AE"}, {"Ǻ", "AA"}, {"Ǘ", "UE"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(Rec(c.in) == c.out);
  }
}

TEST_CASE("Latin: other diacritics are dropped (Part 3 table and beyond)") {
  // Part 3's sequence: every A … Z with a mark Part 3 maps to the bare letter.
  const std::vector<Case> cases = {
      {"ÁÀÂÃĂĀĄ", "AAAAAAA"},
      {"ĆĈČĊÇ", "CCCCC"},
      {"Ď", "D"},
      {"ÉÈÊËĚĖĒĘĔ", "EEEEEEEEE"},
      {"ĜĞĠĢ", "GGGG"},
      {"Ĥ", "H"},
      {"ÍÌÎÏĨĪĮĬ", "IIIIIIII"},
      {"Ĵ", "J"},
      {"Ķ", "K"},
      {"ĹĽĻ", "LLL"},
      {"ŃŇŅ", "NNN"},
      {"ÓÒÔÕŐŌŎ", "OOOOOOO"},
      {"ŔŘŖ", "RRR"},
      {"ŚŜŠŞ", "SSSS"},
      {"ŤŢ", "TT"},
      {"ÚÙÛŨŬŰŮŲ", "UUUUUUUU"},
      {"Ŵ", "W"},
      {"ÝŶŸ", "YYY"},
      {"ŹŽŻ", "ZZZ"},
      {"ơưỆẫḑ", "OUEAD"},
      {"ǍǏǑǓ", "AIOU"},
      {"ȘȚșț", "STST"},
      {"ƀƁƇƊƑƓƘƝƤƬƮƳƵ", "BBCDFGKNPTTYZ"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(Rec(c.in) == c.out);
  }
  // Every letter of Latin-1 Supplement, Latin Extended-A and -B either transliterates
  // to A-Z or is refused; none crashes.
  int ok = 0;
  for (char32_t cp = 0xC0; cp <= 0x24F; ++cp) {
    std::string s;
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
    auto r = MrzNameForms(s, Opt());
    if (r) {
      ++ok;
      for (const auto& f : *r) CHECK(MrzOnly(f));
    } else {
      CHECK(r.error().Is(CommonErrc::kParse));
    }
  }
  CHECK(ok > 340);
}

TEST_CASE("NFD input gives the same forms as NFC") {
  CHECK(Forms("Mu\u0308ller") == Forms("Müller"));
  CHECK(Forms("MUN\u0303OZ") == Forms("MUÑOZ"));
  CHECK(Forms("A\u030ASTRO\u0308M") == Forms("ÅSTRÖM"));
  CHECK(Forms("A\u0308\u0304") == Forms("Ǟ"));  // the first mark decides
  CHECK(Forms("Jose\u0301") == Forms("José"));
  CHECK(Forms("\u00D8\u0301") == Forms("Ǿ"));
  CHECK(Rec("Андрии\u0306") == Rec("Андрій", CyrillicVariant::kRussian));
  CHECK(Rec("Горбаче\u0308в") == Rec("Горбачёв"));
  CHECK(Rec("Се\u0308мин", CyrillicVariant::kBelarusian) == "SIOMIN");
  CHECK(Rec("Ѓорѓи", CyrillicVariant::kMacedonian) ==
        Rec("Г\u0301орг\u0301и", CyrillicVariant::kMacedonian));
  CHECK(Rec("ΤΑΥ\u0308ΓΕΤΟΣ") == Rec("ΤΑΫΓΕΤΟΣ"));
  CHECK(Rec("e\u0323\u0302") == "E");  // ệ in NFD
}

TEST_CASE("Cyrillic: Part 3 table (Russian, the default)") {
  const std::vector<Case> cases = {
      {"А", "A"},  {"Б", "B"},  {"В", "V"},  {"Г", "G"},  {"Д", "D"},  {"Е", "E"},  {"Ё", "E"},
      {"Ж", "ZH"}, {"З", "Z"},  {"И", "I"},  {"І", "I"},  {"Й", "I"},  {"К", "K"},  {"Л", "L"},
      {"М", "M"},  {"Н", "N"},  {"О", "O"},  {"П", "P"},  {"Р", "R"},  {"С", "S"},  {"Т", "T"},
      {"У", "U"},  {"Ф", "F"},  {"Х", "KH"}, {"Ц", "TS"}, {"Ч", "CH"}, {"Ш", "SH"}, {"Щ", "SHCH"},
      {"Ы", "Y"},  {"Ъ", "IE"}, {"Э", "E"},  {"Ю", "IU"}, {"Я", "IA"}, {"Ѵ", "Y"},  {"Ґ", "G"},
      {"Ў", "U"},  {"Ѫ", "U"},  {"Ѓ", "G"},  {"Ђ", "D"},  {"Ѕ", "DZ"}, {"Ј", "J"},  {"Ќ", "K"},
      {"Љ", "LJ"}, {"Њ", "NJ"}, {"Һ", "C"},  {"Џ", "DZ"}, {"Є", "IE"}, {"Ї", "I"},  {"Ћ", "C"},
      {"ѐ", "E"},  {"ѝ", "I"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(Rec(c.in) == c.out);
  }
  CHECK(Rec("ЬА") == "A");  // the soft sign is dropped
  CHECK(Rec("Горбачёв Михаил") == "GORBACHEV<MIKHAIL");
  CHECK(Rec("Щеглова Юлия") == "SHCHEGLOVA<IULIIA");
  CHECK(Rec("Хрущёв") == "KHRUSHCHEV");
  CHECK(Rec("Подъячев") == "PODIEIACHEV");
  CHECK(Rec("Ильин") == "ILIN");
  CHECK(Rec("Цой Виктор") == "TSOI<VIKTOR");
  CHECK(Forms("Жуков") == std::vector<std::string>{"ZHUKOV"});
}

TEST_CASE("Cyrillic: national variants") {
  using V = CyrillicVariant;
  struct VCase {
    V v;
    const char* in;
    const char* out;
  };
  const std::vector<VCase> cases = {
      {V::kUkrainian, "Г", "H"},    {V::kUkrainian, "И", "Y"},   {V::kUkrainian, "Ґ", "G"},
      {V::kUkrainian, "Є", "IE"},   {V::kUkrainian, "Ї", "I"},   {V::kUkrainian, "Й", "I"},
      {V::kUkrainian, "Щ", "SHCH"}, {V::kBelarusian, "Г", "H"},  {V::kBelarusian, "Ё", "IO"},
      {V::kBelarusian, "Ў", "U"},   {V::kBulgarian, "Щ", "SHT"}, {V::kBulgarian, "Ъ", "IE"},
      {V::kBulgarian, "Й", "I"},    {V::kBulgarian, "Х", "KH"},  {V::kBulgarian, "Ю", "IU"},
      {V::kBulgarian, "Я", "IA"},   {V::kSerbian, "Г", "H"},     {V::kSerbian, "Ђ", "D"},
      {V::kSerbian, "Ж", "Z"},      {V::kSerbian, "Х", "H"},     {V::kSerbian, "Ц", "C"},
      {V::kSerbian, "Ч", "C"},      {V::kSerbian, "Ш", "S"},     {V::kSerbian, "Ћ", "C"},
      {V::kSerbian, "Џ", "DZ"},     {V::kMacedonian, "Ѓ", "GJ"}, {V::kMacedonian, "Ќ", "KJ"},
      {V::kMacedonian, "Х", "H"},   {V::kMacedonian, "Ц", "C"},  {V::kMacedonian, "Џ", "DJ"},
      {V::kMacedonian, "Ж", "ZH"},  {V::kMacedonian, "Ѕ", "DZ"}, {V::kRussian, "Г", "G"},
  };
  for (const auto& c : cases) {
    INFO(CyrillicVariantName(c.v) << " " << c.in);
    CHECK(Rec(c.in, c.v) == c.out);
  }
  // Ukrainian names as Ukrainian documents print them under the Part 3 table.
  CHECK(Rec("Зеленський Володимир", V::kUkrainian) == "ZELENSKYI<VOLODYMYR");
  CHECK(Rec("Київ", V::kUkrainian) == "KYIV");
  CHECK(Rec("Мар'яна", V::kUkrainian) == "MARIANA");
  CHECK(Rec("Мар’яна", V::kUkrainian) == "MARIANA");
  CHECK(Rec("Євген Ґалаґан", V::kUkrainian) == "IEVHEN<GALAGAN");
  CHECK(Forms("Григорій", Opt(V::kUkrainian)).front() == "HRYHORII");
  CHECK(Forms("Григорій", Opt(V::kUkrainian))[1] == "GRYGORII");  // 6th edition
  CHECK(Rec("Аляксандр Лукашэнка", V::kBelarusian) == "ALIAKSANDR<LUKASHENKA");
  CHECK(Rec("Ігар", V::kBelarusian) == "IHAR");
  const auto bg = Forms("Христо Стоичков", Opt(V::kBulgarian));
  CHECK(bg.front() == "KHRISTO<STOICHKOV");
  CHECK(Has(bg, "HRISTO<STOICHKOV"));
  CHECK(Forms("Пъстров", Opt(V::kBulgarian)) == std::vector<std::string>{"PIESTROV", "PASTROV"});
  const auto sr = Forms("Ђоковић Новак", Opt(V::kSerbian));
  CHECK(sr.front() == "DOKOVIC<NOVAK");
  CHECK(Has(sr, "DJOKOVIC<NOVAK"));
  CHECK(Rec("Шешељ Жељко", V::kSerbian) == "SESELJ<ZELJKO");
  CHECK(Forms("Горан", Opt(V::kSerbian)) == std::vector<std::string>{"HORAN", "GORAN"});
  CHECK(Rec("Ѓорѓи Цветан", V::kMacedonian) == "GJORGJI<CVETAN");
}

TEST_CASE("Cyrillic variant from the issuing state") {
  CHECK(CyrillicVariantForState("UKR") == CyrillicVariant::kUkrainian);
  CHECK(CyrillicVariantForState("BLR") == CyrillicVariant::kBelarusian);
  CHECK(CyrillicVariantForState("BGR") == CyrillicVariant::kBulgarian);
  CHECK(CyrillicVariantForState("SRB") == CyrillicVariant::kSerbian);
  CHECK(CyrillicVariantForState("MNE") == CyrillicVariant::kSerbian);
  CHECK(CyrillicVariantForState("MKD") == CyrillicVariant::kMacedonian);
  CHECK(CyrillicVariantForState("RUS") == CyrillicVariant::kRussian);
  CHECK_FALSE(CyrillicVariantForState("D"));
  CHECK_FALSE(CyrillicVariantForState(""));
}

TEST_CASE("Greek: ELOT 743 letters and digraphs") {
  const std::vector<Case> letters = {
      {"Α", "A"},  {"Β", "V"},  {"Γ", "G"},  {"Δ", "D"}, {"Ε", "E"}, {"Ζ", "Z"}, {"Η", "I"},
      {"Θ", "TH"}, {"Ι", "I"},  {"Κ", "K"},  {"Λ", "L"}, {"Μ", "M"}, {"Ν", "N"}, {"Ξ", "X"},
      {"Ο", "O"},  {"Π", "P"},  {"Ρ", "R"},  {"Σ", "S"}, {"ς", "S"}, {"Τ", "T"}, {"Υ", "Y"},
      {"Φ", "F"},  {"Χ", "CH"}, {"Ψ", "PS"}, {"Ω", "O"}, {"ώ", "O"}, {"ἀ", "A"},
  };
  for (const auto& c : letters) {
    INFO(c.in);
    CHECK(Rec(c.in) == c.out);
  }
  CHECK(Rec("ΠΑΠΑΔΟΠΟΥΛΟΣ") == "PAPADOPOULOS");
  CHECK(Rec("Γεώργιος") == "GEORGIOS");
  CHECK(Rec("Ευάγγελος") == "EVANGELOS");
  CHECK(Rec("Ευθύμιος") == "EFTHYMIOS");
  CHECK(Rec("Παύλος") == "PAVLOS");
  CHECK(Rec("Χρυσούλα Ψαρρά") == "CHRYSOULA<PSARRA");
  CHECK(Rec("Ξανθή Ζωή") == "XANTHI<ZOI");
  CHECK(Rec("ΤΑΫΓΕΤΟΣ") == "TAYGETOS");
  CHECK(Rec("ΆΥΛΟΣ") == "AYLOS");  // the accent keeps α and υ apart
  CHECK(Forms("Μπακογιάννης") == std::vector<std::string>{"MPAKOGIANNIS", "BAKOGIANNIS"});
  CHECK(Forms("Ντόρα") == std::vector<std::string>{"NTORA", "DORA"});
  CHECK(Forms("Λάμπρος") == std::vector<std::string>{"LAMPROS"});
}

TEST_CASE("Arabic: Part 3 table") {
  const std::vector<Case> cases = {
      {"ء", "XE"},  {"آ", "XAA"}, {"أ", "XAE"}, {"ؤ", "XW"},  {"إ", "I"},   {"ئ", "XI"},
      {"ا", "A"},   {"ب", "B"},   {"ت", "T"},   {"ث", "XTH"}, {"ج", "J"},   {"ح", "XH"},
      {"خ", "XKH"}, {"د", "D"},   {"ذ", "XDH"}, {"ر", "R"},   {"ز", "Z"},   {"س", "S"},
      {"ش", "XSH"}, {"ص", "XSS"}, {"ض", "XDZ"}, {"ط", "XTT"}, {"ظ", "XZZ"}, {"ع", "E"},
      {"غ", "G"},   {"ف", "F"},   {"ق", "Q"},   {"ك", "K"},   {"ل", "L"},   {"م", "M"},
      {"ن", "N"},   {"ه", "H"},   {"و", "W"},   {"ى", "XAY"}, {"ي", "Y"},   {"ٱ", "XXA"},
      {"ٹ", "XXT"}, {"ټ", "XRT"}, {"پ", "P"},   {"ځ", "XKE"}, {"څ", "XXH"}, {"چ", "XC"},
      {"ڈ", "XXD"}, {"ډ", "XDR"}, {"ڑ", "XXR"}, {"ړ", "XRR"}, {"ږ", "XRX"}, {"ژ", "XJ"},
      {"ښ", "XXS"}, {"ک", "XKK"}, {"ګ", "XXK"}, {"ڭ", "XNG"}, {"گ", "XGG"}, {"ں", "XNN"},
      {"ڼ", "XXN"}, {"ھ", "XDO"}, {"ۀ", "XYH"}, {"ہ", "XXG"}, {"ۂ", "XGE"}, {"ۃ", "XTG"},
      {"ی", "XYA"}, {"ۍ", "XXY"}, {"ې", "Y"},   {"ے", "XYB"}, {"ۓ", "XBE"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    CHECK(Rec(c.in) == c.out);
  }
  CHECK(Rec("محمد") == "MXHMD");
  CHECK(Rec("مُحَمَّد") == "MXHMD");       // vowel signs and shadda are dropped
  CHECK(Rec("فاطمة") == "FAXTTMXAH");  // teh marbuta ends the name: XAH
  CHECK(Rec("ةب") == "XTAB");          // inside a name: XTA
  CHECK(Rec("عبد الله") == "EBD<ALLH");
}

TEST_CASE("Punctuation, spaces, case") {
  CHECK(Rec("O'NEILL") == "ONEILL");
  CHECK(Rec("O’Brien") == "OBRIEN");
  CHECK(Rec("Smith-Jones") == "SMITH<JONES");
  CHECK(Rec("  van  der   Berg ") == "VAN<DER<BERG");
  CHECK(Rec("de la Cruz -- Pérez") == "DE<LA<CRUZ<PEREZ");
  CHECK(Rec("St. John") == "ST<JOHN");
  CHECK(Rec("<<MUELLER<<KARL<") == "MUELLER<KARL");
  CHECK(Rec("José\u00A0María") == "JOSE<MARIA");
  CHECK(Rec("Jean\u2010Luc") == "JEAN<LUC");
  CHECK(Rec("l·lorenç") == "LLORENC");
  CHECK(Rec("mcdonald") == "MCDONALD");
}

TEST_CASE("Forms are capped, distinct, MRZ-only and deterministic") {
  const std::string many = "ÄÖÜÄÖÜÄÖÜÄÖÜ";
  const auto f16 = Forms(many);
  CHECK(f16.size() == kDefaultMaxForms);
  CHECK(f16.front() == "AEOEUEAEOEUEAEOEUEAEOEUE");
  CHECK(f16[1] == "AOUAOUAOUAOU");
  CHECK(f16[2] == "AEOEUXXAEOEUXXAEOEUXXAEOEUXX");
  const auto f64 = Forms(many, Opt(CyrillicVariant::kRussian, kMaxFormsLimit));
  CHECK(f64.size() == kMaxFormsLimit);
  CHECK(std::equal(f16.begin(), f16.end(), f64.begin()));
  for (const auto& f : f64) {
    CHECK(MrzOnly(f));
    CHECK(std::count(f64.begin(), f64.end(), f) == 1);
  }
  CHECK(Forms(many) == f16);
  CHECK(Forms("MÜLLER", Opt(CyrillicVariant::kRussian, 1)) == std::vector<std::string>{"MUELLER"});
  CHECK(MrzName("Müller", Opt()).value() == "MUELLER");
  // The longest input accepted, every letter ambiguous.
  std::string longest;
  while (longest.size() + 2 <= kMaxNameBytes) longest += "ü";
  CHECK(Forms(longest).size() == kDefaultMaxForms);
}

TEST_CASE("Bad input is a parse error naming the position, never the name") {
  auto e = Err("SECRETNAME王");
  CHECK(e.Is(CommonErrc::kParse));
  CHECK(e.message().find("byte 10") != std::string::npos);
  CHECK(e.message().find("SECRET") == std::string::npos);
  for (std::string_view bad : {std::string_view(""),
                               std::string_view("   "),
                               std::string_view("'''"),
                               std::string_view("-<-"),
                               std::string_view("J0HN"),
                               std::string_view("A\x01"),
                               std::string_view("A\nB"),
                               std::string_view("😀"),
                               std::string_view("\xC0\xAF"),
                               std::string_view("\xC1\xBF"),
                               std::string_view("\xE0\x80\xAF"),
                               std::string_view("\xED\xA0\x80"),
                               std::string_view("\xF0\x80\x80\xAF"),
                               std::string_view("\xF4\x90\x80\x80"),
                               std::string_view("\xF8\x88\x80\x80\x80"),
                               std::string_view("\xFF"),
                               std::string_view("A\xC3"),
                               std::string_view("\x80"),
                               std::string_view("\xE2\x82"),
                               std::string_view("\xE2\x82Z"),
                               std::string_view("\xCC\x88"
                                                "A"),
                               std::string_view("A \xCC\x88"),
                               std::string_view("Ҳ"),
                               std::string_view("\0A", 2),
                               std::string_view("Ь")}) {
    INFO(std::string(bad));
    CHECK(Err(bad).Is(CommonErrc::kParse));
  }
  CHECK(Err(std::string(kMaxNameBytes + 1, 'A')).Is(CommonErrc::kParse));
  CHECK(Forms(std::string(kMaxNameBytes, 'A')).front().size() == kMaxNameBytes);
  CHECK(Err("A", Opt(CyrillicVariant::kRussian, 0)).Is(CommonErrc::kInvalidArgument));
  CHECK(Err("A", Opt(CyrillicVariant::kRussian, kMaxFormsLimit + 1))
            .Is(CommonErrc::kInvalidArgument));
}

TEST_CASE("Name field: primary << secondary, padded or truncated") {
  // The TD3 specimen of Part 4.
  auto f = BuildMrzNameField("ERIKSSON", "ANNA<MARIA", kTd3NameWidth);
  REQUIRE(f);
  CHECK(f->field == "ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
  CHECK_FALSE(f->truncated);
  CHECK(BuildMrzNameField("SMITH", "", kTd1NameWidth)->field == "SMITH<<<<<<<<<<<<<<<<<<<<<<<<<");

  auto t = BuildMrzNameField("NILAVADHANANANDA", "CHAYAPA<DEJTHAMRONG<KRASUANG", kTd3NameWidth);
  CHECK(t->field == "NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K");
  CHECK(t->truncated);
  // A cut that ends on a filler: the filler becomes padding.
  auto c = BuildMrzNameField("ABCDEFGHIJ", "KLM<NOP", 16);
  CHECK(c->field == "ABCDEFGHIJ<<KLM<");
  CHECK(c->truncated);
  // A primary identifier longer than the field is cut; the secondary is lost.
  auto p = BuildMrzNameField(std::string(45, 'A'), "B", kTd2NameWidth);
  CHECK(p->field == std::string(kTd2NameWidth, 'A'));
  CHECK(p->truncated);
  auto q = BuildMrzNameField(std::string(29, 'A'), "BC", kTd1NameWidth);
  CHECK(q->field == std::string(29, 'A') + "<");
  CHECK(q->truncated);

  CHECK(BuildMrzNameField("smith", "", 30).error().Is(CommonErrc::kInvalidArgument));
  CHECK(BuildMrzNameField("", "ANNA", 30).error().Is(CommonErrc::kInvalidArgument));
  CHECK(BuildMrzNameField("<<", "ANNA", 30).error().Is(CommonErrc::kInvalidArgument));
  CHECK(BuildMrzNameField("A", "", 1).error().Is(CommonErrc::kInvalidArgument));
  CHECK(BuildMrzNameField("A", "", 65).error().Is(CommonErrc::kInvalidArgument));

  // From national script to the field screening compares with.
  const auto primary = MrzName("Müller-Lüdenscheidt", Opt());
  const auto secondary = MrzName("Hans Jürgen", Opt());
  CHECK(BuildMrzNameField(*primary, *secondary, kTd1NameWidth)->field ==
        "MUELLER<LUEDENSCHEIDT<<HANS<JU");
}
