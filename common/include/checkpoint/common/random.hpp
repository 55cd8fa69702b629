#pragma once
#include <string>

namespace checkpoint::common {
// A random (version 4) UUID in canonical lower-case form, from the OS CSPRNG via OpenSSL.
std::string NewUuid();
}  // namespace checkpoint::common
