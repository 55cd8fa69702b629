#include "checkpoint/hal/driver_spec.hpp"

namespace checkpoint::hal {

namespace {

using T = OptionSpec::Type;

// Options every stream (serial or TCP) driver takes.
#define CHECKPOINT_STREAM_OPTIONS                                                                 \
  OptionSpec{"frame_timeout_ms",                                                                  \
             T::kInt,                                                                             \
             50,                                                                                  \
             600000,                                                                              \
             std::int64_t{2000},                                                                  \
             "a partial frame older than this is dropped as truncated"},                          \
      OptionSpec{"max_events_per_s",                                                              \
                 T::kInt,                                                                         \
                 1,                                                                               \
                 10000,                                                                           \
                 std::int64_t{50},                                                                \
                 "flood limit: events and faults beyond it are counted, not delivered"},          \
      OptionSpec{"reconnect_initial_ms",          T::kInt, 10, 600000, std::int64_t{500},         \
                 "first wait before reconnecting"},                                               \
      OptionSpec {                                                                                \
    "reconnect_max_ms", T::kInt, 10, 3600000, std::int64_t{30000}, "cap of the reconnect backoff" \
  }

#define CHECKPOINT_WEIGH_OPTIONS                                                                \
  OptionSpec{"min_kg", T::kDouble, -100000,                                                     \
             1000000,  0.0,        "weights below are refused (out of range)"},                 \
      OptionSpec{"max_kg", T::kDouble, 0,                                                       \
                 1000000,  100000.0,   "weights above are refused (out of range)"},             \
      OptionSpec{"stable_frames",                                                               \
                 T::kInt,                                                                       \
                 1,                                                                             \
                 1000,                                                                          \
                 std::int64_t{3},                                                               \
                 "consecutive stable frames with the same weight before it is accepted"},       \
      OptionSpec {                                                                              \
    "tolerance_kg", T::kDouble, 0, 1000, 10.0, "a new weighing needs a change larger than this" \
  }

constexpr DeviceClass kDocument[] = {DeviceClass::kDocumentReader};
constexpr DeviceClass kWeigh[] = {DeviceClass::kWeighbridge};
constexpr DeviceClass kRadiation[] = {DeviceClass::kRadiationPortal};
constexpr DeviceClass kCameras[] = {DeviceClass::kPlateCamera, DeviceClass::kContainerCamera};
constexpr DeviceClass kSeal[] = {DeviceClass::kSealReader};

const OptionSpec kMrzOptions[] = {CHECKPOINT_STREAM_OPTIONS};
const OptionSpec kChipOptions[] = {CHECKPOINT_STREAM_OPTIONS};
const OptionSpec kSealOptions[] = {CHECKPOINT_STREAM_OPTIONS};
const OptionSpec kMettlerOptions[] = {
    CHECKPOINT_STREAM_OPTIONS,
    CHECKPOINT_WEIGH_OPTIONS,
    OptionSpec{"checksum", T::kBool, 0, 0, false, "frames carry the checksum byte"},
    OptionSpec{"bit_net", T::kInt, 0, 6, std::int64_t{0}, "SWB bit: net weight"},
    OptionSpec{"bit_negative", T::kInt, 0, 6, std::int64_t{1}, "SWB bit: negative"},
    OptionSpec{"bit_out_of_range", T::kInt, 0, 6, std::int64_t{2}, "SWB bit: over/under range"},
    OptionSpec{"bit_motion", T::kInt, 0, 6, std::int64_t{3}, "SWB bit: motion (unstable)"},
    OptionSpec{"bit_unit_kg", T::kInt, 0, 6, std::int64_t{4}, "SWB bit: unit is kg (else lb)"},
};
const OptionSpec kAsciiWeightOptions[] = {CHECKPOINT_STREAM_OPTIONS, CHECKPOINT_WEIGH_OPTIONS};
const OptionSpec kN42Options[] = {
    CHECKPOINT_STREAM_OPTIONS,
    OptionSpec{"max_document_bytes", T::kInt, 1024, 16 << 20, std::int64_t{1} << 20,
               "larger N42 documents are refused"},
};
const OptionSpec kCameraOptions[] = {
    OptionSpec{"max_body_bytes", T::kInt, 256, 1 << 20, std::int64_t{64} << 10,
               "larger POST bodies are refused with 413"},
    OptionSpec{"max_connections", T::kInt, 1, 256, std::int64_t{16},
               "concurrent connections; more are refused"},
    OptionSpec{"max_events_per_s", T::kInt, 1, 10000, std::int64_t{50},
               "flood limit: events and faults beyond it are counted, not delivered"},
};

#undef CHECKPOINT_STREAM_OPTIONS
#undef CHECKPOINT_WEIGH_OPTIONS

const DriverSpec kDrivers[] = {
    {"mrz_serial", kDocument, TransportKind::kStream, kMrzOptions,
     "OCR-B MRZ reader: CR/LF lines, document ended by a blank line or ETX"},
    {"chip_reader", kDocument, TransportKind::kStream, kChipOptions,
     "chip-capable document reader: DG1, DG2, EF.SOD in CRC-checked frames"},
    {"mettler_toledo", kWeigh, TransportKind::kStream, kMettlerOptions,
     "weighbridge indicator, Mettler Toledo continuous output"},
    {"ascii_weight", kWeigh, TransportKind::kStream, kAsciiWeightOptions,
     "weighbridge indicator, ASCII \"ST,GS,+0012340kg\" lines"},
    {"n42_tcp", kRadiation, TransportKind::kStream, kN42Options,
     "radiation portal monitor: ANSI N42.42 XML documents (2006 or 2011) over TCP"},
    {"http_camera", kCameras, TransportKind::kListen, kCameraOptions,
     "ANPR or container-code camera POSTing JSON events"},
    {"seal_line", kSeal, TransportKind::kStream, kSealOptions,
     "seal reader (RFID e-seal or barcode): one line per seal"},
};

}  // namespace

bool DriverSpec::Serves(DeviceClass c) const {
  for (DeviceClass k : classes) {
    if (k == c) return true;
  }
  return false;
}

const OptionSpec* DriverSpec::Option(std::string_view key) const {
  for (const auto& o : options) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

std::span<const DriverSpec> Drivers() {
  return kDrivers;
}

const DriverSpec* FindDriver(std::string_view name) {
  for (const auto& d : kDrivers) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

}  // namespace checkpoint::hal
