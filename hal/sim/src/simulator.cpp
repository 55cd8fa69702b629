#include "checkpoint/hal/sim/simulator.hpp"

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <deque>

namespace checkpoint::hal::sim {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// The far end of one device's connection.
class Peer : public std::enable_shared_from_this<Peer> {
 public:
  virtual ~Peer() = default;
  virtual void Send(std::string bytes) = 0;
  virtual void Disconnect(std::chrono::milliseconds down) = 0;
  virtual void Close() = 0;
  // Nothing left to send (a peer that is down keeps its bytes until it is back).
  virtual bool Idle() const { return true; }
};

namespace {

// A pseudo-terminal behind a stable symlink.
class PtyPeer final : public Peer {
 public:
  PtyPeer(asio::io_context& io, std::filesystem::path link, log::Logger log)
      : io_(io), link_(std::move(link)), log_(std::move(log)), timer_(io) {}
  ~PtyPeer() override { CloseFds(); }

  Status Open() {
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
      return ErrnoError("openpty", errno);
    }
    termios t{};
    ::tcgetattr(slave, &t);
    ::cfmakeraw(&t);  // no echo, no CR/LF translation: bytes pass as a serial line would
    ::tcsetattr(slave, TCSANOW, &t);
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    char name[256];
    if (::ttyname_r(slave, name, sizeof name) != 0) {
      ::close(master);
      ::close(slave);
      return ErrnoError("ttyname", errno);
    }
    // Replace the symlink atomically: the driver never sees a missing path while
    // the device is "plugged in".
    auto tmp = link_;
    tmp += ".new";
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    std::filesystem::create_symlink(name, tmp, ec);
    if (!ec) std::filesystem::rename(tmp, link_, ec);
    if (ec) {
      ::close(master);
      ::close(slave);
      return MakeError(CommonErrc::kIo, "cannot link " + link_.string() + ": " + ec.message());
    }
    master_.emplace(io_, master);
    slave_fd_ = slave;  // held so the pty survives the driver closing and reopening it
    Drain();
    Flush();
    return {};
  }

  void Send(std::string bytes) override {
    pending_.push_back(std::move(bytes));
    Flush();
  }

  void Disconnect(std::chrono::milliseconds down) override {
    CloseFds();  // the driver's reads fail with EIO, as on a USB unplug
    std::error_code ec;
    std::filesystem::remove(link_, ec);
    timer_.expires_after(down);
    timer_.async_wait([w = weak_from_this()](const error_code& e) {
      auto self = std::static_pointer_cast<PtyPeer>(w.lock());
      if (!self || e || self->closed_) return;
      if (auto s = self->Open(); !s) {
        self->log_.Error("simulated replug failed", {{"error", s.error().message()}});
      }
    });
  }

  bool Idle() const override { return pending_.empty(); }

  void Close() override {
    closed_ = true;
    timer_.cancel();
    CloseFds();
    std::error_code ec;
    std::filesystem::remove(link_, ec);
  }

 private:
  void CloseFds() {
    error_code ignored;
    if (master_) master_->close(ignored);
    master_.reset();
    if (slave_fd_ >= 0) ::close(slave_fd_);
    slave_fd_ = -1;
    writing_ = false;
  }

  // Whatever the driver writes back (nothing, normally) is read and dropped, so
  // the pty buffer can never fill up and block us.
  void Drain() {
    if (!master_) return;
    master_->async_read_some(asio::buffer(drain_),
                             [w = weak_from_this()](const error_code& ec, std::size_t) {
                               auto self = std::static_pointer_cast<PtyPeer>(w.lock());
                               if (self && !ec) self->Drain();
                             });
  }

  void Flush() {
    if (writing_ || pending_.empty() || !master_) return;
    writing_ = true;
    asio::async_write(*master_, asio::buffer(pending_.front()),
                      [w = weak_from_this()](const error_code& ec, std::size_t) {
                        auto self = std::static_pointer_cast<PtyPeer>(w.lock());
                        if (!self) return;
                        self->writing_ = false;
                        if (ec) return;  // unplugged meanwhile: the bytes are lost, as on a wire
                        self->pending_.pop_front();
                        self->Flush();
                      });
  }

  asio::io_context& io_;
  std::filesystem::path link_;
  log::Logger log_;
  asio::steady_timer timer_;
  std::optional<asio::posix::stream_descriptor> master_;
  int slave_fd_ = -1;
  std::deque<std::string> pending_;
  std::array<char, 1024> drain_{};
  bool writing_ = false;
  bool closed_ = false;
};

// A device that the driver connects to over TCP (e.g. a portal monitor's data port).
class TcpServerPeer final : public Peer {
 public:
  TcpServerPeer(asio::io_context& io, log::Logger log)
      : io_(io), log_(std::move(log)), acceptor_(io), timer_(io) {}

  Expected<std::uint16_t> Listen(std::uint16_t port) {
    error_code ec;
    acceptor_.open(tcp::v4(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), port), ec);
    if (!ec) acceptor_.listen(4, ec);
    if (ec) return MakeError(CommonErrc::kIo, "simulator cannot listen: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    return port_;
  }

