#pragma once
#include <string>
#include <system_error>

#include "checkpoint/common/error.hpp"

namespace checkpoint::agent {

enum class SyncErrc {
  kNetwork = 1,  // no connection, timeout, connection cut: retry later
  kTls,          // the HQ certificate does not verify against the pinned CA, or TLS failed
  kHttp,         // HQ answered with an error status (see the message)
  kProtocol,     // HQ's answer is not a valid protocol message
  kNotEnrolled,  // no device key or certificate yet
  kChain,        // the hash chain cannot be continued (an outbox entry is missing)
  kRejected,     // HQ refused records (bad signature, conflict): needs a person
};

const std::error_category& SyncCategory() noexcept;
std::error_condition make_error_condition(SyncErrc e) noexcept;

inline Error MakeError(SyncErrc e, std::string message) {
  return Error(make_error_condition(e), std::move(message));
}

}  // namespace checkpoint::agent

template <>
struct std::is_error_condition_enum<checkpoint::agent::SyncErrc> : std::true_type {};
