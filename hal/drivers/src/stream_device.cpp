#include "checkpoint/hal/drivers/stream_device.hpp"

#include <boost/asio/connect.hpp>

namespace checkpoint::hal::drivers {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

std::chrono::milliseconds Ms(std::int64_t v) {
  return std::chrono::milliseconds(v);
}

error_code ApplySerialSettings(asio::serial_port& port, const SerialSettings& s) {
  using SP = asio::serial_port_base;
  error_code ec;
  port.set_option(SP::baud_rate(s.baud), ec);
  if (ec) return ec;
  port.set_option(SP::character_size(s.char_size), ec);
  if (ec) return ec;
  port.set_option(SP::parity(s.parity == SerialSettings::Parity::kEven  ? SP::parity::even
                             : s.parity == SerialSettings::Parity::kOdd ? SP::parity::odd
                                                                        : SP::parity::none),
                  ec);
  if (ec) return ec;
  port.set_option(SP::stop_bits(s.stop_bits == 2 ? SP::stop_bits::two : SP::stop_bits::one), ec);
  if (ec) return ec;
  port.set_option(
      SP::flow_control(s.flow == SerialSettings::Flow::kHardware   ? SP::flow_control::hardware
                       : s.flow == SerialSettings::Flow::kSoftware ? SP::flow_control::software
                                                                   : SP::flow_control::none),
      ec);
  return ec;
}

}  // namespace

StreamDevice::StreamDevice(DriverContext ctx, DeviceConfig config, EventSink sink)
    : ctx_(std::move(ctx)),
      config_(std::move(config)),
      core_(config_, std::move(sink), ctx_.clock, ctx_.log),
      resolver_(ctx_.io),
      reconnect_timer_(ctx_.io),
      frame_timer_(ctx_.io),
      connect_timer_(ctx_.io),
      backoff_({.initial = Ms(config_.Int("reconnect_initial_ms", 500)),
                .max = Ms(config_.Int("reconnect_max_ms", 30000)),
                .multiplier = 2.0,
                .jitter = 0.3}),
      frame_timeout_(Ms(config_.Int("frame_timeout_ms", 2000))) {}

StreamDevice::~StreamDevice() = default;

void StreamDevice::Start() {
  if (running_) return;
  running_ = true;
  core_.Enable();
  Connect();
}

void StreamDevice::Stop() {
  running_ = false;
  ++generation_;
  reconnect_timer_.cancel();
  frame_timer_.cancel();
  connect_timer_.cancel();
  resolver_.cancel();
  CloseTransport();
  core_.Disable();
  core_.SetConnected(false);
}

DeviceHealth StreamDevice::Health() const {
  return core_.Health();
}

void StreamDevice::CloseTransport() {
  error_code ignored;
  if (serial_) {
    serial_->close(ignored);
    serial_.reset();
  }
  if (socket_) {
    socket_->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_->close(ignored);
    socket_.reset();
  }
  connected_ = false;
}

void StreamDevice::Connect() {
  if (!running_) return;
  if (const auto* s = std::get_if<SerialSettings>(&config_.transport)) {
    serial_.emplace(ctx_.io);
    error_code ec;
    serial_->open(s->path, ec);
    if (!ec) ec = ApplySerialSettings(*serial_, *s);
    if (ec) {
      Disconnected("open_failed", "cannot open serial port: " + ec.message());
      return;
    }
    OnConnected();
  } else if (std::holds_alternative<TcpSettings>(config_.transport)) {
    ConnectTcp();
  } else {
    Disconnected("config", "a stream driver needs a serial or tcp transport");
  }
}

