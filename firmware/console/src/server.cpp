// The one translation unit of the console that includes Boost.Beast (the pattern of
// hq/core/src/https_server.cpp, without client certificates, with several listen
// addresses and server-sent event streams).
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <thread>
#include <vector>

#include "checkpoint/console/http.hpp"

namespace checkpoint::console {

std::uint64_t Events::Subscribe(Listener l) {
  std::lock_guard lock(mu_);
  const auto token = next_token_++;
  listeners_.emplace_back(token, std::move(l));
  return token;
}

void Events::Unsubscribe(std::uint64_t token) {
  std::lock_guard lock(mu_);
  std::erase_if(listeners_, [&](const auto& p) { return p.first == token; });
}

void Events::Notify() {
  std::vector<Listener> copy;
  std::uint64_t g = 0;
  {
    std::lock_guard lock(mu_);
    g = ++generation_;
    for (const auto& [token, l] : listeners_) copy.push_back(l);
  }
  for (const auto& l : copy) l(g);
}

std::uint64_t Events::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct Shared {
  HttpsServer::Options options;
  HttpHandler handler;
  Events& events;
  log::Logger log;
};

bool HeaderSafe(const std::string& name, const std::string& value) {
  return name.find_first_of("\r\n:") == std::string::npos &&
         value.find_first_of("\r\n") == std::string::npos;
}

std::string Header(http::request<http::string_body>& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string() : std::string(it->value());
}

// One connection: handshake, then requests in order until the client closes, an
// error, the idle timeout, or an event stream (which keeps the connection to the
// end). Lifetime: held by the shared_ptr captured in each pending operation.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, std::shared_ptr<const Shared> shared)
      : stream_(std::move(socket), ctx), shared_(std::move(shared)), ping_(stream_.get_executor()) {
    beast::error_code ec;
    const auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
  }
  ~Session() {
    if (token_) shared_->events.Unsubscribe(token_);
  }

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
      r.body = R"({"error":"too_large"})";
      return Write(r, false);
    }
    if (ec) return;
    auto req = parser_->release();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.host = Header(req, http::field::host);
    in.content_type = Header(req, http::field::content_type);
    in.cookie = Header(req, http::field::cookie);
    in.origin = Header(req, http::field::origin);
    in.if_none_match = Header(req, http::field::if_none_match);
    if (auto it = req.find("X-CSRF-Token"); it != req.end())
      in.csrf_token = std::string(it->value());
    if (auto it = req.find("Sec-Fetch-Site"); it != req.end())
      in.fetch_site = std::string(it->value());
    in.body = std::move(req.body());
    in.peer = peer_;
    HttpResponse out;
    try {
      out = shared_->handler(in);
    } catch (const std::exception& e) {
      shared_->log.Error("console handler threw", {{"error", e.what()}});
      out = HttpResponse{};
      out.status = 500;
      out.body = R"({"error":"internal"})";
    }
    if (out.event_stream && out.status == 200) return StartEvents(std::move(out));
    Write(out, req.keep_alive() && req.method() != http::verb::head);
  }

  void Write(const HttpResponse& r, bool keep_alive) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(r.status));
    res_.set(http::field::server, "checkpointd");
    if (!r.content_type.empty()) res_.set(http::field::content_type, r.content_type);
    res_.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) {
      if (!HeaderSafe(name, value)) {
        shared_->log.Error("response header refused: CR or LF", {{"header", name}});
        continue;
      }
      res_.set(name, value);
    }
    res_.body() = r.body;
    res_.keep_alive(keep_alive);
    res_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(shared_->options.io_timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!keep_alive) return self->Close();
                        self->Read();
                      });
  }

  // Server-sent events: the header, then an event per change and a comment line
  // when idle; the connection ends with the session (alive() false) or the client.
  void StartEvents(HttpResponse r) {
    alive_ = std::move(r.alive);
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: checkpointd\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nConnection: close\r\n";
    for (const auto& [name, value] : r.headers) {
      if (HeaderSafe(name, value)) head += name + ": " + value + "\r\n";
    }
    head += "\r\n";
    std::weak_ptr<Session> weak = shared_from_this();
    token_ = shared_->events.Subscribe([weak](std::uint64_t g) {
      if (auto self = weak.lock()) {
        net::post(self->stream_.get_executor(),
                  [self, g] { self->Send("event: changed\ndata: " + std::to_string(g) + "\n\n"); });
      }
    });
    Send(head + "event: ready\ndata: " + std::to_string(shared_->events.generation()) + "\n\n");
    Ping();
  }

  void Ping() {
    ping_.expires_after(shared_->options.event_ping);
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (self->alive_ && !self->alive_()) {
        // The officer's session ended: the page goes back to the login.
        self->Send("event: expired\ndata: 0\n\n");
        self->closing_ = true;
        return;
      }
      self->Send(": ping\n\n");
      self->Ping();
    });
  }

  void Send(std::string data) {
    if (closed_) return;
    pending_ += data;
    if (writing_) return;
    Flush();
  }

  void Flush() {
    if (pending_.empty()) {
      if (closing_) Close();
      return;
    }
    writing_ = true;
    out_ = std::move(pending_);
    pending_.clear();
    beast::get_lowest_layer(stream_).expires_after(shared_->options.io_timeout);
    net::async_write(stream_, net::buffer(out_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec) {
                         self->closed_ = true;
                         self->ping_.cancel();
                         return;
                       }
                       beast::get_lowest_layer(self->stream_).expires_never();
                       self->Flush();
                     });
  }

  void Close() {
    closed_ = true;
    ping_.cancel();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<const Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::string peer_;
  // Event streams.
  net::steady_timer ping_;
  std::function<bool()> alive_;
  std::uint64_t token_ = 0;
  std::string pending_, out_;
  bool writing_ = false, closing_ = false, closed_ = false;
};

