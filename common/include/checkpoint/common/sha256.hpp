#pragma once
// SHA-256 (OpenSSL EVP underneath; no OpenSSL type in this header).

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace checkpoint::common {

using Digest256 = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  Sha256& Update(std::span<const std::uint8_t> data);
  Sha256& Update(std::string_view data);
  // Big-endian, fixed width: for unambiguous hashing of structured data.
  Sha256& UpdateU64(std::uint64_t v);
  // A length prefix (UpdateU64) then the bytes: concatenations cannot collide.
  Sha256& UpdateField(std::string_view data);
  // Finishes the hash; the object is reset and may be reused.
  Digest256 Final();

  static Digest256 Of(std::string_view data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string ToHex(std::span<const std::uint8_t> bytes);
// Accepts upper- and lower-case; false on odd length or a non-hex character.
bool FromHex(std::string_view hex, std::string& out);

}  // namespace checkpoint::common
