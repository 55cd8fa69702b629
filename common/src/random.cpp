#include "checkpoint/common/random.hpp"

#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>

#include "checkpoint/common/sha256.hpp"

namespace checkpoint::common {

std::string NewUuid() {
  std::uint8_t b[16];
  // RAND_bytes fails only when the CSPRNG cannot be seeded; identifiers that could
  // collide would corrupt exactly-once delivery, so stop rather than go on.
  if (RAND_bytes(b, sizeof b) != 1) std::abort();
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = ToHex(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

}  // namespace checkpoint::common
