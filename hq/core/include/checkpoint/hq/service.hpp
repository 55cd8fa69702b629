#pragma once
// The HQ endpoints (docs/protocol.md, docs/api/openapi.yaml) as a handler of
// HttpRequest: enrollment, record upload and acknowledgement, heartbeat, and the
// signed bundles of the downlink (list, download with Range). Knows no HTTP library.
//
// Thread-safety: Handle and the other members may be called from any thread; the
// database (one connection) is used under one mutex. Several instances may share one
// PostgreSQL database (ADR 0011); a database that is down for a moment answers 503
// with Retry-After.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hq/ca.hpp"
#include "checkpoint/hq/database.hpp"
#include "checkpoint/hq/http.hpp"
#include "checkpoint/protocol/batch.hpp"

namespace checkpoint::hq {

// A response forced on the next request, for fault tests (and `checkpoint-hq
// serve --fault`): status 429 or 500, with Retry-After when retry_after_s >= 0.
struct Fault {
  int status = 500;
  int retry_after_s = -1;
};

class HqService {
 public:
  struct Options {
    int device_cert_days = 365;
    protocol::BatchLimits limits;
    // Threads that check a batch's signatures and hashes together (the request's
    // own thread included); 0: one per core.
    unsigned verify_threads = 0;
  };

  HqService(HqDatabase db, CertificateAuthority ca, const common::Clock& clock, log::Logger logger,
            Options options);

  HttpResponse Handle(const HttpRequest& request);

  // The next requests (of any endpoint) get these answers, in order.
  void InjectFaults(std::vector<Fault> faults);
  // A one-time enrollment token for `device_id`, valid for `ttl_ms`. The token is
  // returned once and only its SHA-256 is stored.
  Expected<std::string> CreateToken(std::string_view device_id, std::int64_t ttl_ms,
                                    std::string_view site = {});
  // An API token for the query and export endpoints, named `name` (who or what uses
  // it: 1-64 identifier characters), valid for `ttl_ms`. Returned once; only its
  // SHA-256 is stored.
  Expected<std::string> CreateApiToken(std::string_view name, std::int64_t ttl_ms);
  // Runs fn with the database, under the service's lock.
  template <typename Fn>
  auto WithDatabase(Fn&& fn) {
    std::lock_guard lock(mu_);
    return fn(db_);
  }

 private:
  HttpResponse Enroll(const HttpRequest& request);
  HttpResponse Renew(const HttpRequest& request);
  HttpResponse Upload(const HttpRequest& request);
  HttpResponse Heartbeat(const HttpRequest& request);
  // GET /v1/query/... (query_api.cpp): `path` without the query string.
  HttpResponse Query(const HttpRequest& request, std::string_view path, std::string_view query);
  HttpResponse ListBundles(const HttpRequest& request);
  HttpResponse GetBundle(const HttpRequest& request);
  // GET /v1/chain/{seq}: the hash of the device's record seq, for an agent that lost
  // its chain state.
  HttpResponse GetChainAnchor(const HttpRequest& request);
  Expected<DeviceInfo> Authenticate(const HttpRequest& request);
  // CheckRecord of every record into items (same size), on verify_threads threads.
  void CheckAll(const DeviceInfo& device, std::span<const protocol::Record> records,
                std::span<IngestItem> items) const;

  std::mutex mu_;
  HqDatabase db_;
  CertificateAuthority ca_;
  const common::Clock& clock_;
  log::Logger log_;
  Options options_;
  std::deque<Fault> faults_;
};

}  // namespace checkpoint::hq
