#include "checkpoint/update/errors.hpp"

namespace checkpoint::update {

namespace {
class UpdateCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "update"; }
  std::string message(int c) const override {
    switch (static_cast<UpdateErrc>(c)) {
      case UpdateErrc::kBadImage:
        return "malformed update image";
      case UpdateErrc::kBadSignature:
        return "update image not signed by a pinned key";
      case UpdateErrc::kWrongHardware:
        return "update image for other hardware";
      case UpdateErrc::kDowngrade:
        return "downgrade refused";
      case UpdateErrc::kNotAllowed:
        return "not allowed in this update state";
      case UpdateErrc::kSlot:
        return "slot or boot selector failure";
      case UpdateErrc::kState:
        return "update state unreadable";
    }
    return "unknown update error";
  }
};
}  // namespace

const std::error_category& UpdateCategory() noexcept {
  static const UpdateCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(UpdateErrc e) noexcept {
  return {static_cast<int>(e), UpdateCategory()};
}

}  // namespace checkpoint::update
