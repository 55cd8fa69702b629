#include "checkpoint/agent/errors.hpp"

namespace checkpoint::agent {

namespace {
class SyncCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "sync"; }
  std::string message(int c) const override {
    switch (static_cast<SyncErrc>(c)) {
      case SyncErrc::kNetwork:
        return "network failure";
      case SyncErrc::kTls:
        return "TLS failure";
      case SyncErrc::kHttp:
        return "HQ answered with an error";
      case SyncErrc::kProtocol:
        return "invalid answer from HQ";
      case SyncErrc::kNotEnrolled:
        return "not enrolled";
      case SyncErrc::kChain:
        return "hash chain broken";
      case SyncErrc::kRejected:
        return "records rejected by HQ";
    }
    return "unknown sync error";
  }
};
}  // namespace

const std::error_category& SyncCategory() noexcept {
  static const SyncCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(SyncErrc e) noexcept {
  return {static_cast<int>(e), SyncCategory()};
}

}  // namespace checkpoint::agent
