#include "checkpoint/protocol/errors.hpp"

namespace checkpoint::protocol {

namespace {
class ProtocolCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "protocol"; }
  std::string message(int c) const override {
    switch (static_cast<ProtocolErrc>(c)) {
      case ProtocolErrc::kMalformed:
        return "malformed message";
      case ProtocolErrc::kTooLarge:
        return "message too large";
      case ProtocolErrc::kUnsupportedVersion:
        return "unsupported protocol version";
      case ProtocolErrc::kBadSignature:
        return "bad signature";
      case ProtocolErrc::kBadKey:
        return "unusable key or certificate";
      case ProtocolErrc::kCrypto:
        return "cryptographic or compression failure";
    }
    return "unknown protocol error";
  }
};
}  // namespace

const std::error_category& ProtocolCategory() noexcept {
  static const ProtocolCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(ProtocolErrc e) noexcept {
  return {static_cast<int>(e), ProtocolCategory()};
}

}  // namespace checkpoint::protocol
