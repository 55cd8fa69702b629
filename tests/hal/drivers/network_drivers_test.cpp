// Network drivers against real loopback peers: a portal monitor's TCP data port
// that goes away and comes back, and cameras POSTing to the HTTP listener,
// including hostile clients.
#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "checkpoint/hal/drivers/http_camera.hpp"
#include "checkpoint/hal/protocols/camera_json.hpp"
#include "checkpoint/hal/protocols/n42.hpp"
#include "harness.hpp"

using namespace checkpoint;
using namespace checkpoint::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

hal::RadiationReading Alarm() {
  hal::RadiationReading r;
  r.occupied = true;
  r.gamma_cps = 2480;
  r.neutron_cps = 4;
  r.duration_s = 6.5;
  r.gamma_alarm = true;
  return r;
}

// The monitor's data port: accepts the driver and sends what it is given.
struct MonitorPort {
  explicit MonitorPort(asio::io_context& io, std::uint16_t port = 0) : acceptor(io) {
    acceptor.open(tcp::v4());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    acceptor.listen();
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (!ec) socket.emplace(std::move(s));
    });
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  void Send(const std::string& bytes) { asio::write(*socket, asio::buffer(bytes)); }
  void Close() {
    boost::system::error_code ignored;
    if (socket) socket->close(ignored);
    acceptor.close(ignored);
  }
  tcp::acceptor acceptor;
  std::optional<tcp::socket> socket;
};

hal::DeviceConfig N42Device(std::uint16_t port) {
  hal::DeviceConfig c;
  c.id = "rpm-1";
  c.device_class = hal::DeviceClass::kRadiationPortal;
  c.driver = "n42_tcp";
  c.booth = "L1";
  c.transport = hal::TcpSettings{"127.0.0.1", port};
  c.options["reconnect_initial_ms"] = std::int64_t{20};
  c.options["reconnect_max_ms"] = std::int64_t{100};
  return c;
}

hal::DeviceConfig Camera(hal::DeviceClass cls, std::int64_t max_body = 64 << 10) {
  hal::DeviceConfig c;
  c.id = "cam-1";
  c.device_class = cls;
  c.driver = "http_camera";
  c.booth = "L1";
  c.transport = hal::ListenSettings{"127.0.0.1", 0, "/events"};
  c.options["max_body_bytes"] = max_body;
  return c;
}

// A blocking HTTP client on its own thread; the test thread runs the driver.
class Client {
 public:
  Client(std::uint16_t port, std::string raw) {
    thread_ = std::thread([this, port, raw = std::move(raw)] {
      try {
        asio::io_context io;
        tcp::socket s(io);
        s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
        asio::write(s, asio::buffer(raw));
        boost::system::error_code ec;
        asio::read(s, asio::dynamic_buffer(response_), ec);  // until the server closes
      } catch (const std::exception& e) {
        response_ = std::string("client error: ") + e.what();
      }
      done_ = true;
    });
  }
  ~Client() { thread_.join(); }
  bool done() const { return done_; }
  const std::string& response() const { return response_; }

 private:
  std::string response_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Exchange(DriverHarness& h, std::uint16_t port, const std::string& raw) {
  Client c(port, raw);
  REQUIRE(h.RunUntil([&] { return c.done(); }));
  return c.response();
}

}  // namespace

TEST_CASE("a portal monitor's documents become readings, across a reconnect",
          "[hal][driver][tcp]") {
  DriverHarness h;
  auto port = std::make_unique<MonitorPort>(h.io());
  const auto number = port->port();
  auto dev = h.Make(N42Device(number));
  dev->Start();
  REQUIRE(h.RunUntil([&] { return port->socket.has_value(); }));
  port->Send(hal::protocols::EncodeN42_2011(Alarm()));
  REQUIRE(h.RunUntil(h.CountIs<hal::RadiationReading>(1)));
  auto r = h.Payloads<hal::RadiationReading>()[0];
  CHECK(r.gamma_alarm);
  CHECK(r.gamma_cps.has_value());

  // Malformed XML is a fault; the stream goes on.
  port->Send("<RadInstrumentData><RadMeasurement><GrossCounts>1 2</RadInstrumentData>");
  // The monitor goes away mid-document, then comes back on the same port.
  port->Send("<RadInstrumentData><RadMeasurement>");
  REQUIRE(h.RunUntil([&] { return dev->Health().bytes > 0 && h.events.size() >= 2; }));
  port->Close();
  port.reset();
  REQUIRE(h.RunUntil(h.FaultSeen("disconnected")));
  CHECK(h.HasFault("truncated"));
  port = std::make_unique<MonitorPort>(h.io(), number);
  REQUIRE(h.RunUntil([&] { return port->socket.has_value() && dev->Health().connected; }));
  port->Send(hal::protocols::EncodeN42_2006(Alarm()));
  REQUIRE(h.RunUntil(h.CountIs<hal::RadiationReading>(2)));
  CHECK(dev->Health().reconnects == 1);
  dev->Stop();
}

