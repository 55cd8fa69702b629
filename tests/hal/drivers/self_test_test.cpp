// The device self-test of `checkpointctl provision` against real peers: a pty for a
// serial reader (a frame, line noise, no port), a loopback listener for a TCP portal,
// a camera listener on a free and on a taken port.
#include "checkpoint/hal/drivers/self_test.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "checkpoint/hal/protocols/mrz_framer.hpp"
#include "harness.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using namespace std::chrono_literals;

namespace {
const hal::drivers::SelfTestOptions kFast{.open_timeout = 2s, .frame_wait = 300ms};

hal::DeviceConfig Mrz(const std::filesystem::path& path) {
  return SerialDevice("mrz-b1", hal::DeviceClass::kDocumentReader, "mrz_serial", path);
}
}  // namespace

TEST_CASE("self-test: a serial reader that sends a frame passes, naming only its kind",
          "[hal][selftest]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  pty.Write(hal::protocols::EncodeMrz(kTd3, false));  // waits in the pty until opened
  auto r = hal::drivers::SelfTest(Mrz(pty.path()), kFast, log::Logger::Null());
  CHECK(r.ok);
  CHECK(r.opened);
  CHECK(r.frame);
  CHECK(r.frame_kind == "mrz");
  CHECK(r.device_class == "document_reader");
  CHECK(r.driver == "mrz_serial");
  CHECK(r.detail.find("ERIKSSON") == std::string::npos);
  CHECK(r.detail.find("L898902C3") == std::string::npos);
}

TEST_CASE("self-test: a quiet serial reader passes once opened", "[hal][selftest]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  auto r = hal::drivers::SelfTest(Mrz(pty.path()), kFast, log::Logger::Null());
  CHECK(r.ok);
  CHECK(r.opened);
  CHECK_FALSE(r.frame);
  CHECK(r.elapsed_ms >= 300);
  CHECK(r.detail.find("no frame") != std::string::npos);
}

TEST_CASE("self-test: line noise (a wrong baud rate) fails", "[hal][selftest]") {
  TempDir tmp;
  PtyDevice pty(tmp / "ttyMRZ");
  pty.Write(std::string("\xfe\x7f\x3d\x00\xff\x81\r\n\r\n", 10));
  auto r = hal::drivers::SelfTest(Mrz(pty.path()), kFast, log::Logger::Null());
  CHECK_FALSE(r.ok);
  CHECK(r.opened);
  CHECK(r.detail.starts_with("malformed"));
}

TEST_CASE("self-test: a serial port that is not there fails at once", "[hal][selftest]") {
  TempDir tmp;
  auto r = hal::drivers::SelfTest(Mrz(tmp / "ttyNone"), {.open_timeout = 10s, .frame_wait = 1s},
                                  log::Logger::Null());
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.opened);
  CHECK(r.elapsed_ms < 5000);  // ended by the fault, not by the timeout
  CHECK_FALSE(r.detail.empty());
}

TEST_CASE("self-test: a TCP portal that listens passes, one that does not fails",
          "[hal][selftest]") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor portal(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  hal::DeviceConfig c;
  c.id = "rpm-l1";
  c.device_class = hal::DeviceClass::kRadiationPortal;
  c.driver = "n42_tcp";
  c.booth = "L1";
  c.transport = hal::TcpSettings{"127.0.0.1", portal.local_endpoint().port()};
  auto r = hal::drivers::SelfTest(c, kFast, log::Logger::Null());
  CHECK(r.ok);
  CHECK(r.opened);
  const auto port = portal.local_endpoint().port();
  portal.close();
  c.transport = hal::TcpSettings{"127.0.0.1", port};
  auto down = hal::drivers::SelfTest(c, kFast, log::Logger::Null());
  CHECK_FALSE(down.ok);
  CHECK_FALSE(down.opened);
}

TEST_CASE("self-test: a camera listener binds, or fails on a taken port", "[hal][selftest]") {
  hal::DeviceConfig c;
  c.id = "anpr-l1";
  c.device_class = hal::DeviceClass::kPlateCamera;
  c.driver = "http_camera";
  c.booth = "L1";
  c.transport = hal::ListenSettings{"127.0.0.1", 0, "/anpr"};
  auto r = hal::drivers::SelfTest(c, kFast, log::Logger::Null());
  CHECK(r.ok);
  CHECK(r.opened);

  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  c.transport = hal::ListenSettings{"127.0.0.1", taken.local_endpoint().port(), "/anpr"};
  auto busy = hal::drivers::SelfTest(c, kFast, log::Logger::Null());
  CHECK_FALSE(busy.ok);
  CHECK(busy.detail.starts_with("listen_failed"));
}

TEST_CASE("self-test: a driver that does not serve the class fails without opening",
          "[hal][selftest]") {
  TempDir tmp;
  auto c = Mrz(tmp / "tty");
  c.device_class = hal::DeviceClass::kWeighbridge;
  auto r = hal::drivers::SelfTest(c, kFast, log::Logger::Null());
  CHECK_FALSE(r.ok);
  CHECK(r.detail.find("does not serve") != std::string::npos);
}
