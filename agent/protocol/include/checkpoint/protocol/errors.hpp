#pragma once
#include <string>
#include <system_error>

#include "checkpoint/common/error.hpp"

namespace checkpoint::protocol {

enum class ProtocolErrc {
  kMalformed = 1,       // not a well-formed protocol message (syntax, type, range, unknown key)
  kTooLarge,            // a size limit was exceeded (body, decompressed size, count, field)
  kUnsupportedVersion,  // a version this code does not speak
  kBadSignature,        // a signature does not verify against the device key
  kBadKey,              // a key, certificate or CSR that is unusable
  kCrypto,              // OpenSSL or zlib failed for another reason
};

const std::error_category& ProtocolCategory() noexcept;
std::error_condition make_error_condition(ProtocolErrc e) noexcept;

inline Error MakeError(ProtocolErrc e, std::string message) {
  return Error(make_error_condition(e), std::move(message));
}

}  // namespace checkpoint::protocol

template <>
struct std::is_error_condition_enum<checkpoint::protocol::ProtocolErrc> : std::true_type {};
