#include "checkpoint/risk/facts.hpp"

#include <charconv>
#include <cmath>

namespace checkpoint::risk {

namespace {

constexpr std::string_view kChipStatuses[] = {"passed", "failed", "not_verified", "no_chip"};
constexpr std::string_view kDirections[] = {"entry", "exit"};

using enum FieldType;

// The contract with HQ's rule authors: docs/risk/rules.md lists the same table.
constexpr FieldInfo kCatalogue[] = {
    {Field::kTravellerAge,
     "traveller.age",
     kNumber,
     {},
     "age in whole years at the reference date"},
    {Field::kTravellerAccompanied,
     "traveller.accompanied",
     kBool,
     {},
     "travels with a parent or guardian (recorded by the officer or the booking)"},
    {Field::kTravellerNationality,
     "traveller.nationality",
     kString,
     {},
     "nationality as printed in the MRZ (ICAO code, e.g. D, FRA, XXA)"},
    {Field::kDocumentValid,
     "document.valid",
     kBool,
     {},
     "every MRZ check digit verifies and every field has the right form"},
    {Field::kDocumentExpired,
     "document.expired",
     kBool,
     {},
     "the expiry date is before the reference date"},
    {Field::kDocumentNumber, "document.number", kString, {}, "document number without fillers"},
    {Field::kDocumentIssuingState,
     "document.issuingState",
     kString,
     {},
     "issuing state or organisation (ICAO code)"},
    {Field::kDocumentCode, "document.code", kString, {}, "document code, e.g. P, PD, I, ID, V"},
    {Field::kChipStatus, "chip.status", kString, kChipStatuses,
     "passive authentication: passed, failed, not_verified (chip read, not checked), no_chip"},
    {Field::kChipDg1Mismatch,
     "chip.dg1Mismatch",
     kBool,
     {},
     "DG1 on the chip differs from the printed MRZ"},
    {Field::kWatchlistPersonHits,
     "watchlist.personHits",
     kNumber,
     {},
     "number of person watchlist entries matched above the list's threshold"},
    {Field::kWatchlistDocumentHit,
     "watchlist.documentHit",
     kBool,
     {},
     "the document is on a stolen or lost document list (SLTD copy)"},
    {Field::kWatchlistMaxScore,
     "watchlist.maxScore",
     kNumber,
     {},
     "best person match score, 0 to 1"},
    {Field::kInspectionDirection, "inspection.direction", kString, kDirections, "entry or exit"},
    {Field::kVehiclePlate, "vehicle.plate", kString, {}, "licence plate as normalised by ANPR"},
    {Field::kVehiclePlateHit, "vehicle.plateHit", kBool, {}, "the plate is on a watchlist"},
    {Field::kCargoDeclaredWeightKg,
     "cargo.declaredWeightKg",
     kNumber,
     {},
     "gross weight on the declaration, kg"},
    {Field::kCargoMeasuredWeightKg,
     "cargo.measuredWeightKg",
     kNumber,
     {},
     "stable weighbridge reading, kg"},
    {Field::kRadiationGammaAlarm,
     "radiation.gammaAlarm",
     kBool,
     {},
     "the radiation portal raised a gamma alarm during the occupancy"},
    {Field::kRadiationNeutronAlarm,
     "radiation.neutronAlarm",
     kBool,
     {},
     "the radiation portal raised a neutron alarm during the occupancy"},
    {Field::kContainerCodes,
     "container.codes",
     kStringList,
     {},
     "ISO 6346 container codes read (valid or not)"},
    {Field::kContainerInvalidCodes,
     "container.invalidCodes",
     kStringList,
     {},
     "codes read whose ISO 6346 check digit or form is wrong"},
    {Field::kDeclarationContainerCodes,
     "declaration.containerCodes",
     kStringList,
     {},
     "container codes on the declaration"},
    {Field::kSealExpected, "seal.expected", kStringList, {}, "seal numbers on the manifest"},
    {Field::kSealRead, "seal.read", kStringList, {}, "seal numbers read at the lane"},
    {Field::kContainerListedCodes,
     "container.listedCodes",
     kStringList,
     {},
     "valid container codes read that are on a watchlist"},
};
static_assert(std::size(kCatalogue) == kFieldCount);

constexpr bool CatalogueInSlotOrder() {
  for (std::size_t i = 0; i < std::size(kCatalogue); ++i) {
    if (static_cast<std::size_t>(kCatalogue[i].field) != i) return false;
  }
  return true;
}
static_assert(CatalogueInSlotOrder());

FieldType TypeOfValue(const FactValue& v) {
  switch (v.index()) {
    case 1:
      return kNumber;
    case 2:
      return kString;
    case 3:
      return kBool;
    default:
      return kStringList;
  }
}

}  // namespace

std::string_view FieldTypeName(FieldType t) noexcept {
  switch (t) {
    case kNumber:
      return "number";
    case kString:
      return "string";
    case kBool:
      return "bool";
    case kStringList:
      return "list";
  }
  return "?";
}

std::span<const FieldInfo> Catalogue() noexcept {
  return kCatalogue;
}

const FieldInfo& Info(Field f) noexcept {
  return kCatalogue[static_cast<std::size_t>(f)];
}

std::optional<Field> FindField(std::string_view name) noexcept {
  for (const auto& info : kCatalogue) {
    if (info.name == name) return info.field;
  }
  return std::nullopt;
}

Facts& Facts::Set(NumberField f, double v) {
  if (std::isfinite(v)) {
    values_[Index(f.field)] = v;
  } else {
    values_[Index(f.field)] = std::monostate{};
  }
  return *this;
}

Facts& Facts::Set(StringField f, std::string v) {
  values_[Index(f.field)] = std::move(v);
  return *this;
}

Facts& Facts::Set(BoolField f, bool v) {
  values_[Index(f.field)] = v;
  return *this;
}

Facts& Facts::Set(ListField f, std::vector<std::string> v) {
  values_[Index(f.field)] = std::move(v);
  return *this;
}

Facts& Facts::Clear(Field f) noexcept {
  values_[Index(f)] = std::monostate{};
  return *this;
}

Status Facts::Set(std::string_view name, FactValue v) {
  const auto f = FindField(name);
  if (!f) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "unknown fact field \"" + std::string(name) + "\"");
  }
  if (v.index() == 0) {
    Clear(*f);
    return {};
  }
  const FieldType want = Info(*f).type;
  if (TypeOfValue(v) != want) {
    return MakeError(CommonErrc::kInvalidArgument,
                     "fact field \"" + std::string(name) + "\" is a " +
                         std::string(FieldTypeName(want)) + ", not a " +
                         std::string(FieldTypeName(TypeOfValue(v))));
  }
  if (const double* d = std::get_if<double>(&v); d && !std::isfinite(*d)) {
    Clear(*f);
    return {};
  }
  values_[Index(*f)] = std::move(v);
  return {};
}

std::string FormatNumber(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string FormatFactValue(const FactValue& v) {
  switch (v.index()) {
    case 1:
      return FormatNumber(std::get<double>(v));
    case 2:
      return std::get<std::string>(v);
    case 3:
      return std::get<bool>(v) ? "true" : "false";
    case 4: {
      std::string s = "[";
      for (const auto& e : std::get<std::vector<std::string>>(v)) {
        if (s.size() > 1) s += ", ";
        s += e;
      }
      return s + "]";
    }
    default:
      return "absent";
  }
}

}  // namespace checkpoint::risk