  void Send(std::string bytes) override {
    pending_.push_back(std::move(bytes));
    Flush();
  }

  void Disconnect(std::chrono::milliseconds down) override {
    Drop();
    timer_.expires_after(down);
    timer_.async_wait([w = weak_from_this()](const error_code& e) {
      auto self = std::static_pointer_cast<TcpServerPeer>(w.lock());
      if (!self || e || self->closed_) return;
      if (auto r = self->Listen(self->port_); !r) {
        self->log_.Error("simulated reconnect failed", {{"error", r.error().message()}});
      }
    });
  }

  bool Idle() const override { return pending_.empty(); }

  void Close() override {
    closed_ = true;
    timer_.cancel();
    Drop();
  }

 private:
  void Drop() {
    error_code ignored;
    acceptor_.close(ignored);
    if (socket_) {
      socket_->shutdown(tcp::socket::shutdown_both, ignored);
      socket_->close(ignored);
    }
    socket_.reset();
    writing_ = false;
  }

  void Accept() {
    acceptor_.async_accept([w = weak_from_this()](const error_code& ec, tcp::socket s) {
      auto self = std::static_pointer_cast<TcpServerPeer>(w.lock());
      if (!self || ec) return;
      self->socket_.emplace(std::move(s));
      self->Flush();
      self->Accept();  // a reconnecting driver replaces the old connection
    });
  }

  void Flush() {
    if (writing_ || pending_.empty() || !socket_) return;
    writing_ = true;
    asio::async_write(*socket_, asio::buffer(pending_.front()),
                      [w = weak_from_this()](const error_code& ec, std::size_t) {
                        auto self = std::static_pointer_cast<TcpServerPeer>(w.lock());
                        if (!self) return;
                        self->writing_ = false;
                        if (ec) return;
                        self->pending_.pop_front();
                        self->Flush();
                      });
  }

  asio::io_context& io_;
  log::Logger log_;
  tcp::acceptor acceptor_;
  asio::steady_timer timer_;
  std::optional<tcp::socket> socket_;
  std::deque<std::string> pending_;
  std::uint16_t port_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

// A camera: POSTs each event to the driver's listener, one connection per event.
class HttpClientPeer final : public Peer {
 public:
  HttpClientPeer(asio::io_context& io, std::string device_id, std::string path, log::Logger log)
      : io_(io), device_id_(std::move(device_id)), path_(std::move(path)), log_(std::move(log)) {}

  void SetPort(std::uint16_t port) { port_ = port; }

