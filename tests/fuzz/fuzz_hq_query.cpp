// Any bytes as the query string of HQ's query API, as a page cursor and as a
// bundle download's Range header: parsing must succeed or fail with an
// invalid-argument error that has a message, never crash; what parses holds no
// control character, a cursor that decodes encodes to a canonical text (no leading
// zeros) that decodes to itself, and a range that parses is ordered and reads back
// the same once written out.
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/hq/http.hpp"
#include "checkpoint/hq/query.hpp"

using namespace checkpoint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = hq::ParseQueryString(text);
  if (!params) {
    if (!params.error().Is(CommonErrc::kInvalidArgument) || params.error().message().empty()) {
      __builtin_trap();
    }
  } else {
    for (const auto& [k, v] : *params) {
      for (char c : k + v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) __builtin_trap();
      }
    }
  }
  if (auto cursor = hq::RecordCursor::Decode(text)) {
    auto again = hq::RecordCursor::Decode(cursor->Encode());
    if (!again || again->Encode() != cursor->Encode()) __builtin_trap();
  }
  if (auto range = hq::ParseByteRange(text)) {
    if (range->first < 0 || (range->last && *range->last < range->first)) __builtin_trap();
    const std::string again = "bytes=" + std::to_string(range->first) + "-" +
                              (range->last ? std::to_string(*range->last) : std::string());
    auto back = hq::ParseByteRange(again);
    if (!back || back->first != range->first || back->last != range->last) __builtin_trap();
  }
  return 0;
}
