#pragma once
// For the protocol fuzz targets: whether a parse failed, trapping when the failure
// is not a ProtocolCategory error with a message (every refusal must say why).
#include "checkpoint/common/error.hpp"
#include "checkpoint/protocol/errors.hpp"

namespace checkpoint::fuzz {

template <typename T>
bool Failed(const Expected<T>& r) {
  if (r) return false;
  if (r.error().code().category() != protocol::ProtocolCategory()) __builtin_trap();
  if (r.error().message().empty()) __builtin_trap();
  return true;
}

}  // namespace checkpoint::fuzz
