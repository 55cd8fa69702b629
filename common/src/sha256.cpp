#include "checkpoint/common/sha256.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace checkpoint::common {

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
  void Init() {
    // Failure here means OpenSSL cannot allocate or has no SHA-256: nothing sane to
    // return to, and hashing is load-bearing for integrity, so stop.
    if (!ctx) ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) std::abort();
  }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->Init();
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256& Sha256::Update(std::span<const std::uint8_t> data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) std::abort();
  return *this;
}

Sha256& Sha256::Update(std::string_view data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) std::abort();
  return *this;
}

Sha256& Sha256::UpdateU64(std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return Update(std::span<const std::uint8_t>(b, 8));
}

Sha256& Sha256::UpdateField(std::string_view data) {
  UpdateU64(data.size());
  return Update(data);
}

Digest256 Sha256::Final() {
  Digest256 d{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, d.data(), &len) != 1 || len != d.size()) std::abort();
  impl_->Init();
  return d;
}

Digest256 Sha256::Of(std::string_view data) {
  return Sha256().Update(data).Final();
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = kDigits[bytes[i] >> 4];
    s[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return s;
}

bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string r;
  r.resize(hex.size() / 2);
  for (size_t i = 0; i < r.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    r[i] = static_cast<char>((hi << 4) | lo);
  }
  out = std::move(r);
  return true;
}

}  // namespace checkpoint::common