std::optional<tcp::endpoint> Endpoint(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  unsigned port = 0;
  try {
    port = static_cast<unsigned>(std::stoul(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (port > 65535) return std::nullopt;
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

class BeastServer final : public HttpsServer {
 public:
  explicit BeastServer(std::shared_ptr<const Shared> shared)
      : shared_(std::move(shared)), ctx_(ssl::context::tls_server) {}
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
    if (ec) return MakeError(CommonErrc::kInvalidArgument, "TLS setup: " + ec.message());
    for (const auto& listen : o.listen) {
      const auto ep = Endpoint(listen);
      if (!ep) return MakeError(CommonErrc::kInvalidArgument, "bad listen address " + listen);
      auto& acceptor = acceptors_.emplace_back(std::make_unique<tcp::acceptor>(ioc_));
      acceptor->open(ep->protocol(), ec);
      if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
      if (!ec && ep->address().is_v6()) acceptor->set_option(net::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(*ep, ec);
      if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
      if (ec) {
        return MakeError(CommonErrc::kUnavailable,
                         "cannot listen on " + listen + ": " + ec.message());
      }
      ports_.push_back(acceptor->local_endpoint().port());
    }
    for (auto& a : acceptors_) Accept(*a);
    for (int i = 0; i < std::max(1, o.threads); ++i) threads_.emplace_back([this] { ioc_.run(); });
    return {};
  }

  std::vector<std::uint16_t> ports() const override { return ports_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Accept(tcp::acceptor& acceptor) {
    acceptor.async_accept(net::make_strand(ioc_),
                          [this, &acceptor](beast::error_code ec, tcp::socket s) {
                            if (ec == net::error::operation_aborted) return;
                            if (!ec) std::make_shared<Session>(std::move(s), ctx_, shared_)->Run();
                            Accept(acceptor);
                          });
  }

  std::shared_ptr<const Shared> shared_;
  ssl::context ctx_;  // outlives ioc_: sessions destroyed with ioc_ hold SSL objects of it
  net::io_context ioc_;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::vector<std::thread> threads_;
  std::vector<std::uint16_t> ports_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Expected<std::unique_ptr<HttpsServer>> HttpsServer::Start(const Options& options,
                                                          HttpHandler handler, Events& events,
                                                          log::Logger logger) {
  auto shared = std::make_shared<const Shared>(Shared{options, std::move(handler), events, logger});
  auto server = std::make_unique<BeastServer>(shared);
  try {
    if (auto s = server->Init(); !s) return std::move(s).error();
  } catch (const std::exception& e) {
    return MakeError(CommonErrc::kInternal, std::string("console HTTPS server: ") + e.what());
  }
  return std::unique_ptr<HttpsServer>(std::move(server));
}

}  // namespace checkpoint::console
