#pragma once
// Runs real drivers on a real io_context in the test thread, against real peers:
// pseudo-terminals for serial devices, loopback sockets for network devices.
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/hal/drivers/registry.hpp"

namespace checkpoint::testing {

// The ICAO 9303 specimen passport's MRZ (a made-up person).
inline const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                              "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};

class DriverHarness {
 public:
  DriverHarness() : guard_(boost::asio::make_work_guard(io_)) {}

  std::shared_ptr<hal::Device> Make(hal::DeviceConfig cfg) {
    auto d = hal::drivers::CreateDevice({io_, clock_, log::Logger::Null()}, std::move(cfg),
                                        [this](const hal::DeviceEvent& e) { events.push_back(e); });
    if (!d) FAIL(d.error().message());
    return *d;
  }

  // Runs the loop until `done()` or the timeout; false on timeout. Waits on events,
  // never sleeps.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  template <typename T>
  std::vector<T> Payloads() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const auto* p = std::get_if<T>(&e.payload)) out.push_back(*p);
    }
    return out;
  }
  std::vector<std::string> FaultKinds() const {
    std::vector<std::string> out;
    for (const auto& f : Payloads<hal::DeviceFault>()) out.push_back(f.kind);
    return out;
  }
  std::size_t CountFaults(const std::string& kind) const {
    std::size_t n = 0;
    for (const auto& k : FaultKinds()) n += k == kind ? 1u : 0u;
    return n;
  }
  bool HasFault(const std::string& kind) const {
    for (const auto& k : FaultKinds()) {
      if (k == kind) return true;
    }
    return false;
  }
  template <typename T>
  std::function<bool()> CountIs(std::size_t n) const {
    return [this, n] { return Payloads<T>().size() >= n; };
  }
  std::function<bool()> FaultSeen(const std::string& kind) const {
    return [this, kind] { return HasFault(kind); };
  }

  // Writes all of `bytes` to the pty, letting the driver read whenever it is full.
  template <typename Pty>
  void Send(Pty& pty, std::string_view bytes) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!bytes.empty()) {
      bytes.remove_prefix(pty.WriteSome(bytes));
      if (!bytes.empty()) io_.run_one_for(std::chrono::milliseconds(10));
      REQUIRE(std::chrono::steady_clock::now() < deadline);
    }
  }

  boost::asio::io_context& io() { return io_; }
  const common::Clock& clock() const { return clock_; }

  std::vector<hal::DeviceEvent> events;

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  common::SystemClock clock_;
};

// A pseudo-terminal behind a symlink: Unplug() closes it (the driver reads EIO),
// Plug() makes a new one behind the same path, like a USB adapter coming back.
class PtyDevice {
 public:
  explicit PtyDevice(std::filesystem::path link) : link_(std::move(link)) { Plug(); }
  ~PtyDevice() { Unplug(); }

  void Plug() {
    REQUIRE(::openpty(&master_, &slave_, nullptr, nullptr, nullptr) == 0);
    termios t{};
    ::tcgetattr(slave_, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave_, TCSANOW, &t);
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
    char name[256];
    REQUIRE(::ttyname_r(slave_, name, sizeof name) == 0);
    std::filesystem::remove(link_);
    std::filesystem::create_symlink(name, link_);
  }
  void Unplug() {
    if (master_ >= 0) ::close(master_);
    if (slave_ >= 0) ::close(slave_);
    master_ = slave_ = -1;
    std::error_code ec;
    std::filesystem::remove(link_, ec);
  }
  // Writes what fits in the pty now (non-blocking); returns how much.
  std::size_t WriteSome(std::string_view bytes) {
    REQUIRE(master_ >= 0);
    ssize_t n = ::write(master_, bytes.data(), bytes.size());
    if (n < 0) {
      REQUIRE(errno == EAGAIN);
      return 0;
    }
    return static_cast<std::size_t>(n);
  }
  // For writes that fit the pty buffer (a few KiB); larger ones go through
  // DriverHarness::Send, which runs the driver meanwhile.
  void Write(std::string_view bytes) { REQUIRE(WriteSome(bytes) == bytes.size()); }
  const std::filesystem::path& path() const { return link_; }

 private:
  std::filesystem::path link_;
  int master_ = -1;
  int slave_ = -1;
};

inline hal::DeviceConfig SerialDevice(std::string id, hal::DeviceClass cls, std::string driver,
                                      const std::filesystem::path& path) {
  hal::DeviceConfig c;
  c.id = std::move(id);
  c.device_class = cls;
  c.driver = std::move(driver);
  c.booth = "B1";
  c.transport = hal::SerialSettings{path.string()};
  c.options["reconnect_initial_ms"] = std::int64_t{20};
  c.options["reconnect_max_ms"] = std::int64_t{100};
  return c;
}

}  // namespace checkpoint::testing
