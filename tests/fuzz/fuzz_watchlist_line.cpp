// Any bytes as one watchlist line, and as a whole list or delta file: parsing must
// succeed or fail with a kParse error naming the line, never crash. An entry that
// parses must have a canonical form that parses back to the same canonical form.
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/risk/watchlist_json.hpp"

using namespace checkpoint;
using namespace checkpoint::risk;

namespace {

void Line(std::string_view text, bool delta) {
  auto e = ParseWatchlistLine(text, 42, {.delta = delta});
  if (!e) {
    if (!e.error().Is(CommonErrc::kParse)) __builtin_trap();
    if (!e.error().message().starts_with("line 42: ")) __builtin_trap();
    return;
  }
  if (e->id.empty()) __builtin_trap();
  if (!delta && e->remove) __builtin_trap();
  const std::string canonical = CanonicalJson(*e);
  auto again = ParseWatchlistLine(canonical, 1, {.delta = true});
  if (!again) __builtin_trap();
  if (CanonicalJson(*again) != canonical) __builtin_trap();
}

void File(std::string_view text, bool delta) {
  std::size_t last_line = 0;
  auto r = ParseWatchlistStream(ReadFromString(text), {.delta = delta},
                                [&](WatchlistEntry&&, std::size_t line) -> Status {
                                  if (line <= last_line) __builtin_trap();  // file order
                                  last_line = line;
                                  return {};
                                });
  if (!r) {
    if (!r.error().Is(CommonErrc::kParse)) __builtin_trap();
    const std::string& m = r.error().message();
    if (!m.starts_with("line ") && !m.starts_with("the list holds no entry")) __builtin_trap();
    return;
  }
  if (r->bytes != text.size()) __builtin_trap();
  if (r->entries != r->upserts + r->removals) __builtin_trap();
  if (!delta && r->entries == 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool delta = size > 0 && (data[size - 1] & 1) != 0;
  Line(text, delta);
  File(text, delta);
  return 0;
}
