// Any bytes as a customs declarations file ([risk] declarations): parsing must
// succeed or fail with a kParse error naming the source and line, never crash; what
// parses holds the documented bounds.
#include <cstdint>
#include <string_view>

#include "checkpoint/inspection/declarations.hpp"

using namespace checkpoint;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = inspection::ParseDeclarations(text, "fuzz");
  if (!r) {
    if (!r.error().Is(CommonErrc::kParse)) __builtin_trap();
    if (!r.error().message().starts_with("fuzz")) __builtin_trap();
    return 0;
  }
  for (const auto& d : *r) {
    if (d.id.empty() || d.id.size() > 64) __builtin_trap();
    if (d.plate.empty() && d.container_codes.empty()) __builtin_trap();
    if (d.seals.size() > 64 || d.container_codes.size() > 64) __builtin_trap();
    if (d.gross_weight_kg && !(*d.gross_weight_kg > 0 && *d.gross_weight_kg <= 500000)) {
      __builtin_trap();
    }
  }
  return 0;
}
