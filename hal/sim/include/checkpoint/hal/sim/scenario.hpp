#pragma once
// A scenario: JSON lines, each one step at a time offset for one device.
//
//   {"t_ms": 0,    "device": "mrz-b1",  "mrz": ["P<UTO...", "L898..."]}
//   {"t_ms": 400,  "device": "chip-b1", "chip": {"mrz": [...], "dg2_hex": "ffd8..", "sod_hex": ""}}
//   {"t_ms": 500,  "device": "wb-l1",   "weight": {"kg": 24350, "frames": 6}}
//   {"t_ms": 800,  "device": "rpm-l1",  "radiation": {"gamma_cps": 2450, "neutron_cps": 3,
//                                         "gamma_alarm": true, "duration_s": 6, "format": "2011"}}
//   {"t_ms": 900,  "device": "anpr-l1", "plate": {"text": "AA1234BB", "confidence": 0.92,
//                                         "region": "ua", "candidates": [["AA1234B8", 0.81]]}}
//   {"t_ms": 950,  "device": "ccr-l1",  "container": {"code": "CSQU3054383", "confidence": 0.88}}
//   {"t_ms": 1000, "device": "seal-l1", "seal": {"id": "UA123456", "technology": "rfid",
//                                         "status": "intact"}}
//   {"t_ms": 1100, "device": "mrz-b1",  "raw_hex": "00ff13"}        fault injection: bytes as is
//   {"t_ms": 1150, "device": "anpr-l1", "raw_body": "{not json"}    fault injection: a POST body
//   {"t_ms": 1200, "device": "rpm-l1",  "disconnect_ms": 1500}      unplug, back after 1.5 s
//
// Lines starting with '#' and blank lines are ignored. Steps run in t_ms order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/hal/events.hpp"

namespace checkpoint::hal::sim {

struct WeighingStep {
  double kg = 0;
  int frames = 5;  // stable frames after the motion ramp
  bool out_of_range = false;
};
struct RadiationStep {
  RadiationReading reading;
  std::string format = "2011";  // "2011" or "2006"
};
struct RawBytes {
  std::string bytes;
};
struct RawBody {
  std::string body;
};
struct Disconnect {
  std::int64_t down_ms = 1000;
};

using Action = std::variant<MrzRead, ChipRead, WeighingStep, RadiationStep, PlateRead,
                            ContainerCodeRead, SealRead, RawBytes, RawBody, Disconnect>;

struct Step {
  std::int64_t t_ms = 0;
  std::string device;
  Action action;
  int line = 0;  // in the scenario file, for messages
};

// Parses a whole scenario; errors name the file and line.
Expected<std::vector<Step>> ParseScenario(std::string_view jsonl, std::string_view source);
Expected<std::vector<Step>> LoadScenario(const std::string& path);

// Builds a DG1 data group (tag 0x61 holding 5F1F with the MRZ) from MRZ lines.
std::string MakeDg1(const std::vector<std::string>& mrz_lines);

}  // namespace checkpoint::hal::sim
