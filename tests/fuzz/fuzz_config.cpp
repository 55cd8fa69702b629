// The configuration parser must turn any byte string into a Config or an Error.
#include <cstdint>
#include <string_view>

#include "checkpoint/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = checkpoint::config::ParseConfig(text, "fuzz.toml");
  if (!c && c.error().message().empty()) __builtin_trap();  // errors must say something
  return 0;
}