void StreamDevice::ConnectTcp() {
  const auto& t = std::get<TcpSettings>(config_.transport);
  const auto gen = ++generation_;
  socket_.emplace(ctx_.io);
  // Bounded connect: a black-holed address must not stall the device forever.
  connect_timer_.expires_after(std::chrono::seconds(10));
  connect_timer_.async_wait([w = weak_from_this(), gen](const error_code& ec) {
    auto self = w.lock();
    if (!self || ec || gen != self->generation_) return;
    self->resolver_.cancel();
    if (self->socket_) {
      error_code ignored;
      self->socket_->close(ignored);
    }
  });
  resolver_.async_resolve(
      t.host, std::to_string(t.port),
      [w = weak_from_this(), gen](const error_code& ec,
                                  asio::ip::tcp::resolver::results_type results) {
        auto self = w.lock();
        if (!self || gen != self->generation_ || !self->running_) return;
        if (ec) {
          self->connect_timer_.cancel();
          self->Disconnected("connect_failed", "cannot resolve: " + ec.message());
          return;
        }
        asio::async_connect(*self->socket_, results,
                            [w, gen](const error_code& ec2, const asio::ip::tcp::endpoint&) {
                              auto self2 = w.lock();
                              if (!self2 || gen != self2->generation_ || !self2->running_) return;
                              self2->connect_timer_.cancel();
                              if (ec2) {
                                self2->Disconnected("connect_failed",
                                                    "cannot connect: " + ec2.message());
                                return;
                              }
                              self2->OnConnected();
                            });
      });
}

void StreamDevice::OnConnected() {
  connected_ = true;
  reported_down_ = false;
  backoff_.Reset();
  core_.SetConnected(true);
  ctx_.log.Info("device connected", {{"device", config_.id}, {"driver", config_.driver}});
  ++generation_;
  ReadSome();
}

void StreamDevice::ReadSome() {
  auto handler = [w = weak_from_this(), gen = generation_](const error_code& ec, std::size_t n) {
    auto self = w.lock();
    if (!self || gen != self->generation_ || !self->running_) return;
    if (ec) {
      self->Disconnected("disconnected", ec == asio::error::eof ? "the device closed the "
                                                                  "connection"
                                                                : "read failed: " + ec.message());
      return;
    }
    self->core_.CountBytes(n);
    self->OnBytes(std::string_view(self->buffer_.data(), n));
    if (!self->running_ || gen != self->generation_) return;  // a delivery may have stopped us
    self->ArmFrameTimer();
    self->ReadSome();
  };
  if (serial_) {
    serial_->async_read_some(asio::buffer(buffer_), std::move(handler));
  } else if (socket_) {
    socket_->async_read_some(asio::buffer(buffer_), std::move(handler));
  }
}

void StreamDevice::ArmFrameTimer() {
  // Any byte restarts the clock: a frame left incomplete for frame_timeout_ is
  // dropped, so a device that stops mid-frame cannot hold a partial frame forever
  // (nor glue it to the next one).
  frame_timer_.expires_after(frame_timeout_);
  frame_timer_.async_wait([w = weak_from_this(), gen = generation_](const error_code& ec) {
    auto self = w.lock();
    if (!self || ec || gen != self->generation_ || !self->running_) return;
    if (auto fault = self->OnReset()) self->Fault(*fault);
  });
}

void StreamDevice::Disconnected(const std::string& kind, const std::string& detail) {
  const bool was_connected = connected_;
  ++generation_;
  frame_timer_.cancel();
  CloseTransport();
  if (auto fault = OnReset()) Fault(*fault);
  core_.SetConnected(false);
  if (was_connected) core_.CountReconnect();
  if (!reported_down_) {
    reported_down_ = true;
    ctx_.log.Warning("device down", {{"device", config_.id}, {"reason", detail}});
    Fault({kind, detail});
  } else {
    core_.CountFault(kind);
  }
  ScheduleReconnect();
}

void StreamDevice::ScheduleReconnect() {
  if (!running_) return;
  reconnect_timer_.expires_after(backoff_.NextInterval());
  reconnect_timer_.async_wait([w = weak_from_this()](const error_code& ec) {
    auto self = w.lock();
    if (!self || ec || !self->running_) return;
    self->Connect();
  });
}

}  // namespace checkpoint::hal::drivers