TEST_CASE("a refused connection is retried with backoff", "[hal][driver][tcp]") {
  DriverHarness h;
  std::uint16_t free_port;
  {
    MonitorPort probe(h.io());
    free_port = probe.port();
    probe.Close();
  }
  auto dev = h.Make(N42Device(free_port));
  dev->Start();
  REQUIRE(h.RunUntil([&] {
    auto f = dev->Health().fault_counts;
    return f.count("connect_failed") && f.at("connect_failed") >= 3;
  }));
  CHECK(h.CountFaults("connect_failed") == 1);
  MonitorPort port(h.io(), free_port);
  REQUIRE(h.RunUntil([&] { return dev->Health().connected; }));
  dev->Stop();
}

TEST_CASE("a plate camera's POSTs become plate readings", "[hal][driver][http]") {
  DriverHarness h;
  auto dev = h.Make(Camera(hal::DeviceClass::kPlateCamera));
  dev->Start();
  auto* cam = dynamic_cast<hal::drivers::HttpCameraDevice*>(dev.get());
  REQUIRE(h.RunUntil([&] { return cam->bound_port() != 0; }));
  hal::PlateRead read{"AA1234BB", "ua", 0.91, {{"AA1234BB", 0.91}, {"AA1234B8", 0.62}}};
  auto res =
      Exchange(h, cam->bound_port(), Post("/events", hal::protocols::EncodeOpenAlprPlate(read)));
  CHECK(res.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(res.find("{\"accepted\":1}") != std::string::npos);
  REQUIRE(h.Payloads<hal::PlateRead>().size() == 1);
  CHECK(h.Payloads<hal::PlateRead>()[0].plate == "AA1234BB");
  CHECK(h.events[0].quality.has_value());
  dev->Stop();
}

TEST_CASE("the camera listener refuses hostile requests and keeps working", "[hal][driver][http]") {
  DriverHarness h;
  auto dev = h.Make(Camera(hal::DeviceClass::kContainerCamera, 1024));
  dev->Start();
  auto* cam = dynamic_cast<hal::drivers::HttpCameraDevice*>(dev.get());
  REQUIRE(h.RunUntil([&] { return cam->bound_port() != 0; }));
  const auto port = cam->bound_port();

  CHECK(Exchange(h, port, Post("/events", std::string(5000, '['))).rfind("HTTP/1.1 413", 0) == 0);
  CHECK(h.HasFault("too_large"));
  CHECK(Exchange(h, port, Post("/events", "{\"type\":")).rfind("HTTP/1.1 400", 0) == 0);
  CHECK(Exchange(h, port, Post("/other", "{}")).rfind("HTTP/1.1 404", 0) == 0);
  CHECK(Exchange(h, port, "GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .rfind("HTTP/1.1 405", 0) == 0);
  CHECK(Exchange(h, port, "NOT HTTP AT ALL\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);
  CHECK(Exchange(h, port, "POST /events HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n")
            .rfind("HTTP/1.1 4", 0) == 0);

  hal::ContainerCodeRead read{"CSQU3054383", 0.88, {}};
  auto ok = Exchange(h, port, Post("/events", hal::protocols::EncodeGenericContainer(read)));
  CHECK(ok.rfind("HTTP/1.1 200", 0) == 0);
  REQUIRE(h.Payloads<hal::ContainerCodeRead>().size() == 1);
  CHECK(h.Payloads<hal::ContainerCodeRead>()[0].code == "CSQU3054383");
  dev->Stop();
}

TEST_CASE("a camera listener on a taken port reports and retries", "[hal][driver][http]") {
  DriverHarness h;
  MonitorPort taken(h.io());
  auto cfg = Camera(hal::DeviceClass::kPlateCamera);
  std::get<hal::ListenSettings>(cfg.transport).port = taken.port();
  auto dev = h.Make(cfg);
  dev->Start();
  REQUIRE(h.RunUntil(h.FaultSeen("listen_failed")));
  CHECK_FALSE(dev->Health().connected);
  dev->Stop();
}
