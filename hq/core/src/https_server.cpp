// The one translation unit of checkpoint-hq that includes Boost.Beast.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "checkpoint/hq/http.hpp"

namespace checkpoint::hq {

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct Shared {
  HttpsServer::Options options;
  HttpHandler handler;
  log::Logger log;
};

// The subject CN of the client certificate, when one was presented and verified.
std::optional<std::string> ClientId(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  char cn[256] = {};
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
  if (n <= 0) return std::nullopt;
  return std::string(cn, static_cast<std::size_t>(n));
}

// One connection: handshake, then requests in order until the client closes, an
// error, or the idle timeout. Lifetime: held by the shared_ptr captured in each
// pending operation; gone when the last one completes or the io_context is
// destroyed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, std::shared_ptr<const Shared> shared)
      : stream_(std::move(socket), ctx), shared_(std::move(shared)) {}

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_).expires_after(self->shared_->options.io_timeout);
      self->stream_.async_handshake(ssl::stream_base::server,
                                    [self](beast::error_code ec) { self->OnHandshake(ec); });
    });
  }

 private:
  void OnHandshake(beast::error_code ec) {
    if (ec) {
      shared_->log.Debug("TLS handshake failed", {{"error", ec.message()}});
      return;
    }
    client_id_ = ClientId(stream_.native_handle());
    Read();
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(shared_->options.io_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      HttpResponse r;
      r.status = 413;
      r.body = R"({"error":"too_large","message":"request body too large"})";
      return Write(r, false);
    }
    if (ec) return;
    auto req = parser_->release();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    if (auto it = req.find(http::field::content_type); it != req.end()) {
      in.content_type = std::string(it->value());
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      in.authorization = std::string(it->value());
    }
    if (auto it = req.find(http::field::range); it != req.end()) {
      in.range = std::string(it->value());
    }
    if (auto it = req.find(http::field::if_range); it != req.end()) {
      in.if_range = std::string(it->value());
    }
    in.body = std::move(req.body());
    in.client_id = client_id_;
    HttpResponse out;
    try {
      out = shared_->handler(in);
    } catch (const std::exception& e) {
      shared_->log.Error("handler threw", {{"error", e.what()}});
      out = HttpResponse{};
      out.status = 500;
      out.body = R"({"error":"internal","message":"internal error"})";
    }
    Write(out, req.keep_alive());
  }

  void Write(const HttpResponse& r, bool keep_alive) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, "checkpoint-hq");
    res_.set(http::field::content_type, r.content_type);
    res_.set(http::field::cache_control, "no-store");
    if (r.retry_after_s) res_.set(http::field::retry_after, std::to_string(*r.retry_after_s));
    for (const auto& [name, value] : r.headers) {
      if (name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        shared_->log.Error("response header refused: CR or LF", {{"header", name}});
        continue;
      }
      res_.set(name, value);
    }
    res_.body() = r.body;
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    // A large answer (a bundle payload) gets a second per 64 KiB on top of the I/O
    // timeout: a slow link still completes it instead of being cut every 30 s.
    beast::get_lowest_layer(stream_).expires_after(
        shared_->options.io_timeout + std::chrono::seconds(r.body.size() / (64u << 10)));
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!keep_alive) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<const Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::optional<std::string> client_id_;
};

class BeastServer final : public HttpsServer {
 public:
  explicit BeastServer(std::shared_ptr<const Shared> shared)
      : shared_(std::move(shared)), ctx_(ssl::context::tls_server), acceptor_(ioc_) {}
  BeastServer(const BeastServer&) = delete;
  BeastServer& operator=(const BeastServer&) = delete;
  ~BeastServer() override { Stop(); }

  Status Init() {
    const auto& o = shared_->options;
    beast::error_code ec;
    ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_2_VERSION);
    if (!ec) ctx_.use_certificate_chain_file(o.cert_chain_file.string(), ec);
    if (!ec) ctx_.use_private_key_file(o.key_file.string(), ssl::context::pem, ec);
    if (!ec) ctx_.load_verify_file(o.client_ca_file.string(), ec);
    if (ec) return MakeError(CommonErrc::kInvalidArgument, "TLS setup: " + ec.message());
    // Ask for a client certificate and verify it when presented; enrollment is
    // the one endpoint that works without one, and the handler enforces the rest.
    ctx_.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_verify_depth(ctx_.native_handle(), 2);
    // A client that resumes its TLS session on a new connection (libcurl does,
    // after a cut) would fail the handshake without a session id context when
    // client certificates are verified.
    static constexpr unsigned char kSessionContext[] = "checkpoint-hq";
    SSL_CTX_set_session_id_context(ctx_.native_handle(), kSessionContext,
                                   sizeof kSessionContext - 1);

    const auto address = net::ip::make_address(o.address, ec);
    if (ec) return MakeError(CommonErrc::kInvalidArgument, "bad listen address " + o.address);
    const tcp::endpoint ep(address, o.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return MakeError(CommonErrc::kUnavailable, "cannot listen on " + o.address + ":" +
                                                     std::to_string(o.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, o.threads); ++i) threads_.emplace_back([this] { ioc_.run(); });
    return {};
  }

  std::uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(s), ctx_, shared_)->Run();
      Accept();
    });
  }

  std::shared_ptr<const Shared> shared_;
  ssl::context ctx_;  // outlives ioc_: sessions destroyed with ioc_ hold SSL objects of it
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};
}  // namespace

Expected<std::unique_ptr<HttpsServer>> HttpsServer::Start(const Options& options,
                                                          HttpHandler handler, log::Logger logger) {
  auto shared = std::make_shared<const Shared>(Shared{options, std::move(handler), logger});
  auto server = std::make_unique<BeastServer>(shared);
  try {
    if (auto s = server->Init(); !s) return std::move(s).error();
  } catch (const std::exception& e) {
    return MakeError(CommonErrc::kInternal, std::string("HTTPS server: ") + e.what());
  }
  return std::unique_ptr<HttpsServer>(std::move(server));
}

std::optional<ByteRange> ParseByteRange(std::string_view v) {
  constexpr std::string_view kUnit = "bytes=";
  if (!v.starts_with(kUnit)) return std::nullopt;
  v.remove_prefix(kUnit.size());
  const auto dash = v.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  auto number = [](std::string_view d) -> std::optional<std::int64_t> {
    if (d.empty() || d.size() > 15) return std::nullopt;
    std::int64_t out = 0;
    for (const char c : d) {
      if (c < '0' || c > '9') return std::nullopt;
      out = out * 10 + (c - '0');
    }
    return out;
  };
  ByteRange r;
  const auto first = number(v.substr(0, dash));
  if (!first) return std::nullopt;
  r.first = *first;
  const auto rest = v.substr(dash + 1);
  if (rest.empty()) return r;
  const auto last = number(rest);
  if (!last || *last < r.first) return std::nullopt;
  r.last = *last;
  return r;
}

}  // namespace checkpoint::hq
