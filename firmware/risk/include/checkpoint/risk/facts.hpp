#pragma once
// Facts: an inspection as the risk rules see it. A fixed catalogue of typed fields
// with stable dotted names ("traveller.age", "chip.status", ...): the names are a
// contract with HQ's rule authors (docs/risk/rules.md) and are never renamed, only
// added. Rule bundles address fields by name; the bundle compiler resolves each name
// to its slot once, so evaluation indexes an array and never looks a name up.
//
// Every field is absent until set. A value of the wrong type cannot be stored: the
// typed keys in checkpoint::risk::fields select the setter at compile time, and the
// by-name setter (for tools and tests) checks the type against the catalogue.
//
// Facts is a plain value: copyable, no global state. Concurrent const access is safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::risk {

enum class FieldType : std::uint8_t { kNumber, kString, kBool, kStringList };

// "number", "string", "bool", "list".
std::string_view FieldTypeName(FieldType t) noexcept;

// The slots, in catalogue order. Append only (the order is not part of the contract,
// the names are, but appending keeps diffs readable).
enum class Field : std::uint16_t {
  kTravellerAge,
  kTravellerAccompanied,
  kTravellerNationality,
  kDocumentValid,
  kDocumentExpired,
  kDocumentNumber,
  kDocumentIssuingState,
  kDocumentCode,
  kChipStatus,
  kChipDg1Mismatch,
  kWatchlistPersonHits,
  kWatchlistDocumentHit,
  kWatchlistMaxScore,
  kInspectionDirection,
  kVehiclePlate,
  kVehiclePlateHit,
  kCargoDeclaredWeightKg,
  kCargoMeasuredWeightKg,
  kRadiationGammaAlarm,
  kRadiationNeutronAlarm,
  kContainerCodes,
  kContainerInvalidCodes,
  kDeclarationContainerCodes,
  kSealExpected,
  kSealRead,
  kContainerListedCodes,
};
inline constexpr std::size_t kFieldCount =
    static_cast<std::size_t>(Field::kContainerListedCodes) + 1;

struct FieldInfo {
  Field field;
  std::string_view name;  // the dotted name rule authors use
  FieldType type;
  // For string fields with a closed set of values (chip.status): the values a rule
  // may compare with; a bundle naming any other value is rejected at load. Empty for
  // open fields.
  std::span<const std::string_view> allowed;
  std::string_view description;  // one line, for docs and tools
};

// The whole catalogue, in slot order (Catalogue()[i].field == Field(i)).
std::span<const FieldInfo> Catalogue() noexcept;
const FieldInfo& Info(Field f) noexcept;
// nullopt for a name not in the catalogue. Case-sensitive.
std::optional<Field> FindField(std::string_view name) noexcept;

// Typed keys: Facts::Set picks the overload from the key's type, so storing a string
// in a number field does not compile.
struct NumberField {
  Field field;
};
struct StringField {
  Field field;
};
struct BoolField {
  Field field;
};
struct ListField {
  Field field;
};

namespace fields {
inline constexpr NumberField kTravellerAge{Field::kTravellerAge};
inline constexpr BoolField kTravellerAccompanied{Field::kTravellerAccompanied};
inline constexpr StringField kTravellerNationality{Field::kTravellerNationality};
inline constexpr BoolField kDocumentValid{Field::kDocumentValid};
inline constexpr BoolField kDocumentExpired{Field::kDocumentExpired};
inline constexpr StringField kDocumentNumber{Field::kDocumentNumber};
inline constexpr StringField kDocumentIssuingState{Field::kDocumentIssuingState};
inline constexpr StringField kDocumentCode{Field::kDocumentCode};
inline constexpr StringField kChipStatus{Field::kChipStatus};
inline constexpr BoolField kChipDg1Mismatch{Field::kChipDg1Mismatch};
inline constexpr NumberField kWatchlistPersonHits{Field::kWatchlistPersonHits};
inline constexpr BoolField kWatchlistDocumentHit{Field::kWatchlistDocumentHit};
inline constexpr NumberField kWatchlistMaxScore{Field::kWatchlistMaxScore};
inline constexpr StringField kInspectionDirection{Field::kInspectionDirection};
inline constexpr StringField kVehiclePlate{Field::kVehiclePlate};
inline constexpr BoolField kVehiclePlateHit{Field::kVehiclePlateHit};
inline constexpr NumberField kCargoDeclaredWeightKg{Field::kCargoDeclaredWeightKg};
inline constexpr NumberField kCargoMeasuredWeightKg{Field::kCargoMeasuredWeightKg};
inline constexpr BoolField kRadiationGammaAlarm{Field::kRadiationGammaAlarm};
inline constexpr BoolField kRadiationNeutronAlarm{Field::kRadiationNeutronAlarm};
inline constexpr ListField kContainerCodes{Field::kContainerCodes};
inline constexpr ListField kContainerInvalidCodes{Field::kContainerInvalidCodes};
inline constexpr ListField kDeclarationContainerCodes{Field::kDeclarationContainerCodes};
inline constexpr ListField kSealExpected{Field::kSealExpected};
inline constexpr ListField kSealRead{Field::kSealRead};
inline constexpr ListField kContainerListedCodes{Field::kContainerListedCodes};
}  // namespace fields

// monostate = absent.
using FactValue = std::variant<std::monostate, double, std::string, bool, std::vector<std::string>>;

class Facts {
 public:
  // A non-finite number (NaN, ±inf) is stored as absent: no comparison with it would
  // mean anything, and absent has defined semantics.
  Facts& Set(NumberField f, double v);
  Facts& Set(StringField f, std::string v);
  Facts& Set(BoolField f, bool v);
  Facts& Set(ListField f, std::vector<std::string> v);
  Facts& Clear(Field f) noexcept;

  // By catalogue name, for tools and tests: kInvalidArgument for an unknown name or a
  // value of the wrong type (an int must be given as double). monostate clears.
  Status Set(std::string_view name, FactValue v);

  const FactValue& Get(Field f) const noexcept { return values_[Index(f)]; }
  bool Has(Field f) const noexcept { return Get(f).index() != 0; }

  // Typed reads; nullptr when absent.
  const double* Number(Field f) const noexcept { return std::get_if<double>(&Get(f)); }
  const std::string* String(Field f) const noexcept { return std::get_if<std::string>(&Get(f)); }
  const bool* Bool(Field f) const noexcept { return std::get_if<bool>(&Get(f)); }
  const std::vector<std::string>* List(Field f) const noexcept {
    return std::get_if<std::vector<std::string>>(&Get(f));
  }

 private:
  static constexpr std::size_t Index(Field f) noexcept { return static_cast<std::size_t>(f); }
  std::array<FactValue, kFieldCount> values_{};
};

// The value as evidence text: numbers in shortest round-trip form ("0.25", "82"),
// "true"/"false", strings as they are, lists as "[A, B]", absent as "absent".
std::string FormatFactValue(const FactValue& v);
std::string FormatNumber(double v);

}  // namespace checkpoint::risk
