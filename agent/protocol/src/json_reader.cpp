#include "json_reader.hpp"

#include <limits>
#include <vector>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/common/text.hpp"
#include "checkpoint/protocol/errors.hpp"

namespace checkpoint::protocol::detail {

Expected<nlohmann::json> ParseJsonObject(std::string_view text, std::size_t max_bytes,
                                         std::size_t max_depth, std::string_view what) {
  const std::string w(what);
  if (text.size() > max_bytes) {
    return MakeError(ProtocolErrc::kTooLarge, w + ": " + std::to_string(text.size()) +
                                                  " bytes, more than " + std::to_string(max_bytes));
  }
  if (auto bad = common::FirstInvalidUtf8(text)) {
    return MakeError(ProtocolErrc::kMalformed,
                     w + ": invalid UTF-8 at byte " + std::to_string(*bad));
  }
  if (auto deep = common::JsonNestingBeyond(text, max_depth)) {
    return MakeError(ProtocolErrc::kMalformed,
                     w + ": nested too deeply at byte " + std::to_string(*deep));
  }
  // nlohmann-json keeps the last of duplicate keys; a signed message must have one
  // meaning only, so duplicates are refused (tracked per open object).
  std::vector<std::set<std::string>> open;
  std::string duplicate;
  auto track = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      open.emplace_back();
    } else if (event == E::object_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == E::key && !open.empty() && parsed.is_string()) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (!open.back().insert(k).second && duplicate.empty()) duplicate = k;
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), track);
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ProtocolErrc::kMalformed, w + ": not JSON: " + e.what());
  }
  if (!duplicate.empty()) {
    return MakeError(ProtocolErrc::kMalformed, w + ": duplicate key \"" + duplicate + "\"");
  }
  if (!j.is_object()) return MakeError(ProtocolErrc::kMalformed, w + ": not a JSON object");
  return j;
}

Error ObjectReader::Bad(std::string_view key, std::string_view problem) const {
  std::string m = where_;
  m += ": \"";
  m += key;
  m += "\": ";
  m += problem;
  return MakeError(ProtocolErrc::kMalformed, std::move(m));
}

const nlohmann::json* ObjectReader::Raw(std::string_view key) {
  auto it = j_.find(std::string(key));
  if (it == j_.end()) return nullptr;
  seen_.emplace(key);
  return &*it;
}

Expected<std::int64_t> ObjectReader::Int(std::string_view key, std::int64_t min, std::int64_t max) {
  const nlohmann::json* v = Raw(key);
  if (!v) return Bad(key, "missing");
  std::int64_t n = 0;
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Bad(key, "out of range");
    }
    n = static_cast<std::int64_t>(u);
  } else if (v->is_number_integer()) {
    n = v->get<std::int64_t>();
  } else {
    return Bad(key, "not an integer");
  }
  if (n < min || n > max) {
    return Bad(key, "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return n;
}

Expected<std::string> ObjectReader::String(std::string_view key, std::size_t min_bytes,
                                           std::size_t max_bytes) {
  const nlohmann::json* v = Raw(key);
  if (!v) return Bad(key, "missing");
  if (!v->is_string()) return Bad(key, "not a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < min_bytes) return Bad(key, "too short");
  if (s.size() > max_bytes) {
    return Error(make_error_condition(ProtocolErrc::kTooLarge),
                 where_ + ": \"" + std::string(key) + "\": longer than " +
                     std::to_string(max_bytes) + " bytes");
  }
  return s;
}

Expected<std::string> ObjectReader::Base64(std::string_view key, std::size_t size,
                                           std::size_t max_bytes) {
  // Base64 is 4 characters per 3 bytes: bound the text before decoding it.
  const std::size_t limit = size ? size : max_bytes;
  auto text = String(key, 0, (limit + 2) / 3 * 4);
  if (!text) return std::move(text).error();
  auto bytes = common::Base64Decode(*text);
  // Only the canonical form: one encoding per value, so that what HQ stores and
  // re-serves is exactly what the device sent.
  if (!bytes || common::Base64Encode(*bytes) != *text) return Bad(key, "not canonical base64");
  if (size && bytes->size() != size) {
    return Bad(key,
               "must be " + std::to_string(size) + " bytes, not " + std::to_string(bytes->size()));
  }
  return std::move(*bytes);
}

Expected<std::array<std::uint8_t, 32>> ObjectReader::Digest(std::string_view key) {
  auto hex = String(key, 64, 64);
  if (!hex) return std::move(hex).error();
  std::string bytes;
  std::array<std::uint8_t, 32> out{};
  if (!common::FromHex(*hex, bytes) || bytes.size() != out.size()) {
    return Bad(key, "not 64 lowercase hex digits");
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  // One spelling per value: lower case only.
  if (common::ToHex(out) != *hex) return Bad(key, "not 64 lowercase hex digits");
  return out;
}

Status ObjectReader::Finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!seen_.contains(it.key())) return Bad(it.key(), "unknown key");
  }
  return {};
}

}  // namespace checkpoint::protocol::detail
