#pragma once
// Cameras (ANPR, container codes) that push JSON events by HTTP POST to a listener
// on the box. One listener per camera device, on its configured address, port and
// path. Limits: header 8 KiB, body max_body_bytes (413 beyond), 10 s to send a
// request (slow-loris), max_connections concurrent (more are closed at once).
// Responses: 200 {"accepted":N}, 400 {"error":kind} for undecodable events, 404
// for another path, 405 for another method.
//
// Threading and lifetimes as for StreamDevice: one single-threaded io_context,
// create with std::make_shared, no event after Stop().

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "checkpoint/common/backoff.hpp"
#include "checkpoint/hal/drivers/device_core.hpp"
#include "checkpoint/hal/drivers/stream_device.hpp"

namespace checkpoint::hal::drivers {

class HttpCameraSession;

class HttpCameraDevice : public Device, public std::enable_shared_from_this<HttpCameraDevice> {
 public:
  HttpCameraDevice(DriverContext ctx, DeviceConfig config, EventSink sink);
  ~HttpCameraDevice() override;

  const DeviceConfig& config() const override { return config_; }
  void Start() override;
  void Stop() override;
  DeviceHealth Health() const override { return core_.Health(); }

  // The port actually bound (useful when the configured port is 0); 0 until listening.
  std::uint16_t bound_port() const noexcept { return bound_port_; }

 private:
  friend class HttpCameraSession;
  void Listen();
  void Accept();
  // Decodes one POST body; returns the HTTP status and the JSON response body.
  std::pair<unsigned, std::string> HandleBody(std::string_view body);

  DriverContext ctx_;
  DeviceConfig config_;
  DeviceCore core_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  common::ExponentialBackoff backoff_;
  std::size_t max_body_;
  std::size_t max_connections_;
  std::size_t active_ = 0;
  std::vector<std::weak_ptr<HttpCameraSession>> sessions_;
  std::uint16_t bound_port_ = 0;
  bool running_ = false;
  bool reported_down_ = false;
};

}  // namespace checkpoint::hal::drivers
