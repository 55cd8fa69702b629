// The only translation unit of the HAL that includes Beast (it is slow to compile).
#include "checkpoint/hal/drivers/http_camera.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "checkpoint/hal/protocols/camera_json.hpp"

namespace checkpoint::hal::drivers {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

// One client connection: read a request, answer, repeat while keep-alive.
class HttpCameraSession : public std::enable_shared_from_this<HttpCameraSession> {
 public:
  HttpCameraSession(std::shared_ptr<HttpCameraDevice> device, tcp::socket socket)
      : device_(std::move(device)), stream_(std::move(socket)) {
    ++device_->active_;
  }
  ~HttpCameraSession() { --device_->active_; }

  void Read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(device_->max_body_);
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](const error_code& ec, std::size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(const error_code& ec) {
    if (!device_->running_) return;
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
    if (ec == beast::error::timeout) {
      device_->core_.Fault({"timeout", "a client did not send a whole request within 10 s"});
      return Close();
    }
    if (ec == http::error::body_limit) {
      device_->core_.Fault(
          {"too_large", "POST body larger than " + std::to_string(device_->max_body_) + " bytes"});
      return Reply(http::status::payload_too_large, R"({"error":"too_large"})", false);
    }
    if (ec) {
      device_->core_.Fault({"malformed", "bad HTTP request: " + ec.message()});
      return Reply(http::status::bad_request, R"({"error":"malformed_http"})", false);
    }
    const auto& req = parser_->get();
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));
    if (target != std::get<ListenSettings>(device_->config_.transport).path) {
      return Reply(http::status::not_found, R"({"error":"not_found"})", req.keep_alive());
    }
    if (req.method() != http::verb::post) {
      return Reply(http::status::method_not_allowed, R"({"error":"method_not_allowed"})",
                   req.keep_alive());
    }
    auto [status, body] = device_->HandleBody(req.body());
    Reply(static_cast<http::status>(status), std::move(body), req.keep_alive());
  }

  friend class HttpCameraDevice;

  void Reply(http::status status, std::string body, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::server, "checkpointd");
    res->set(http::field::content_type, "application/json");
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(10));
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, keep_alive](const error_code& ec, std::size_t) {
          if (ec || !keep_alive || !self->device_->running_) return self->Close();
          self->Read();
        });
  }

  // Safe to call more than once and from the device's Stop().
  void Close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  std::shared_ptr<HttpCameraDevice> device_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{16 * 1024};
  std::optional<http::request_parser<http::string_body>> parser_;
};

HttpCameraDevice::HttpCameraDevice(DriverContext ctx, DeviceConfig config, EventSink sink)
    : ctx_(std::move(ctx)),
      config_(std::move(config)),
      core_(config_, std::move(sink), ctx_.clock, ctx_.log),
      acceptor_(ctx_.io),
      retry_timer_(ctx_.io),
      backoff_({.initial = std::chrono::milliseconds(500),
                .max = std::chrono::milliseconds(30000),
                .jitter = 0.3}),
      max_body_(static_cast<std::size_t>(config_.Int("max_body_bytes", 64 << 10))),
      max_connections_(static_cast<std::size_t>(config_.Int("max_connections", 16))) {}

HttpCameraDevice::~HttpCameraDevice() = default;

void HttpCameraDevice::Start() {
  if (running_) return;
  running_ = true;
  core_.Enable();
  Listen();
}

void HttpCameraDevice::Stop() {
  running_ = false;
  retry_timer_.cancel();
  error_code ignored;
  acceptor_.close(ignored);
  // Close open client connections so that nothing keeps the loop alive after Stop.
  for (auto& w : sessions_) {
    if (auto s = w.lock()) s->Close();
  }
  sessions_.clear();
  core_.Disable();
  core_.SetConnected(false);
}

void HttpCameraDevice::Listen() {
  if (!running_) return;
  const auto& l = std::get<ListenSettings>(config_.transport);
  error_code ec;
  auto address = asio::ip::make_address(l.address, ec);
  if (!ec) acceptor_.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(tcp::endpoint(address, l.port), ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    if (!reported_down_) {
      reported_down_ = true;
      core_.Fault({"listen_failed", "cannot listen on " + l.address + ":" + std::to_string(l.port) +
                                        ": " + ec.message()});
    } else {
      core_.CountFault("listen_failed");
    }
    retry_timer_.expires_after(backoff_.NextInterval());
    retry_timer_.async_wait([w = weak_from_this()](const error_code& e) {
      if (auto self = w.lock(); self && !e) self->Listen();
    });
    return;
  }
  reported_down_ = false;
  backoff_.Reset();
  bound_port_ = acceptor_.local_endpoint().port();
  core_.SetConnected(true);
  ctx_.log.Info("camera listener up", {{"device", config_.id}, {"port", bound_port_}});
  Accept();
}

void HttpCameraDevice::Accept() {
  acceptor_.async_accept([w = weak_from_this()](const error_code& ec, tcp::socket socket) {
    auto self = w.lock();
    if (!self || !self->running_) return;
    if (ec) {
      if (ec != asio::error::operation_aborted) self->core_.CountFault("accept_failed");
      if (self->acceptor_.is_open()) self->Accept();
      return;
    }
    if (self->active_ >= self->max_connections_) {
      self->core_.Fault({"too_many_connections", "more than " +
                                                     std::to_string(self->max_connections_) +
                                                     " concurrent connections; closed one"});
      error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<HttpCameraSession>(self, std::move(socket));
      std::erase_if(self->sessions_, [](const auto& s) { return s.expired(); });
      self->sessions_.push_back(session);
      session->Read();
    }
    self->Accept();
  });
}

std::pair<unsigned, std::string> HttpCameraDevice::HandleBody(std::string_view body) {
  core_.CountBytes(body.size());
  auto reject = [&](const protocols::FrameError& e) -> std::pair<unsigned, std::string> {
    core_.Fault(e);
    return {400, R"({"error":")" + e.kind + R"("})"};
  };
  std::size_t accepted = 0;
  if (config_.device_class == DeviceClass::kPlateCamera) {
    auto decoded = protocols::ParsePlateEvent(body);
    if (auto* e = std::get_if<protocols::FrameError>(&decoded)) return reject(*e);
    for (auto& read : std::get<std::vector<PlateRead>>(decoded)) {
      const double q = read.confidence;
      core_.Deliver(std::move(read), q);
      ++accepted;
    }
  } else {
    auto decoded = protocols::ParseContainerEvent(body);
    if (auto* e = std::get_if<protocols::FrameError>(&decoded)) return reject(*e);
    for (auto& read : std::get<std::vector<ContainerCodeRead>>(decoded)) {
      const double q = read.confidence;
      core_.Deliver(std::move(read), q);
      ++accepted;
    }
  }
  return {200, R"({"accepted":)" + std::to_string(accepted) + "}"};
}

}  // namespace checkpoint::hal::drivers
