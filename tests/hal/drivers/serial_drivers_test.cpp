// Serial drivers against real pseudo-terminals: readings, bad input, a device that
// vanishes mid-frame and comes back, floods.
#include <algorithm>
#include <catch2/catch.hpp>

#include "checkpoint/hal/protocols/chip_frame.hpp"
#include "checkpoint/hal/protocols/mettler_toledo.hpp"
#include "checkpoint/hal/protocols/mrz_framer.hpp"
#include "harness.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using namespace std::chrono_literals;

namespace {

std::string MtFrame(double kg, bool motion) {
  hal::protocols::WeightFrame f;
  f.weight = kg;
  f.unit = "kg";
  f.motion = motion;
  auto bytes =
      hal::protocols::EncodeMettlerToledo(f, {.checksum = false, .strip_parity = true, .bits = {}});
  REQUIRE(std::holds_alternative<std::string>(bytes));
  return std::get<std::string>(bytes);
}
}  // namespace

TEST_CASE("an MRZ reader delivers documents and reports garbage", "[hal][driver][serial]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  DriverHarness h;
  auto dev =
      h.Make(SerialDevice("mrz-1", hal::DeviceClass::kDocumentReader, "mrz_serial", pty.path()));
  dev->Start();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  pty.Write(hal::protocols::EncodeMrz(kTd3, false));
  REQUIRE(h.RunUntil(h.CountIs<hal::MrzRead>(1)));
  CHECK(h.Payloads<hal::MrzRead>()[0].lines == kTd3);
  CHECK(h.events[0].device_id == "mrz-1");
  CHECK(h.events[0].booth == "B1");
  CHECK(h.events[0].wall_ms > 0);

  // Line noise (as at a wrong baud rate) and an overlong line: faults, then it reads on.
  pty.Write(std::string("\xfe\x7f\x3d\x00\xff\x81\r\n\r\n", 10));
  h.Send(pty, std::string(500, 'A') + "\r\n\r\n");
  pty.Write(hal::protocols::EncodeMrz(kTd3, true));
  REQUIRE(h.RunUntil(h.CountIs<hal::MrzRead>(2)));
  CHECK(h.HasFault("malformed"));
  CHECK(h.HasFault("overlong"));
  auto health = dev->Health();
  CHECK(health.events == 2);
  CHECK(health.faults >= 2);
  dev->Stop();
}

TEST_CASE("a serial device that vanishes mid-frame is reconnected", "[hal][driver][serial]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  DriverHarness h;
  auto dev =
      h.Make(SerialDevice("mrz-1", hal::DeviceClass::kDocumentReader, "mrz_serial", pty.path()));
  dev->Start();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  const std::string half = kTd3[0] + "\r\n" + kTd3[1].substr(0, 20);
  pty.Write(half);
  // The driver has taken the half document in before the cable goes.
  REQUIRE(h.RunUntil([&] { return dev->Health().bytes == half.size(); }));
  pty.Unplug();
  REQUIRE(h.RunUntil(h.FaultSeen("disconnected")));
  CHECK(h.HasFault("truncated"));  // the half document is reported, not glued to the next
  CHECK_FALSE(dev->Health().connected);

  // While unplugged the driver retries; plugging back in brings it up again.
  pty.Plug();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  CHECK(dev->Health().reconnects == 1);
  pty.Write(hal::protocols::EncodeMrz(kTd3, false));
  REQUIRE(h.RunUntil(h.CountIs<hal::MrzRead>(1)));
  CHECK(h.Payloads<hal::MrzRead>().size() == 1);
  dev->Stop();
}

TEST_CASE("a partial frame left hanging is dropped after the frame timeout",
          "[hal][driver][serial]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  DriverHarness h;
  auto cfg = SerialDevice("mrz-1", hal::DeviceClass::kDocumentReader, "mrz_serial", pty.path());
  cfg.options["frame_timeout_ms"] = std::int64_t{100};
  auto dev = h.Make(cfg);
  dev->Start();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  pty.Write(kTd3[0].substr(0, 30));
  REQUIRE(h.RunUntil(h.FaultSeen("truncated")));
  CHECK(dev->Health().connected);  // no disconnect needed
  pty.Write(hal::protocols::EncodeMrz(kTd3, false));
  REQUIRE(h.RunUntil(h.CountIs<hal::MrzRead>(1)));
  dev->Stop();
}

