#include "checkpoint/inspection/declarations.hpp"

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/risk/plate.hpp"

namespace checkpoint::inspection {

void InMemoryDeclarations::Add(Declaration d) {
  std::lock_guard lock(mu_);
  items_.push_back(std::move(d));
}

void InMemoryDeclarations::Clear() {
  std::lock_guard lock(mu_);
  items_.clear();
}

std::optional<Declaration> InMemoryDeclarations::Find(
    std::string_view, std::string_view plate, std::span<const std::string> container_codes) const {
  const std::string plate_key = plate.empty() ? std::string() : risk::PlateMatchKey(plate, "");
  std::lock_guard lock(mu_);
  for (const auto& d : items_) {
    if (!plate_key.empty() && risk::PlateMatchKey(d.plate, "") == plate_key) return d;
    for (const auto& declared : d.container_codes) {
      for (const auto& read : container_codes) {
        if (cargo::SameContainer(declared, read)) return d;
      }
    }
  }
  return std::nullopt;
}

}  // namespace checkpoint::inspection
