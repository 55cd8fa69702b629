// Any bytes: the first selects the options (Cyrillic variant, form cap), the rest is
// the name. MrzNameForms must give forms or an error, never crash; forms hold only A-Z
// and single '<' between words, are distinct, within the cap, and the same on a second
// call; the name field built from the first form has exactly the requested width.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "checkpoint/documents/transliterate.hpp"

using namespace checkpoint::documents;

namespace {
bool WellFormed(std::string_view f) {
  if (f.empty() || f.front() == '<' || f.back() == '<') return false;
  if (f.find("<<") != std::string_view::npos) return false;
  return std::all_of(f.begin(), f.end(), [](char c) { return (c >= 'A' && c <= 'Z') || c == '<'; });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const TransliterationOptions options{
      .cyrillic = static_cast<CyrillicVariant>(data[0] % 6),
      .max_forms = 1 + (data[0] / 6u) % kMaxFormsLimit,
  };
  const std::string_view name(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = MrzNameForms(name, options);
  if (!r) {
    if (!r.error().Is(checkpoint::CommonErrc::kParse) || r.error().message().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const auto& forms = *r;
  if (forms.empty() || forms.size() > options.max_forms) __builtin_trap();
  for (std::size_t i = 0; i < forms.size(); ++i) {
    if (!WellFormed(forms[i])) __builtin_trap();
    if (std::find(forms.begin(), forms.begin() + static_cast<std::ptrdiff_t>(i), forms[i]) !=
        forms.begin() + static_cast<std::ptrdiff_t>(i)) {
      __builtin_trap();
    }
  }
  auto again = MrzNameForms(name, options);
  if (!again || *again != forms) __builtin_trap();
  for (std::size_t width : {kTd1NameWidth, kTd2NameWidth, kTd3NameWidth}) {
    auto field = BuildMrzNameField(forms.front(), forms.back(), width);
    if (!field || field->field.size() != width) __builtin_trap();
  }
  return 0;
}
