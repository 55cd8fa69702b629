#pragma once
// The agent's HTTPS client behind an interface (libcurl with OpenSSL underneath;
// no curl type here). HQ's CA is pinned: the server certificate must chain to the
// one CA file given, never to the system's trust store.
//
// Thread-safety: one HttpClient per thread (it keeps one connection alive).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::agent {

struct HttpResult {
  long status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // from a Retry-After in seconds
};

// A GET whose body goes to `sink` as it arrives (a bundle payload), resumable.
struct DownloadRequest {
  // > 0: ask for the bytes from `offset` on (Range: bytes=offset-), with If-Range
  // `if_range` (the ETag the bytes already held belong to), so that a changed
  // payload comes whole (200) instead of being spliced.
  std::int64_t offset = 0;
  std::string if_range;
  // Receives the body of a 200 (from byte 0) or a 206 (from `offset`; the client has
  // checked Content-Range) in order; an error aborts the transfer. The body of any
  // other status goes to DownloadResult::body instead.
  std::function<Status(long status, std::string_view chunk)> sink;
};
struct DownloadResult {
  long status = 0;
  std::string etag;
  std::string body;  // of a status other than 200 and 206 (an error body), bounded
  std::optional<std::chrono::seconds> retry_after;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // POSTs `body` to base URL + path. An HTTP error status is a result, not an
  // Error; Errors are for transport failures (SyncErrc::kNetwork, kTls).
  virtual Expected<HttpResult> Post(std::string_view path, std::string_view content_type,
                                    std::string_view body) = 0;
  // GETs base URL + path (a small answer, bounded like Post's).
  virtual Expected<HttpResult> Get(std::string_view path) = 0;
  // A transfer cut in the middle is an Error (kNetwork) after `sink` has received
  // what arrived: the caller keeps it and resumes from there.
  virtual Expected<DownloadResult> Download(std::string_view path,
                                            const DownloadRequest& request) = 0;
};

struct HttpClientOptions {
  std::string base_url;             // "https://hq.example.org:8443"
  std::filesystem::path ca_file;    // the pinned HQ CA (PEM)
  std::filesystem::path cert_file;  // device certificate (PEM); empty before enrollment
  std::filesystem::path key_file;   // device key (PEM)
  std::chrono::milliseconds connect_timeout{10'000};
  // A whole request; for a Download, the longest stall (under 1 byte/s) instead.
  std::chrono::milliseconds timeout{120'000};
  // "http://proxy:3128" (HTTPS through CONNECT); empty: a direct connection. The
  // environment's https_proxy is ignored: what the box does is in its configuration.
  std::string proxy;
  std::int64_t max_send_bytes_per_s = 0;  // 0: no bandwidth cap
  std::size_t max_response_bytes = 4u << 20;
  // Seconds since the epoch to validate HQ's certificate against (TrustedTime), for
  // each new connection; unset: the system clock.
  std::function<std::int64_t()> verify_time_s;
};

Expected<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const HttpClientOptions& options);

}  // namespace checkpoint::agent
