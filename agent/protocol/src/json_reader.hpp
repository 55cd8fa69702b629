#pragma once
// Strict reading of one JSON object: every key must be read exactly once with its
// exact type and range, and Finish() refuses keys nobody asked for. nlohmann-json
// stays in this private header; its exceptions stop in ParseJsonObject.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::protocol::detail {

// Parses `text` (at most max_bytes, well-formed UTF-8, nesting at most max_depth)
// into a JSON object.
Expected<nlohmann::json> ParseJsonObject(std::string_view text, std::size_t max_bytes,
                                         std::size_t max_depth, std::string_view what);

class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

  Expected<std::int64_t> Int(std::string_view key, std::int64_t min, std::int64_t max);
  // A string of at most max_bytes bytes (min_bytes at least).
  Expected<std::string> String(std::string_view key, std::size_t min_bytes, std::size_t max_bytes);
  // Base64 text decoding to exactly `size` bytes (size 0: any size up to max_bytes).
  Expected<std::string> Base64(std::string_view key, std::size_t size, std::size_t max_bytes);
  // 64 lower-case hex digits: a SHA-256 digest, as 32 bytes.
  Expected<std::array<std::uint8_t, 32>> Digest(std::string_view key);
  bool Has(std::string_view key) const { return j_.contains(std::string(key)); }
  const nlohmann::json* Raw(std::string_view key);
  Status Finish() const;

  Error Bad(std::string_view key, std::string_view problem) const;

 private:
  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace checkpoint::protocol::detail
