#pragma once
// What the customs declaration says about a vehicle: declared gross weight,
// container codes and seal numbers. The customs declaration feed (advance cargo
// information from the national customs system, through HQ) comes later; until
// then the daemon serves the declarations of a local file ([risk] declarations,
// JSON lines: ParseDeclarations), or none, and the cargo facts that depend on a
// declaration stay absent for a vehicle without one (so their rules cannot fire).

#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

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
  void Replace(std::vector<Declaration> all);  // all at once (a reload)
  void Clear();
  std::optional<Declaration> Find(std::string_view lane, std::string_view plate,
                                  std::span<const std::string> container_codes) const override;

 private:
  mutable std::mutex mu_;
  std::vector<Declaration> items_;
  // Each declaration's plate match key, made once when it is added (a lookup per
  // vehicle would otherwise normalise every declared plate again).
  std::vector<std::string> plate_keys_;
};

// Declarations as JSON lines, one object a line ('#' comments and blank lines
// skipped):
//   {"id": "MRN-24UA000123", "plate": "BC7781AK", "containerCodes": ["CSQU3054383"],
//    "grossWeightKg": 9800, "seals": ["PL0099812"]}
// `id` is required; a plate or at least one container code is required (what the
// declaration is found by); the rest is optional. Unknown keys are refused (a
// misspelt key would silently disable a rule). Bounds: ids and plates up to 64
// bytes, codes and seals up to 32, 64 of each a line, a weight in (0, 500000] kg,
// 100000 lines. Errors are CommonErrc::kParse naming `source` and the line.
Expected<std::vector<Declaration>> ParseDeclarations(std::string_view jsonl,
                                                     std::string_view source);
// Reads and parses a declarations file (at most 64 MiB).
Expected<std::vector<Declaration>> LoadDeclarations(const std::string& path);

}  // namespace checkpoint::inspection