  void Send(std::string body) override {
    if (port_ == 0 || down_) return;  // camera "unplugged" or listener not up: event lost
    auto socket = std::make_shared<tcp::socket>(io_);
    auto request = std::make_shared<std::string>(
        "POST " + path_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    auto response = std::make_shared<std::string>();
    tcp::endpoint ep(asio::ip::address_v4::loopback(), port_);
    socket->async_connect(
        ep, [socket, request, response, w = weak_from_this()](const error_code& ec) {
          if (ec) return;
          asio::async_write(*socket, asio::buffer(*request),
                            [socket, response, w](const error_code& ec2, std::size_t) {
                              if (ec2) return;
                              asio::async_read(
                                  *socket, asio::dynamic_buffer(*response, 4096),
                                  [socket, response, w](const error_code&, std::size_t) {
                                    auto self = std::static_pointer_cast<HttpClientPeer>(w.lock());
                                    if (!self) return;
                                    // "HTTP/1.1 200 OK": anything else is the driver refusing it.
                                    if (response->rfind("HTTP/1.1 200", 0) != 0) {
                                      self->log_.Debug("camera event refused",
                                                       {{"device", self->device_id_},
                                                        {"status", response->substr(0, 12)}});
                                    }
                                  });
                            });
        });
  }

  void Disconnect(std::chrono::milliseconds down) override {
    down_ = true;
    auto timer = std::make_shared<asio::steady_timer>(io_, down);
    timer->async_wait([timer, w = weak_from_this()](const error_code&) {
      if (auto self = std::static_pointer_cast<HttpClientPeer>(w.lock())) self->down_ = false;
    });
  }

  void Close() override { down_ = true; }

 private:
  asio::io_context& io_;
  std::string device_id_;
  std::string path_;
  log::Logger log_;
  std::uint16_t port_ = 0;
  bool down_ = false;
};

}  // namespace

Simulator::Simulator(asio::io_context& io, std::vector<Step> steps, log::Logger log)
    : io_(io), steps_(std::move(steps)), log_(std::move(log)) {}

Simulator::~Simulator() {
  for (auto& [id, peer] : peers_) peer->Close();
}

Expected<std::shared_ptr<Simulator>> Simulator::Create(asio::io_context& io,
                                                       std::vector<DeviceConfig>& devices,
                                                       std::vector<Step> steps,
                                                       std::filesystem::path work_dir,
                                                       log::Logger log) {
  // Every step must be playable before anything starts.
  for (const auto& step : steps) {
    auto dev = std::find_if(devices.begin(), devices.end(),
                            [&](const DeviceConfig& d) { return d.id == step.device; });
    if (dev == devices.end()) {
      return MakeError(CommonErrc::kInvalidArgument, "scenario line " + std::to_string(step.line) +
                                                         ": no device '" + step.device +
                                                         "' in the configuration");
    }
    if (std::holds_alternative<Disconnect>(step.action)) continue;
    if (auto e = EncodeFor(*dev, step.action); !e) {
      return std::move(e).error().WithContext("scenario line " + std::to_string(step.line));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(work_dir, ec);
  if (ec) return MakeError(CommonErrc::kIo, "cannot create " + work_dir.string());

  std::shared_ptr<Simulator> sim(new Simulator(io, std::move(steps), log));
  for (auto& dev : devices) {
    if (std::holds_alternative<SerialSettings>(dev.transport)) {
      auto link = work_dir / ("tty-" + dev.id);
      auto peer = std::make_shared<PtyPeer>(io, link, log);
      if (auto s = peer->Open(); !s) return std::move(s).error();
      auto& serial = std::get<SerialSettings>(dev.transport);
      serial.path = link.string();
      // Linux ptys refuse other character framings (CS7, parity): the simulated line
      // runs 8N1 whatever the real device uses; the bytes are the same.
      serial.char_size = 8;
      serial.parity = SerialSettings::Parity::kNone;
      serial.stop_bits = 1;
      serial.flow = SerialSettings::Flow::kNone;
      sim->peers_[dev.id] = peer;
    } else if (std::holds_alternative<TcpSettings>(dev.transport)) {
      auto peer = std::make_shared<TcpServerPeer>(io, log);
      auto port = peer->Listen(0);
      if (!port) return std::move(port).error();
      dev.transport = TcpSettings{"127.0.0.1", *port};
      sim->peers_[dev.id] = peer;
    } else {
      auto& l = std::get<ListenSettings>(dev.transport);
      l.address = "127.0.0.1";  // simulated cameras live on this machine only
      l.port = 0;
      sim->peers_[dev.id] = std::make_shared<HttpClientPeer>(io, dev.id, l.path, log);
    }
    sim->encoders_[dev.id] = dev;
  }
  return sim;
}

void Simulator::Run(PortLookup ports, double time_scale, std::function<void()> done) {
  ports_ = std::move(ports);
  time_scale_ = time_scale > 0 ? time_scale : 1.0;
  done_ = std::move(done);
  start_ = std::chrono::steady_clock::now();
  timer_ = std::make_unique<asio::steady_timer>(io_);
  for (auto& [id, peer] : peers_) {
    if (auto* http = dynamic_cast<HttpClientPeer*>(peer.get())) http->SetPort(ports_(id));
  }
  Play(0);
}

void Simulator::Stop() {
  stopped_ = true;
  if (timer_) timer_->cancel();
  for (auto& [id, peer] : peers_) peer->Close();
}

void Simulator::WaitIdle(std::chrono::steady_clock::time_point deadline) {
  bool idle = true;
  for (const auto& [id, peer] : peers_) idle = idle && peer->Idle();
  if (idle || std::chrono::steady_clock::now() >= deadline) {
    if (!idle) log_.Warning("scenario over with bytes still queued for a device that is down");
    if (done_) done_();
    return;
  }
  // A peer is down or a driver has not reconnected yet: look again shortly.
  timer_->expires_after(std::chrono::milliseconds(50));
  timer_->async_wait([w = weak_from_this(), deadline](const error_code& ec) {
    if (auto self = w.lock(); self && !ec && !self->stopped_) self->WaitIdle(deadline);
  });
}

void Simulator::Play(std::size_t index) {
  if (stopped_) return;
  if (index >= steps_.size()) {
    WaitIdle(std::chrono::steady_clock::now() + std::chrono::seconds(30));
    return;
  }
  const auto at = start_ + std::chrono::microseconds(static_cast<std::int64_t>(
                               static_cast<double>(steps_[index].t_ms) * 1000.0 * time_scale_));
  timer_->expires_at(at);
  timer_->async_wait([w = weak_from_this(), index](const error_code& ec) {
    auto self = w.lock();
    if (!self || ec || self->stopped_) return;
    const Step& step = self->steps_[index];
    auto& peer = self->peers_.at(step.device);
    if (const auto* d = std::get_if<Disconnect>(&step.action)) {
      peer->Disconnect(std::chrono::milliseconds(
          static_cast<std::int64_t>(static_cast<double>(d->down_ms) * self->time_scale_)));
    } else {
      // Checked in Create(): encoding cannot fail here.
      auto bytes = EncodeFor(self->encoders_.at(step.device), step.action);
      if (bytes) peer->Send(std::move(*bytes));
    }
    ++self->played_;
    self->Play(index + 1);
  });
}

}  // namespace checkpoint::hal::sim
