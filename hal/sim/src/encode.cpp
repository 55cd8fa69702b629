// The bytes each simulated device sends: the same encoders the protocol tests
// round-trip against the decoders the drivers use.
#include <cmath>

#include "checkpoint/hal/protocols/ascii_weight.hpp"
#include "checkpoint/hal/protocols/camera_json.hpp"
#include "checkpoint/hal/protocols/chip_frame.hpp"
#include "checkpoint/hal/protocols/mettler_toledo.hpp"
#include "checkpoint/hal/protocols/mrz_framer.hpp"
#include "checkpoint/hal/protocols/n42.hpp"
#include "checkpoint/hal/protocols/seal_line.hpp"
#include "checkpoint/hal/sim/simulator.hpp"

namespace checkpoint::hal::sim {

namespace p = protocols;

namespace {

Error Unplayable(const DeviceConfig& d, std::string_view what) {
  return MakeError(CommonErrc::kInvalidArgument, "device '" + d.id + "' (driver " + d.driver +
                                                     ") cannot play a " + std::string(what) +
                                                     " step");
}

// A vehicle driving on: three frames in motion, then `frames` stable ones.
Expected<std::string> Weighing(const DeviceConfig& d, const WeighingStep& w) {
  std::string out;
  auto frame = [&](double kg, bool motion) -> Status {
    p::WeightFrame f;
    f.unit = "kg";
    f.weight = std::round(kg / 10) * 10;  // a 10 kg division, as on road weighbridges
    f.negative = f.weight < 0;
    f.motion = motion;
    f.out_of_range = w.out_of_range;
    f.decimals = 0;
    p::Decoded<std::string> bytes =
        d.driver == "mettler_toledo"
            ? p::EncodeMettlerToledo(f,
                                     p::MettlerToledoOptions{d.Bool("checksum", false), true, {}})
            : p::EncodeAsciiWeight(f);
    if (auto* e = std::get_if<p::FrameError>(&bytes)) {
      return MakeError(CommonErrc::kInvalidArgument, "cannot encode weight: " + e->detail);
    }
    out += std::get<std::string>(bytes);
    return {};
  };
  for (double share : {0.3, 0.7, 0.95}) {
    if (auto s = frame(w.kg * share, true); !s) return std::move(s).error();
  }
  for (int i = 0; i < w.frames; ++i) {
    if (auto s = frame(w.kg, false); !s) return std::move(s).error();
  }
  return out;
}

struct Encoder {
  const DeviceConfig& d;

  Expected<std::string> operator()(const MrzRead& r) const {
    if (d.driver != "mrz_serial") return Unplayable(d, "mrz");
    return p::EncodeMrz(r.lines, false);
  }
  Expected<std::string> operator()(const ChipRead& r) const {
    if (d.driver != "chip_reader") return Unplayable(d, "chip");
    return p::EncodeChipRead(r);
  }
  Expected<std::string> operator()(const WeighingStep& w) const {
    if (d.driver != "mettler_toledo" && d.driver != "ascii_weight") return Unplayable(d, "weight");
    return Weighing(d, w);
  }
  Expected<std::string> operator()(const RadiationStep& r) const {
    if (d.driver != "n42_tcp") return Unplayable(d, "radiation");
    return r.format == "2006" ? p::EncodeN42_2006(r.reading) : p::EncodeN42_2011(r.reading);
  }
  Expected<std::string> operator()(const PlateRead& r) const {
    if (d.driver != "http_camera" || d.device_class != DeviceClass::kPlateCamera) {
      return Unplayable(d, "plate");
    }
    return p::EncodeOpenAlprPlate(r);
  }
  Expected<std::string> operator()(const ContainerCodeRead& r) const {
    if (d.driver != "http_camera" || d.device_class != DeviceClass::kContainerCamera) {
      return Unplayable(d, "container");
    }
    return p::EncodeGenericContainer(r);
  }
  Expected<std::string> operator()(const SealRead& r) const {
    if (d.driver != "seal_line") return Unplayable(d, "seal");
    return p::EncodeSealLine(r, r.technology == "barcode" && !r.status ? p::SealLineForm::kBareCode
                                                                       : p::SealLineForm::kRecord);
  }
  Expected<std::string> operator()(const RawBytes& r) const {
    if (d.driver == "http_camera") return Unplayable(d, "raw_hex");
    return r.bytes;
  }
  Expected<std::string> operator()(const RawBody& r) const {
    if (d.driver != "http_camera") return Unplayable(d, "raw_body");
    return r.body;
  }
  Expected<std::string> operator()(const Disconnect&) const { return std::string(); }
};

}  // namespace

Expected<std::string> EncodeFor(const DeviceConfig& device, const Action& action) {
  return std::visit(Encoder{device}, action);
}

}  // namespace checkpoint::hal::sim
