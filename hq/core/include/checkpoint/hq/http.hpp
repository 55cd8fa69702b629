#pragma once
// The HTTPS server of checkpoint-hq, with mutual TLS: Boost.Beast lives only in
// https_server.cpp (it compiles slowly); this header is free of Beast and OpenSSL.
//
// Every connection must complete a TLS handshake with HQ's server certificate. A
// client certificate is asked for but optional (enrollment comes before the device
// has one); when one is presented it must chain to HQ's CA, and its subject CN
// reaches the handler as HttpRequest::client_id. Handlers decide which endpoints
// need it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"

namespace checkpoint::hq {

struct HttpRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query as received
  std::string content_type;
  std::string authorization;  // the Authorization header ("" when absent)
  std::string body;
  std::optional<std::string> client_id;  // CN of a verified client certificate
  std::string range;                     // the Range header, if any ("bytes=100-")
  std::string if_range;                  // the If-Range header, if any (an ETag)
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::optional<int> retry_after_s;  // sets Retry-After
  // Further headers (ETag, Content-Range, Content-Disposition, ...); names and values
  // must be free of CR and LF (the server refuses to send them otherwise).
  std::vector<std::pair<std::string, std::string>> headers;
};

// One byte range of a Range header: FIRST-LAST (inclusive) or FIRST- (to the end).
struct ByteRange {
  std::int64_t first = 0;
  std::optional<std::int64_t> last;
};
// "bytes=FIRST-" or "bytes=FIRST-LAST", each number 1 to 15 decimal digits and LAST
// not below FIRST; anything else (several ranges, a suffix range "-N", spaces, signs)
// is nullopt, and the whole payload is served, as RFC 9110 allows.
std::optional<ByteRange> ParseByteRange(std::string_view header);

// Called on one of the server's threads, possibly concurrently; must not throw
// (an exception is answered with 500).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpsServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port (see port())
    std::filesystem::path cert_chain_file;
    std::filesystem::path key_file;
    std::filesystem::path client_ca_file;
    std::size_t max_body_bytes = 16u << 20;
    std::chrono::seconds io_timeout{30};
    int threads = 2;
  };

  // Binds, listens and starts the threads; returns once connections are accepted.
  static Expected<std::unique_ptr<HttpsServer>> Start(const Options& options, HttpHandler handler,
                                                      log::Logger logger);
  virtual ~HttpsServer() = default;
  virtual std::uint16_t port() const = 0;
  // Stops accepting, drops open connections and joins the threads. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace checkpoint::hq