TEST_CASE("a missing serial port is retried without stopping other devices",
          "[hal][driver][registry]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyOK");
  DriverHarness h;
  hal::drivers::DeviceRegistry reg({h.io(), h.clock(), log::Logger::Null()},
                                   [&](const hal::DeviceEvent& e) { h.events.push_back(e); });
  REQUIRE(reg.Add(SerialDevice("broken", hal::DeviceClass::kDocumentReader, "mrz_serial",
                               tmp / "no-such-tty")));
  REQUIRE(reg.Add(SerialDevice("ok", hal::DeviceClass::kDocumentReader, "mrz_serial", pty.path())));
  CHECK_FALSE(reg.Add(SerialDevice("ok", hal::DeviceClass::kDocumentReader, "mrz_serial",
                                   pty.path())));  // duplicate id
  reg.StartAll();
  REQUIRE(h.RunUntil(h.FaultSeen("open_failed")));
  pty.Write(hal::protocols::EncodeMrz(kTd3, false));
  REQUIRE(h.RunUntil(h.CountIs<hal::MrzRead>(1)));
  CHECK(h.events.back().device_id == "ok");
  // Retries are counted, reported once.
  REQUIRE(h.RunUntil([&] {
    for (const auto& d : reg.Health()) {
      if (d.device_id == "broken") return d.fault_counts.at("open_failed") >= 3;
    }
    return false;
  }));
  CHECK(h.CountFaults("open_failed") == 1);
  auto health = reg.Health();
  REQUIRE(health.size() == 2);
  CHECK_FALSE(health[0].connected);
  CHECK(health[1].connected);
  reg.StopAll();
}

TEST_CASE("a weighbridge reports one stable weight per vehicle", "[hal][driver][serial]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyWB");
  DriverHarness h;
  auto cfg = SerialDevice("wb-1", hal::DeviceClass::kWeighbridge, "mettler_toledo", pty.path());
  cfg.options["max_kg"] = 60000.0;
  auto dev = h.Make(cfg);
  dev->Start();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  std::string stream;
  for (double kg : {5000.0, 20000.0, 38000.0}) stream += MtFrame(kg, true);
  for (int i = 0; i < 10; ++i) stream += MtFrame(38420, false);
  stream += MtFrame(75000, false);  // overloaded
  h.Send(pty, stream);
  REQUIRE(h.RunUntil(h.FaultSeen("out_of_range")));
  auto weights = h.Payloads<hal::WeightReading>();
  REQUIRE(weights.size() == 1);
  CHECK(weights[0].gross_kg == 38420);
  dev->Stop();
}

TEST_CASE("a flooding device is limited and says so once", "[hal][driver][flood]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttySeal");
  DriverHarness h;
  auto cfg = SerialDevice("seal-1", hal::DeviceClass::kSealReader, "seal_line", pty.path());
  cfg.options["max_events_per_s"] = std::int64_t{20};
  auto dev = h.Make(cfg);
  dev->Start();
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  std::string burst;
  for (int i = 0; i < 500; ++i)
    burst += "SEAL,UA" + std::to_string(1000000 + i) + ",rfid,intact\r\n";
  h.Send(pty, burst);
  REQUIRE(h.RunUntil([&] { return dev->Health().events + dev->Health().suppressed >= 500; }));
  auto health = dev->Health();
  CHECK(health.events <= 25);  // the bucket plus what refilled meanwhile
  CHECK(health.suppressed >= 475);
  CHECK(h.CountFaults("flood") == 1);
  dev->Stop();
}

TEST_CASE("an ASCII weighbridge and a chip reader deliver over serial", "[hal][driver][serial]") {
  TempDir tmp;
  PtyDevice wb_pty(tmp / "ttyWB"), chip_pty(tmp / "ttyChip");
  DriverHarness h;
  auto wb =
      h.Make(SerialDevice("wb-2", hal::DeviceClass::kWeighbridge, "ascii_weight", wb_pty.path()));
  auto chip = h.Make(
      SerialDevice("chip-1", hal::DeviceClass::kDocumentReader, "chip_reader", chip_pty.path()));
  wb->Start();
  chip->Start();
  REQUIRE(h.RunUntil([&] { return wb->Health().connected && chip->Health().connected; }));

  std::string lines = "US,GS,+0012000kg\r\nOL,GS,+9999999kg\r\n";
  for (int i = 0; i < 4; ++i) lines += "ST,GS,+0012340kg\r\n";
  h.Send(wb_pty, lines);
  hal::ChipRead read{std::string("\x61\x03\x5f\x1f\x00", 5), std::string(3000, '\xff'),
                     std::string("\x77\x01\x00", 3)};
  h.Send(chip_pty, hal::protocols::EncodeChipRead(read));
  h.Send(chip_pty, hal::protocols::EncodeChipReaderError("BAC failed"));
  REQUIRE(h.RunUntil(h.CountIs<hal::WeightReading>(1)));
  REQUIRE(h.RunUntil(h.CountIs<hal::ChipRead>(1)));
  REQUIRE(h.RunUntil(h.FaultSeen("reader_error")));
  CHECK(h.Payloads<hal::WeightReading>()[0].gross_kg == 12340);
  CHECK(h.HasFault("out_of_range"));
  CHECK(h.Payloads<hal::ChipRead>()[0] == read);
  wb->Stop();
  chip->Stop();
}
