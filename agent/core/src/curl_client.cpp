#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "checkpoint/agent/errors.hpp"
#include "checkpoint/agent/http_client.hpp"

namespace checkpoint::agent {

namespace {
struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Received {
  CURL* curl = nullptr;
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
  std::optional<std::chrono::seconds> retry_after;
  std::string etag, content_range;
  // Downloads only: where 200/206 bodies go, and the offset a 206 must start at.
  const DownloadRequest* download = nullptr;
  Error sink_error;
  bool sink_failed = false;
};

bool HeaderIs(std::string_view line, std::string_view lower_name) {
  if (line.size() <= lower_name.size()) return false;
  for (std::size_t i = 0; i < lower_name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != lower_name[i]) return false;
  }
  return true;
}
std::string HeaderValue(std::string_view line, std::size_t name_size) {
  std::string_view v = line.substr(name_size);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
    v.remove_suffix(1);
  }
  return std::string(v);
}

std::size_t OnBody(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::size_t len = size * n;
  if (r->download) {
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || status == 206) {
      if (status == 206) {
        // The bytes must be the ones asked for, or they would be spliced wrongly.
        const std::string want = "bytes " + std::to_string(r->download->offset) + "-";
        if (r->content_range.rfind(want, 0) != 0) {
          r->sink_failed = true;
          r->sink_error = MakeError(SyncErrc::kProtocol,
                                    "a 206 answer for another range (" + r->content_range + ")");
          return 0;
        }
      }
      if (auto s = r->download->sink(status, std::string_view(data, len)); !s) {
        r->sink_failed = true;
        r->sink_error = std::move(s).error();
        return 0;
      }
      return len;
    }
  }
  if (r->body.size() + len > r->limit) {
    r->overflow = true;
    return 0;  // aborts the transfer
  }
  r->body.append(data, len);
  return len;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t n, void* user) {
  auto* r = static_cast<Received*>(user);
  const std::size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a 100 Continue): reset
    r->etag.clear();
    r->content_range.clear();
    r->retry_after.reset();
  } else if (HeaderIs(line, "etag:")) {
    r->etag = HeaderValue(line, 5);
  } else if (HeaderIs(line, "content-range:")) {
    r->content_range = HeaderValue(line, 14);
  } else if (HeaderIs(line, "retry-after:")) {
    // Only the delay-seconds form; an HTTP date is ignored (the backoff applies).
    const std::string v = HeaderValue(line, 12);
    char* end = nullptr;
    const long s = std::strtol(v.c_str(), &end, 10);
    if (!v.empty() && end && *end == '\0' && s >= 0 &&
        v.find_first_not_of("0123456789") == std::string::npos) {
      r->retry_after = std::chrono::seconds(s);
    }
  }
  return len;
}

// Called by libcurl for each new TLS context: validate certificates at our time.
CURLcode SetVerifyTime(CURL*, void* ssl_ctx, void* user) {
  const auto t = *static_cast<const std::int64_t*>(user);
  X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(static_cast<SSL_CTX*>(ssl_ctx)),
                             static_cast<time_t>(t));
  return CURLE_OK;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions o) : o_(std::move(o)), curl_(curl_easy_init()) {}
  bool ok() const { return curl_ != nullptr; }

  Expected<HttpResult> Post(std::string_view path, std::string_view content_type,
                            std::string_view body) override {
    Received got;
    const std::string ctype = "Content-Type: " + std::string(content_type);
    auto rc = Perform("POST", path, {ctype}, &body, got);
    if (!rc) return std::move(rc).error();
    return HttpResult{*rc, std::move(got.body), got.retry_after};
  }

  Expected<HttpResult> Get(std::string_view path) override {
    Received got;
    auto rc = Perform("GET", path, {}, nullptr, got);
    if (!rc) return std::move(rc).error();
    return HttpResult{*rc, std::move(got.body), got.retry_after};
  }

  Expected<DownloadResult> Download(std::string_view path,
                                    const DownloadRequest& request) override {
    Received got;
    got.download = &request;
    std::vector<std::string> headers = {"Accept: application/octet-stream"};
    if (request.offset > 0) {
      headers.push_back("Range: bytes=" + std::to_string(request.offset) + "-");
      if (!request.if_range.empty()) headers.push_back("If-Range: " + request.if_range);
    }
    auto rc = Perform("GET", path, headers, nullptr, got);
    if (!rc) return std::move(rc).error();
    return DownloadResult{*rc, std::move(got.etag), std::move(got.body), got.retry_after};
  }

 private:
  // One request; returns the status. Transfer failures are Errors.
  Expected<long> Perform(std::string_view method, std::string_view path,
                         const std::vector<std::string>& extra_headers,
                         const std::string_view* body, Received& got) {
    CURL* c = curl_.get();
    curl_easy_reset(c);
    const std::string url = o_.base_url + std::string(path);
    std::unique_ptr<curl_slist, SlistFree> headers;
    for (const auto& h : extra_headers) {
      headers.reset(curl_slist_append(headers.release(), h.c_str()));
    }
    headers.reset(curl_slist_append(headers.release(), "Expect:"));
    if (!got.download) {
      headers.reset(curl_slist_append(headers.release(), "Accept: application/json"));
    }
    got.curl = c;
    got.limit = o_.max_response_bytes;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &got);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o_.connect_timeout.count()));
    if (got.download) {
      // A payload may take long on a slow link: no limit on the whole transfer, but
      // one stalled (under 1 byte/s) for `timeout` is cut; the caller resumes it.
      curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                       std::max(1L, static_cast<long>(o_.timeout.count() / 1000)));
    } else {
      curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout.count()));
    }
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    // The pin: only HQ's CA, never the system store.
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CAINFO, o_.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (o_.verify_time_s) {
      verify_time_s_ = o_.verify_time_s();
      curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, SetVerifyTime);
      curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, &verify_time_s_);
    }
    if (!o_.cert_file.empty()) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, o_.cert_file.c_str());
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSLKEY, o_.key_file.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
    }
    curl_easy_setopt(c, CURLOPT_PROXY, o_.proxy.c_str());  // "" disables any proxy
    if (o_.max_send_bytes_per_s > 0) {
      curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
                       static_cast<curl_off_t>(o_.max_send_bytes_per_s));
    }
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      std::string m = std::string(method) + " " + std::string(path) + ": " + curl_easy_strerror(rc);
      switch (rc) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
          return MakeError(SyncErrc::kTls, std::move(m));
        case CURLE_WRITE_ERROR:
          if (got.sink_failed) return std::move(got.sink_error);
          if (got.overflow) return MakeError(SyncErrc::kProtocol, m + " (answer too large)");
          return MakeError(SyncErrc::kNetwork, std::move(m));
        default:
          return MakeError(SyncErrc::kNetwork, std::move(m));
      }
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  HttpClientOptions o_;
  std::unique_ptr<CURL, CurlFree> curl_;
  std::int64_t verify_time_s_ = 0;  // read by SetVerifyTime during Post
};
}  // namespace

Expected<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const HttpClientOptions& options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return MakeError(SyncErrc::kNetwork, "libcurl cannot initialise");
  if (options.base_url.rfind("https://", 0) != 0) {
    return MakeError(SyncErrc::kTls, "the HQ URL must be https://");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return MakeError(SyncErrc::kNotEnrolled, "a client certificate needs its key, and the reverse");
  }
  auto client = std::make_unique<CurlHttpClient>(options);
  if (!client->ok()) return MakeError(SyncErrc::kNetwork, "libcurl cannot create a handle");
  return std::unique_ptr<HttpClient>(std::move(client));
}

}  // namespace checkpoint::agent
