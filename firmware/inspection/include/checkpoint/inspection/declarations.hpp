#pragma once
// What the customs declaration says about a vehicle: declared gross weight,
// container codes and seal numbers. The customs declaration feed (advance cargo
// information from the national customs system, through HQ) comes later; until
// then the daemon uses an empty InMemoryDeclarations, and the cargo facts that
// depend on a declaration stay absent (so their rules cannot fire).

#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::inspection {

struct Declaration {
  std::string id;     // the declaration's reference (MRN or similar)
  std::string plate;  // the vehicle's plate as declared (any script)
  std::vector<std::string> container_codes;
  // The gross weight the weighbridge should show for the vehicle and its load, kg.
  std::optional<double> gross_weight_kg;
  std::vector<std::string> seals;
};

class DeclarationProvider {
 public:
  virtual ~DeclarationProvider() = default;
  // The declaration for a vehicle passing `lane` with this (normalised) plate or any
  // of these container codes; nullopt when none is known. Called on the inspector's
  // thread; must not block (no I/O): providers keep what they serve in memory.
  virtual std::optional<Declaration> Find(std::string_view lane, std::string_view plate,
                                          std::span<const std::string> container_codes) const = 0;
};

// Declarations held in memory, matched by plate (risk::PlateMatchKey, OCR-tolerant)
// or by container code (cargo::ContainerMatchKey). Thread-safe.
class InMemoryDeclarations final : public DeclarationProvider {
 public:
  void Add(Declaration d);
  void Clear();
  std::optional<Declaration> Find(std::string_view lane, std::string_view plate,
                                  std::span<const std::string> container_codes) const override;

 private:
  mutable std::mutex mu_;
  std::vector<Declaration> items_;
};

}  // namespace checkpoint::inspection
