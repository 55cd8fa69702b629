#include "stream_drivers.hpp"

#include "checkpoint/hal/drivers/weight_stabiliser.hpp"
#include "checkpoint/hal/protocols/ascii_weight.hpp"
#include "checkpoint/hal/protocols/chip_frame.hpp"
#include "checkpoint/hal/protocols/mettler_toledo.hpp"
#include "checkpoint/hal/protocols/mrz_framer.hpp"
#include "checkpoint/hal/protocols/n42.hpp"
#include "checkpoint/hal/protocols/seal_line.hpp"

namespace checkpoint::hal::drivers {

namespace p = protocols;

namespace {

class MrzReader final : public StreamDevice {
 public:
  using StreamDevice::StreamDevice;

 protected:
  void OnBytes(std::string_view bytes) override {
    out_.clear();
    framer_.Feed(bytes, out_);
    Dispatch(out_, [this](p::MrzDocument& d) { Deliver(MrzRead{std::move(d.lines)}); });
  }
  std::optional<p::FrameError> OnReset() override { return framer_.Reset(); }

 private:
  p::MrzFramer framer_;
  std::vector<p::Decoded<p::MrzDocument>> out_;
};

class ChipReader final : public StreamDevice {
 public:
  using StreamDevice::StreamDevice;

 protected:
  void OnBytes(std::string_view bytes) override {
    out_.clear();
    decoder_.Feed(bytes, out_);
    Handle();
  }
  std::optional<p::FrameError> OnReset() override {
    out_.clear();
    decoder_.Reset(out_);
    Handle();
    return std::nullopt;
  }

 private:
  void Handle() {
    Dispatch(out_, [this](ChipRead& r) { Deliver(std::move(r)); });
  }
  p::ChipFrameDecoder decoder_;
  std::vector<p::Decoded<ChipRead>> out_;
};

WeightStabiliser::Options StabiliserOptions(const DeviceConfig& c) {
  WeightStabiliser::Options o;
  o.min_kg = c.Double("min_kg", o.min_kg);
  o.max_kg = c.Double("max_kg", o.max_kg);
  o.stable_frames = static_cast<int>(c.Int("stable_frames", o.stable_frames));
  o.tolerance_kg = c.Double("tolerance_kg", o.tolerance_kg);
  return o;
}

// Weighbridges: decoder frames go through the WeightStabiliser.
template <typename Decoder>
class Weighbridge final : public StreamDevice {
 public:
  Weighbridge(DriverContext ctx, DeviceConfig config, EventSink sink, Decoder decoder)
      : StreamDevice(std::move(ctx), config, std::move(sink)),
        decoder_(std::move(decoder)),
        stabiliser_(StabiliserOptions(config)) {}

 protected:
  void OnBytes(std::string_view bytes) override {
    out_.clear();
    decoder_.Feed(bytes, out_);
    this->Dispatch(out_, [this](const p::WeightFrame& f) {
      if (f.tare_only) return;
      auto r = stabiliser_.Feed({p::WeightKg(f), p::TareKg(f), f.net, f.motion, f.out_of_range});
      if (auto* w = std::get_if<WeightReading>(&r)) {
        this->Deliver(*w);
      } else if (auto* e = std::get_if<p::FrameError>(&r)) {
        this->Fault(*e);
      }
    });
  }
  std::optional<p::FrameError> OnReset() override {
    stabiliser_.Reset();
    return decoder_.Reset();
  }

 private:
  Decoder decoder_;
  WeightStabiliser stabiliser_;
  std::vector<p::Decoded<p::WeightFrame>> out_;
};

class N42Reader final : public StreamDevice {
 public:
  N42Reader(DriverContext ctx, DeviceConfig config, EventSink sink)
      : StreamDevice(std::move(ctx), config, std::move(sink)),
        framer_(p::N42FramerOptions{
            static_cast<std::size_t>(config.Int("max_document_bytes", 1 << 20))}) {
    limits_.max_bytes = static_cast<std::size_t>(config.Int("max_document_bytes", 1 << 20));
  }

 protected:
  void OnBytes(std::string_view bytes) override {
    out_.clear();
    framer_.Feed(bytes, out_);
    Handle();
  }
  std::optional<p::FrameError> OnReset() override {
    out_.clear();
    framer_.Reset(out_);
    Handle();
    return std::nullopt;
  }

 private:
  void Handle() {
    Dispatch(out_, [this](const std::string& doc) {
      auto r = p::ParseN42(doc, limits_);
      if (auto* e = std::get_if<p::FrameError>(&r)) {
        Fault(*e);
      } else {
        Deliver(std::move(std::get<RadiationReading>(r)));
      }
    });
  }
  p::N42Framer framer_;
  p::N42Limits limits_;
  std::vector<p::Decoded<std::string>> out_;
};

class SealReader final : public StreamDevice {
 public:
  using StreamDevice::StreamDevice;

 protected:
  void OnBytes(std::string_view bytes) override {
    out_.clear();
    decoder_.Feed(bytes, out_);
    Dispatch(out_, [this](SealRead& r) { Deliver(std::move(r)); });
  }
  std::optional<p::FrameError> OnReset() override { return decoder_.Reset(); }

 private:
  p::SealLineDecoder decoder_;
  std::vector<p::Decoded<SealRead>> out_;
};

p::MettlerToledoOptions MettlerOptions(const DeviceConfig& c) {
  p::MettlerToledoOptions o;
  o.checksum = c.Bool("checksum", false);
  auto bit = [&](const char* key, std::int64_t fallback) {
    return p::StatusBit{1, static_cast<std::uint8_t>(c.Int(key, fallback)), true};
  };
  o.bits.net = bit("bit_net", 0);
  o.bits.negative = bit("bit_negative", 1);
  o.bits.out_of_range = bit("bit_out_of_range", 2);
  o.bits.motion = bit("bit_motion", 3);
  o.bits.kg = bit("bit_unit_kg", 4);
  return o;
}

}  // namespace

std::shared_ptr<Device> MakeMrzReader(DriverContext ctx, DeviceConfig config, EventSink sink) {
  return std::make_shared<MrzReader>(std::move(ctx), std::move(config), std::move(sink));
}
std::shared_ptr<Device> MakeChipReader(DriverContext ctx, DeviceConfig config, EventSink sink) {
  return std::make_shared<ChipReader>(std::move(ctx), std::move(config), std::move(sink));
}
std::shared_ptr<Device> MakeMettlerToledo(DriverContext ctx, DeviceConfig config, EventSink sink) {
  auto options = MettlerOptions(config);
  return std::make_shared<Weighbridge<p::MettlerToledoDecoder>>(
      std::move(ctx), std::move(config), std::move(sink), p::MettlerToledoDecoder(options));
}
std::shared_ptr<Device> MakeAsciiWeight(DriverContext ctx, DeviceConfig config, EventSink sink) {
  return std::make_shared<Weighbridge<p::AsciiWeightDecoder>>(
      std::move(ctx), std::move(config), std::move(sink), p::AsciiWeightDecoder());
}
std::shared_ptr<Device> MakeN42(DriverContext ctx, DeviceConfig config, EventSink sink) {
  return std::make_shared<N42Reader>(std::move(ctx), std::move(config), std::move(sink));
}
std::shared_ptr<Device> MakeSealReader(DriverContext ctx, DeviceConfig config, EventSink sink) {
  return std::make_shared<SealReader>(std::move(ctx), std::move(config), std::move(sink));
}

}  // namespace checkpoint::hal::drivers
