#pragma once
// Error conditions of the A/B firmware updater (docs/update.md).

#include <string>
#include <system_error>

#include "checkpoint/common/error.hpp"

namespace checkpoint::update {

enum class UpdateErrc {
  kBadImage = 1,   // the update image or its manifest is malformed or does not match
  kBadSignature,   // not signed by a pinned firmware-signing key
  kWrongHardware,  // built for another target
  kDowngrade,      // not above the installed version and not signed as a downgrade
  kNotAllowed,     // the state machine has no transition for this event in this state
  kSlot,           // the slots or the boot selector cannot be read or written
  kState,          // the persisted update state is unreadable or of an unknown version
};

const std::error_category& UpdateCategory() noexcept;
std::error_condition make_error_condition(UpdateErrc e) noexcept;

inline Error MakeError(UpdateErrc e, std::string message) {
  return Error(make_error_condition(e), std::move(message));
}

}  // namespace checkpoint::update

template <>
struct std::is_error_condition_enum<checkpoint::update::UpdateErrc> : std::true_type {};
