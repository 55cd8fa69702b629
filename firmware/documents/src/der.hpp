#pragma once
// Private: a bounded, strict DER reader for the few ICAO structures decoded by hand
// (the EF.SOD and DG1 wrappers, the LDSSecurityObject). Definite lengths only, in
// their shortest form; every length is checked against the bytes that remain, so a
// hostile length can neither read out of bounds nor make anything allocate.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace checkpoint::documents::detail {

struct Tlv {
  std::uint32_t tag = 0;  // the tag bytes as a number: 0x30, 0x77, 0x5F1F
  std::span<const std::uint8_t> value;
  std::span<const std::uint8_t> whole;  // tag, length and value
};

class DerReader {
 public:
  explicit DerReader(std::span<const std::uint8_t> bytes) : rest_(bytes) {}

  bool empty() const noexcept { return rest_.empty(); }
  std::size_t remaining() const noexcept { return rest_.size(); }

  // The next TLV, or nullopt with error() set. Tags of up to three bytes.
  std::optional<Tlv> Next() {
    std::size_t i = 0;
    auto byte = [&](std::uint8_t& b) {
      if (i >= rest_.size()) return false;
      b = rest_[i++];
      return true;
    };
    std::uint8_t b = 0;
    if (!byte(b)) return Fail("truncated: expected a tag");
    std::uint32_t tag = b;
    if ((b & 0x1F) == 0x1F) {
      for (int n = 0;; ++n) {
        if (n == 2) return Fail("tag longer than three bytes");
        if (!byte(b)) return Fail("truncated inside a tag");
        tag = (tag << 8) | b;
        if ((b & 0x80) == 0) break;
      }
    }
    if (!byte(b)) return Fail("truncated: expected a length");
    std::size_t length = b;
    if (b == 0x80) return Fail("indefinite length (not DER)");
    if (b > 0x80) {
      const int n = b & 0x7F;
      if (n > 3) return Fail("length field longer than three bytes");
      length = 0;
      for (int k = 0; k < n; ++k) {
        if (!byte(b)) return Fail("truncated inside a length");
        if (k == 0 && b == 0) return Fail("length not in shortest form");
        length = (length << 8) | b;
      }
      if (length < 0x80) return Fail("length not in shortest form");
    }
    if (length > rest_.size() - i) return Fail("length beyond the end of the data");
    Tlv t{.tag = tag, .value = rest_.subspan(i, length), .whole = rest_.subspan(0, i + length)};
    rest_ = rest_.subspan(i + length);
    return t;
  }

  // The next TLV, which must carry `tag`.
  std::optional<Tlv> Expect(std::uint32_t tag, const char* what) {
    auto t = Next();
    if (!t) return std::nullopt;
    if (t->tag != tag) return Fail(std::string(what) + ": unexpected tag");
    return t;
  }

  const std::string& error() const noexcept { return error_; }

 private:
  std::nullopt_t Fail(std::string why) {
    error_ = std::move(why);
    return std::nullopt;
  }
  std::span<const std::uint8_t> rest_;
  std::string error_;
};

// A DER INTEGER's content as a small non-negative number, or nullopt when it is
// negative, not minimally encoded or larger than `max`.
inline std::optional<long> SmallUnsigned(std::span<const std::uint8_t> v, long max) {
  if (v.empty() || v.size() > 4) return std::nullopt;
  if (v[0] & 0x80) return std::nullopt;                                  // negative
  if (v.size() > 1 && v[0] == 0 && !(v[1] & 0x80)) return std::nullopt;  // not minimal
  long n = 0;
  for (std::uint8_t b : v) n = (n << 8) | b;
  if (n > max) return std::nullopt;
  return n;
}

}  // namespace checkpoint::documents::detail
