#pragma once
// What devices report, as typed, timestamped events. Every driver turns its wire
// protocol into these; nothing above hal/ sees a byte of any protocol.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace checkpoint::hal {

enum class DeviceClass {
  kDocumentReader,   // MRZ lines; chip-capable readers also DG1, DG2, EF.SOD
  kPlateCamera,      // ANPR
  kContainerCamera,  // ISO 6346 container codes
  kWeighbridge,
  kRadiationPortal,
  kSealReader,
};
std::string_view DeviceClassName(DeviceClass c) noexcept;
std::optional<DeviceClass> ParseDeviceClass(std::string_view name) noexcept;

// One alternative reading with the device's confidence, normalised to [0, 1].
struct Candidate {
  std::string text;
  double confidence = 0;
  bool operator==(const Candidate&) const = default;
};

// The OCR-B text lines of a machine readable zone, as read (2 or 3 lines).
struct MrzRead {
  std::vector<std::string> lines;
  bool operator==(const MrzRead&) const = default;
};

// Raw data groups read from an eMRTD chip. Empty when the reader did not deliver one.
struct ChipRead {
  std::string dg1;  // bytes
  std::string dg2;  // bytes (face image, often 15-100 KiB)
  std::string sod;  // bytes: EF.SOD, CMS SignedData
  bool operator==(const ChipRead&) const = default;
};

struct PlateRead {
  std::string plate;                  // best reading, as the camera sent it
  std::string region;                 // e.g. "ua", "pl"; empty when unknown
  double confidence = 0;              // [0, 1]
  std::vector<Candidate> candidates;  // top-N including the best, best first
  bool operator==(const PlateRead&) const = default;
};

struct ContainerCodeRead {
  std::string code;  // e.g. "CSQU3054383", spaces removed, otherwise as sent
  double confidence = 0;
  std::vector<Candidate> candidates;
  bool operator==(const ContainerCodeRead&) const = default;
};

// A weighbridge weight, in kilograms. Drivers emit it only when the indicator says
// stable and in range and the value is within the configured bounds.
struct WeightReading {
  double gross_kg = 0;
  double tare_kg = 0;
  bool net = false;  // the indicator shows net (gross - tare)
  bool operator==(const WeightReading&) const = default;
};

// One measurement (usually one occupancy) of a radiation portal monitor.
struct RadiationReading {
  std::string format;  // "N42-2006" or "N42-2011"
  bool occupied = false;
  std::optional<double> gamma_cps;  // gross gamma counts per second (all gamma detectors)
  std::optional<double> neutron_cps;
  std::optional<double> dose_rate_usv_h;
  double duration_s = 0;  // measurement real time
  bool gamma_alarm = false;
  bool neutron_alarm = false;
  std::string alarm_text;  // the instrument's own words, if any
  bool operator==(const RadiationReading&) const = default;
};

struct SealRead {
  std::string seal_id;
  std::string technology;             // "rfid" or "barcode"
  std::optional<std::string> status;  // e-seals: "intact", "opened", "tampered", "low_battery"
  bool operator==(const SealRead&) const = default;
};

// Something went wrong with a device or its input. `kind` is a stable identifier
// (see docs/hal.md), `detail` says what, never containing the raw input.
struct DeviceFault {
  std::string kind;
  std::string detail;
  bool operator==(const DeviceFault&) const = default;
};

using EventPayload = std::variant<MrzRead, ChipRead, PlateRead, ContainerCodeRead, WeightReading,
                                  RadiationReading, SealRead, DeviceFault>;

struct DeviceEvent {
  std::string device_id;
  std::string booth;  // booth or lane the device serves
  DeviceClass device_class = DeviceClass::kDocumentReader;
  std::int64_t wall_ms = 0;       // when the driver received it
  std::optional<double> quality;  // reading quality or confidence where the device gives one
  EventPayload payload;
};

}  // namespace checkpoint::hal
