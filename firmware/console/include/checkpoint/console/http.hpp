#pragma once
// The console's HTTPS server: Boost.Beast lives only in src/server.cpp (it compiles
// slowly); this header is free of Beast and OpenSSL. The pattern is the reference
// HQ's (hq/core/src/https_server.cpp) without client certificates, with several
// listen addresses and server-sent events.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"

namespace checkpoint::console {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received, not decoded
  std::string host;    // the Host header
  std::string content_type;
  std::string cookie;         // the Cookie header
  std::string csrf_token;     // the X-CSRF-Token header
  std::string origin;         // the Origin header
  std::string fetch_site;     // the Sec-Fetch-Site header
  std::string if_none_match;  // the If-None-Match header
  std::string body;
  std::string peer;  // the client's address, for the audit log of logins
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Further headers (Set-Cookie, ETag, Location, ...); names and values must be free
  // of CR and LF (the server refuses to send them otherwise).
  std::vector<std::pair<std::string, std::string>> headers;
  // A server-sent event stream instead of a body: the server keeps the connection
  // and writes an event whenever Events::Notify is called, while `alive()` holds.
  bool event_stream = false;
  std::function<bool()> alive;
};

// Called on one of the server's threads, possibly concurrently; must not throw
// (an exception is answered with 500).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Wakes the server-sent event streams. Thread-safe.
class Events {
 public:
  using Listener = std::function<void(std::uint64_t generation)>;
  // Returns a token for Unsubscribe.
  std::uint64_t Subscribe(Listener l);
  void Unsubscribe(std::uint64_t token);
  // Something changed (an inspection or a decision was recorded).
  void Notify();
  std::uint64_t generation() const;

 private:
  mutable std::mutex mu_;
  std::uint64_t generation_ = 0;
  std::uint64_t next_token_ = 1;
  std::vector<std::pair<std::uint64_t, Listener>> listeners_;
};

class HttpsServer {
 public:
  struct Options {
    std::vector<std::string> listen{"127.0.0.1:0"};  // "ADDRESS:PORT"; port 0: any free port
    std::filesystem::path cert_chain_file;
    std::filesystem::path key_file;
    std::size_t max_body_bytes = 64u << 10;
    std::chrono::seconds io_timeout{30};
    std::chrono::seconds event_ping{15};  // a comment line on idle event streams
    int threads = 2;
  };

  // Binds every address, listens and starts the threads; returns once connections
  // are accepted.
  static Expected<std::unique_ptr<HttpsServer>> Start(const Options& options, HttpHandler handler,
                                                      Events& events, log::Logger logger);
  virtual ~HttpsServer() = default;
  // The bound ports, in the order of Options::listen.
  virtual std::vector<std::uint16_t> ports() const = 0;
  // Stops accepting, drops open connections and joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace checkpoint::console
