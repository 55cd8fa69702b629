#pragma once
// Base of every driver whose device speaks over a byte stream: a serial port
// (boost::asio::serial_port) or a TCP connection the appliance opens. It owns the
// connection, reconnects with capped exponential backoff after an unplug, a
// disconnect or a failed open, bounds what a device can cost (fixed read buffer,
// a frame timeout for partial frames, a flood limit on deliveries), and keeps the
// health counters. Subclasses only decode bytes.
//
// Threading and lifetimes: everything runs on the io_context given at
// construction, which must be single-threaded. Objects are created with
// std::make_shared; asynchronous operations hold weak_from_this(), so destroying
// the last owner (after Stop()) cancels cleanly. No event is delivered after Stop().

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "checkpoint/common/backoff.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hal/device.hpp"
#include "checkpoint/hal/drivers/device_core.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::drivers {

struct DriverContext {
  boost::asio::io_context& io;
  const common::Clock& clock;
  log::Logger log;
};

class StreamDevice : public Device, public std::enable_shared_from_this<StreamDevice> {
 public:
  StreamDevice(DriverContext ctx, DeviceConfig config, EventSink sink);
  ~StreamDevice() override;

  const DeviceConfig& config() const override { return config_; }
  void Start() override;
  void Stop() override;
  DeviceHealth Health() const override;

 protected:
  // Decodes received bytes; calls Deliver() and Fault() for what it finds.
  virtual void OnBytes(std::string_view bytes) = 0;
  // Drops partial state (disconnect or frame timeout) and returns the fault to
  // report for a partial frame, if there was one.
  virtual std::optional<protocols::FrameError> OnReset() = 0;

  void Deliver(EventPayload payload, std::optional<double> quality = std::nullopt) {
    core_.Deliver(std::move(payload), quality);
  }
  void Fault(const protocols::FrameError& e) { core_.Fault(e); }
  // Reports each error of a decoder's output as a fault and hands each value to
  // `on_value`, in order.
  template <typename T, typename OnValue>
  void Dispatch(std::vector<protocols::Decoded<T>>& decoded, OnValue&& on_value) {
    for (auto& d : decoded) {
      if (auto* e = std::get_if<protocols::FrameError>(&d)) {
        Fault(*e);
      } else {
        on_value(std::get<T>(d));
      }
    }
  }
  const common::Clock& clock() const { return ctx_.clock; }

 private:
  void Connect();
  void ConnectTcp();
  void OnConnected();
  void ReadSome();
  void Disconnected(const std::string& kind, const std::string& detail);
  void ScheduleReconnect();
  void ArmFrameTimer();
  void CloseTransport();

  DriverContext ctx_;
  DeviceConfig config_;
  DeviceCore core_;
  std::optional<boost::asio::serial_port> serial_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer frame_timer_;
  boost::asio::steady_timer connect_timer_;
  common::ExponentialBackoff backoff_;
  std::array<char, 4096> buffer_{};
  std::chrono::milliseconds frame_timeout_;
  bool running_ = false;
  bool connected_ = false;
  bool reported_down_ = false;    // one fault per outage, not one per retry
  std::uint64_t generation_ = 0;  // invalidates completions of a previous connection
};

}  // namespace checkpoint::hal::drivers
