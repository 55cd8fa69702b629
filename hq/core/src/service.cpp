#include "checkpoint/hq/service.hpp"

#include <openssl/rand.h>

#include <chrono>
#include <map>
#include <optional>

#include "checkpoint/common/parallel.hpp"
#include "checkpoint/common/sha256.hpp"
#include "checkpoint/common/text.hpp"
#include "checkpoint/hq/bundles.hpp"
#include "checkpoint/hq/query.hpp"
#include "checkpoint/protocol/bundle.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "checkpoint/protocol/messages.hpp"

namespace checkpoint::hq {

namespace {
using protocol::ProtocolErrc;

HttpResponse ErrorResponse(int status, std::string code, std::string message) {
  HttpResponse r;
  r.status = status;
  r.body = protocol::ToJson(protocol::ErrorBody{std::move(code), std::move(message)});
  return r;
}
HttpResponse Json(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}
HttpResponse Internal() {
  return ErrorResponse(500, "internal", "HQ could not complete the request; retry later");
}
// A database failure: 503 with Retry-After when it is passing (the database server
// restarts or is unreachable, a lock or serialization conflict outlasted the
// retries), so agents come back soon; 500 otherwise. Nothing of the request was
// kept in either case.
HttpResponse Internal(const Error& e) {
  if (!Retryable(e)) return Internal();
  HttpResponse r =
      ErrorResponse(503, "unavailable", "HQ's database is unavailable for a moment; retry later");
  r.retry_after_s = 2;
  return r;
}
HttpResponse AuthFailure(const Error& e) {
  if (e.Is(CommonErrc::kPermission)) return ErrorResponse(403, "forbidden", e.message());
  return Internal(e);
}
}  // namespace

HqService::HqService(HqDatabase db, CertificateAuthority ca, const common::Clock& clock,
                     log::Logger logger, Options options)
    : db_(std::move(db)),
      ca_(std::move(ca)),
      clock_(clock),
      log_(std::move(logger)),
      options_(options) {}

void HqService::InjectFaults(std::vector<Fault> faults) {
  std::lock_guard lock(mu_);
  faults_.insert(faults_.end(), faults.begin(), faults.end());
}

namespace {
Expected<std::string> RandomToken() {
  std::uint8_t raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) return MakeError(CommonErrc::kInternal, "no randomness");
  return common::ToHex(raw);
}
}  // namespace

Expected<std::string> HqService::CreateToken(std::string_view device_id, std::int64_t ttl_ms,
                                             std::string_view site) {
  if (!protocol::IsIdentifier(device_id)) {
    return MakeError(CommonErrc::kInvalidArgument, "the device id is not an identifier");
  }
  if (!site.empty() && !protocol::IsIdentifier(site)) {
    return MakeError(CommonErrc::kInvalidArgument, "the site is not an identifier");
  }
  auto token = RandomToken();
  if (!token) return token;
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.WallMs();
  if (auto s = db_.AddToken(*token, device_id, now, now + ttl_ms, site); !s) {
    return std::move(s).error();
  }
  log_.Info("enrollment token created", {{"device", device_id}, {"site", site}});
  return token;
}

Expected<std::string> HqService::CreateApiToken(std::string_view name, std::int64_t ttl_ms) {
  if (!protocol::IsIdentifier(name)) {
    return MakeError(CommonErrc::kInvalidArgument, "the token name is not an identifier");
  }
  auto token = RandomToken();
  if (!token) return token;
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.WallMs();
  if (auto s = AddApiToken(db_.db(), *token, name, now, now + ttl_ms); !s) {
    return std::move(s).error();
  }
  log_.Info("API token created", {{"name", name}});
  return token;
}

HttpResponse HqService::Handle(const HttpRequest& request) {
  {
    std::lock_guard lock(mu_);
    if (!faults_.empty()) {
      const Fault f = faults_.front();
      faults_.pop_front();
      HttpResponse r = f.status == 429
                           ? ErrorResponse(429, "too_many_requests", "slow down")
                           : ErrorResponse(f.status, "injected_fault", "injected for a test");
      if (f.retry_after_s >= 0) r.retry_after_s = f.retry_after_s;
      log_.Notice("injected fault", {{"status", f.status}, {"path", request.target}});
      return r;
    }
  }
  const bool post = request.method == "POST";
  if (request.target == "/v1/enroll") {
    return post ? Enroll(request) : ErrorResponse(405, "method_not_allowed", "use POST");
  }
  if (request.target == "/v1/records") {
    return post ? Upload(request) : ErrorResponse(405, "method_not_allowed", "use POST");
  }
  if (request.target == "/v1/renew") {
    return post ? Renew(request) : ErrorResponse(405, "method_not_allowed", "use POST");
  }
  if (request.target == "/v1/heartbeat") {
    return post ? Heartbeat(request) : ErrorResponse(405, "method_not_allowed", "use POST");
  }
  const bool get = request.method == "GET";
  if (request.target == "/v1/bundles") {
    return get ? ListBundles(request) : ErrorResponse(405, "method_not_allowed", "use GET");
  }
  if (request.target.rfind("/v1/bundles/", 0) == 0) {
    return get ? GetBundle(request) : ErrorResponse(405, "method_not_allowed", "use GET");
  }
  if (request.target.rfind("/v1/chain/", 0) == 0) {
    return get ? GetChainAnchor(request) : ErrorResponse(405, "method_not_allowed", "use GET");
  }
  const std::string_view target = request.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with("/v1/query/")) {
    if (!get) return ErrorResponse(405, "method_not_allowed", "use GET");
    const std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
    return Query(request, path, query);
  }
  return ErrorResponse(404, "not_found", "no such endpoint");
}

HttpResponse HqService::Enroll(const HttpRequest& request) {
  auto req = protocol::ParseEnrollRequest(request.body);
  if (!req) return ErrorResponse(400, "malformed", req.error().message());
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.WallMs();
  auto tx = SqlTransaction::Begin(db_.db());
  if (!tx) return Internal(tx.error());
  auto ok = db_.ConsumeToken(req->token, req->device_id, now);
  if (!ok) {
    log_.Error("enrollment failed", {{"device", req->device_id}, {"error", ok.error().String()}});
    return Internal(ok.error());
  }
  if (!*ok) {
    log_.Warning("enrollment refused: bad token", {{"device", req->device_id}});
    return ErrorResponse(401, "bad_token",
                         "the token is unknown, used, expired or not this device's");
  }
  auto cert = ca_.IssueDeviceCertificate(req->csr_pem, req->device_id, now / 1000,
                                         options_.device_cert_days);
  if (!cert) {
    log_.Warning("enrollment refused: bad CSR", {{"device", req->device_id}});
    return ErrorResponse(400, "bad_csr", cert.error().message());
  }
  auto pub = protocol::PublicKeyOfCertificate(*cert);
  if (!pub) return Internal();
  if (auto s = db_.PutDevice(req->device_id, *pub, *cert, now); !s) return Internal(s.error());
  if (auto s = tx->Commit(); !s) return Internal(s.error());
  log_.Info("device enrolled", {{"device", req->device_id}});
  return Json(protocol::ToJson(protocol::EnrollResponse{*cert, ca_.ca_pem(), now}));
}

// A new certificate for an enrolled device, for the key HQ already holds: no token,
// the current (unexpired, unrevoked) certificate is the proof. Renewal never
// changes the device's key; a new key needs a new enrollment.
HttpResponse HqService::Renew(const HttpRequest& request) {
  auto req = protocol::ParseRenewRequest(request.body);
  if (!req) return ErrorResponse(400, "malformed", req.error().message());
  std::lock_guard lock(mu_);
  auto device = Authenticate(request);
  if (!device) {
    if (!request.client_id) {
      return ErrorResponse(401, "unauthenticated", "a device certificate is required");
    }
    return AuthFailure(device.error());
  }
  const std::int64_t now = clock_.WallMs();
  auto cert = ca_.IssueDeviceCertificate(req->csr_pem, device->device_id, now / 1000,
                                         options_.device_cert_days);
  if (!cert) {
    log_.Warning("renewal refused: bad CSR", {{"device", device->device_id}});
    return ErrorResponse(400, "bad_csr", cert.error().message());
  }
  auto pub = protocol::PublicKeyOfCertificate(*cert);
  if (!pub) return Internal();
  if (*pub != device->public_key) {
    log_.Warning("renewal refused: another key", {{"device", device->device_id}});
    return ErrorResponse(400, "key_mismatch",
                         "the CSR's key is not the device's enrolled key; enroll again");
  }
  if (auto s = db_.SetCertificate(device->device_id, *cert); !s) return Internal(s.error());
  log_.Info("device certificate renewed", {{"device", device->device_id}});
  return Json(protocol::ToJson(protocol::EnrollResponse{*cert, ca_.ca_pem(), now}));
}

Expected<DeviceInfo> HqService::Authenticate(const HttpRequest& request) {
  if (!request.client_id) {
    return MakeError(CommonErrc::kPermission, "a device certificate is required");
  }
  // Again on a connection found lost (a database restart): the first request after
  // it reconnects instead of failing.
  auto d = RetryTransaction([&] { return db_.FindDevice(*request.client_id); });
  if (!d) {
    log_.Error("device lookup failed",
               {{"device", *request.client_id}, {"error", d.error().String()}});
    return std::move(d).error();
  }
  if (!*d) return MakeError(CommonErrc::kPermission, "unknown device");
  if ((*d)->revoked) return MakeError(CommonErrc::kPermission, "device revoked");
  return std::move(**d);
}

HttpResponse HqService::Upload(const HttpRequest& request) {
  if (!request.client_id) {
    return ErrorResponse(401, "unauthenticated", "a device certificate is required");
  }
  const auto codec = protocol::BatchCodecOf(request.content_type);
  if (!codec) {
    return ErrorResponse(415, "unsupported_media_type",
                         "expected " + std::string(protocol::kBatchContentTypeZstd) + " or " +
                             std::string(protocol::kBatchContentTypeZlib));
  }
  // Decoding and signature checks need no lock; only the database does.
  const auto t0 = std::chrono::steady_clock::now();
  auto batch =
      protocol::DecodeBatch(request.body, *codec, options_.limits, options_.verify_threads);
  if (!batch) {
    log_.Warning("batch refused",
                 {{"device", *request.client_id}, {"error", batch.error().String()}});
    const bool big = batch.error().Is(ProtocolErrc::kTooLarge);
    return ErrorResponse(big ? 413 : 400, big ? "too_large" : "malformed", batch.error().message());
  }
  if (batch->device_id != *request.client_id) {
    return ErrorResponse(403, "device_mismatch", "the batch names another device");
  }
  Expected<DeviceInfo> device = [&] {
    std::lock_guard lock(mu_);
    return Authenticate(request);
  }();
  if (!device) return AuthFailure(device.error());
  // Signatures and hashes are checked outside the lock, by several threads for one
  // batch (Ed25519 verification is most of HQ's work); only the database work is
  // serialised.
  const auto t1 = std::chrono::steady_clock::now();
  std::vector<IngestItem> items(batch->records.size());
  CheckAll(*device, batch->records, items);
  const auto t2 = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.WallMs();
  auto ack = db_.Ingest(device->device_id, items, now);
  if (!ack) {
    log_.Error("batch not stored",
               {{"device", device->device_id}, {"error", ack.error().String()}});
    return Internal(ack.error());
  }
  const auto t3 = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  log_.Info("batch stored", {{"device", device->device_id},
                             {"records", batch->records.size()},
                             {"acked", ack->acked.size()},
                             {"duplicates", ack->duplicates},
                             {"rejected", ack->rejected.size()},
                             {"contiguous", ack->contiguous},
                             {"decode_ms", ms(t1 - t0)},
                             {"check_ms", ms(t2 - t1)},
                             {"store_ms", ms(t3 - t2)}});
  for (const auto& r : ack->rejected) {
    log_.Warning("record rejected",
                 {{"device", device->device_id}, {"seq", r.seq}, {"reason", r.reason}});
  }
  return Json(protocol::ToJson(*ack));
}

void HqService::CheckAll(const DeviceInfo& device, std::span<const protocol::Record> records,
                         std::span<IngestItem> items) const {
  common::ParallelFor(records.size(), 64, options_.verify_threads,
                      [&](std::size_t i) { items[i] = CheckRecord(device, records[i]); });
}

HttpResponse HqService::Heartbeat(const HttpRequest& request) {
  if (!request.client_id) {
    return ErrorResponse(401, "unauthenticated", "a device certificate is required");
  }
  auto hb = protocol::ParseHeartbeatRequest(request.body);
  if (!hb) return ErrorResponse(400, "malformed", hb.error().message());
  std::lock_guard lock(mu_);
  auto device = Authenticate(request);
  if (!device) return AuthFailure(device.error());
  const std::int64_t now = clock_.WallMs();
  protocol::HeartbeatResponse out;
  out.hq_time_ms = now;
  out.offset_ms = now - hb->device_time_ms;
  auto contiguous = db_.Contiguous(device->device_id);
  if (!contiguous) return Internal(contiguous.error());
  out.contiguous = *contiguous;
  if (auto s = db_.TouchDevice(device->device_id, now, out.offset_ms); !s) {
    return Internal(s.error());
  }
  return Json(protocol::ToJson(out));
}

HttpResponse HqService::GetChainAnchor(const HttpRequest& request) {
  if (!request.client_id) {
    return ErrorResponse(401, "unauthenticated", "a device certificate is required");
  }
  const auto parsed =
      common::ParseDecimal(std::string_view(request.target).substr(10), 1, protocol::kMaxSeq);
  if (!parsed) {
    return ErrorResponse(400, "malformed",
                         "expected /v1/chain/{seq}, seq 1.." + std::to_string(protocol::kMaxSeq));
  }
  const std::int64_t seq = *parsed;
  std::lock_guard lock(mu_);
  auto device = Authenticate(request);
  if (!device) return AuthFailure(device.error());
  auto record = db_.FindRecord(device->device_id, seq);
  if (!record) return Internal(record.error());
  if (!*record) return ErrorResponse(404, "not_held", "HQ holds no record " + std::to_string(seq));
  log_.Notice("chain anchor served", {{"device", device->device_id}, {"seq", seq}});
  return Json(protocol::ToJson(protocol::ChainAnchor{seq, protocol::RecordHash(**record)}));
}

HttpResponse HqService::ListBundles(const HttpRequest& request) {
  if (!request.client_id) {
    return ErrorResponse(401, "unauthenticated", "a device certificate is required");
  }
  std::lock_guard lock(mu_);
  auto device = Authenticate(request);
  if (!device) return AuthFailure(device.error());
  auto manifests = OfferedManifests(db_.db());
  if (!manifests) {
    log_.Error("bundle list failed", {{"error", manifests.error().String()}});
    return Internal(manifests.error());
  }
  // The manifests are served exactly as stored (signed JSON objects).
  std::string body = "{\"bundles\":[";
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    if (i) body += ',';
    body += (*manifests)[i];
  }
  body += "],\"hq_time_ms\":" + std::to_string(clock_.WallMs()) + "}";
  return Json(std::move(body));
}

HttpResponse HqService::GetBundle(const HttpRequest& request) {
  if (!request.client_id) {
    return ErrorResponse(401, "unauthenticated", "a device certificate is required");
  }
  // /v1/bundles/{kind}/{version}
  const std::string_view rest = std::string_view(request.target).substr(12);
  const auto slash = rest.find('/');
  const std::string kind(rest.substr(0, slash));
  const std::string_view digits =
      slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  // At most 16 digits, as published versions are.
  const auto parsed =
      digits.size() <= 16 ? common::ParseDecimal(digits, 0, 9'999'999'999'999'999) : std::nullopt;
  if (!protocol::IsBundleKind(kind) || !parsed) {
    return ErrorResponse(404, "not_found", "no such bundle");
  }
  const std::int64_t version = *parsed;

  std::lock_guard lock(mu_);
  auto device = Authenticate(request);
  if (!device) return AuthFailure(device.error());
  auto found = FindBundle(db_.db(), kind, version);
  if (!found) return Internal(found.error());
  if (!*found) return ErrorResponse(404, "not_found", "no such bundle");
  const std::int64_t size = (*found)->size;
  const std::string etag = "\"" + (*found)->sha256_hex + "\"";

  // A Range is honoured only when If-Range (if sent) still names this payload.
  const std::optional<ByteRange> range =
      !request.range.empty() && (request.if_range.empty() || request.if_range == etag)
          ? ParseByteRange(request.range)
          : std::nullopt;
  bool ranged = range.has_value();
  std::int64_t first = range ? range->first : 0;
  std::optional<std::int64_t> last = range ? range->last : std::nullopt;
  if (ranged && first >= size) {
    HttpResponse r = ErrorResponse(416, "range_not_satisfiable", "the range starts past the end");
    r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return r;
  }
  if (!ranged) {
    first = 0;
    last.reset();
  }
  const std::int64_t end = std::min(last.value_or(size - 1), size - 1);  // inclusive
  auto bytes = ReadBundlePayload(db_.db(), kind, version, first, end - first + 1);
  if (!bytes) return Internal(bytes.error());
  HttpResponse r;
  r.status = ranged ? 206 : 200;
  r.content_type = std::string(protocol::kBundleContentType);
  r.body = std::move(*bytes);
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Accept-Ranges", "bytes");
  if (ranged) {
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                std::to_string(end) + "/" + std::to_string(size));
  }
  log_.Info("bundle served", {{"device", device->device_id},
                              {"kind", kind},
                              {"version", version},
                              {"status", r.status},
                              {"offset", first},
                              {"bytes", r.body.size()}});
  return r;
}

}  // namespace checkpoint::hq

namespace checkpoint::hq {

HttpResponse HqService::Query(const HttpRequest& request, std::string_view path,
                              std::string_view query) {
  // Who asks: an API token, never a device certificate alone.
  constexpr std::string_view kBearer = "Bearer ";
  if (!request.authorization.starts_with(kBearer)) {
    return ErrorResponse(401, "unauthenticated",
                         "an API token is required (Authorization: Bearer)");
  }
  const std::string_view token = std::string_view(request.authorization).substr(kBearer.size());
  std::optional<std::string> caller;
  {
    std::lock_guard lock(mu_);
    auto who =
        token.size() > 256
            ? Expected<std::optional<std::string>>(std::nullopt)
            : RetryTransaction([&] { return CheckApiToken(db_.db(), token, clock_.WallMs()); });
    if (!who) {
      log_.Error("API token check failed", {{"error", who.error().String()}});
      return Internal(who.error());
    }
    caller = *who;
  }
  if (!caller) {
    log_.Warning("query refused: unknown, expired or revoked API token", {{"path", path}});
    return ErrorResponse(401, "unauthenticated", "the API token is unknown, expired or revoked");
  }
  auto params = ParseQueryString(query);
  if (!params) return ErrorResponse(400, "malformed", params.error().message());
  const bool records = path == "/v1/query/records";
  const bool csv = path == "/v1/query/records.csv";
  const bool summary = path == "/v1/query/summary";
  const bool flags = path == "/v1/query/flags";
  if (!records && !csv && !summary && !flags) {
    return ErrorResponse(404, "not_found", "no such endpoint");
  }

  // Every parameter is checked; an unknown one is an error, not ignored.
  RecordFilter filter;
  std::optional<RecordCursor> after;
  std::size_t limit = csv ? 10'000 : 100;
  std::int64_t after_flag = 0;
  const std::size_t max_limit = csv ? 100'000 : 1'000;
  for (const auto& param : *params) {
    // Names, not a structured binding: lambdas below use them (clang 14).
    const std::string& key = param.first;
    const std::string& value = param.second;
    auto bad = [&](std::string why) {
      return ErrorResponse(400, "malformed", "parameter " + key + ": " + why);
    };
    auto number = [&](std::int64_t lo, std::int64_t hi) {
      return common::ParseDecimal(value, lo, hi);
    };
    constexpr std::int64_t kMaxTime = (std::int64_t{1} << 53) - 1;
    if ((key == "from" || key == "to") && !flags) {
      auto v = number(0, kMaxTime);
      if (!v) return bad("must be milliseconds since the epoch");
      (key == "from" ? filter.from_ms : filter.to_ms) = *v;
    } else if (summary && key == "site") {
      if (!protocol::IsIdentifier(value)) return bad("must be an identifier");
      filter.site = value;
    } else if (summary) {
      return bad("unknown parameter (summary takes from, to, site)");
    } else if (flags && key == "device") {
      if (!protocol::IsIdentifier(value)) return bad("must be an identifier");
      filter.device = value;
    } else if (flags && key == "after") {
      auto v = number(0, kMaxTime);
      if (!v) return bad("must be a flag id");
      after_flag = *v;
    } else if (flags && key == "limit") {
      auto v = number(1, 1000);
      if (!v) return bad("must be 1 to 1000");
      limit = static_cast<std::size_t>(*v);
    } else if (flags) {
      return bad("unknown parameter (flags takes device, after, limit)");
    } else if (key == "device" || key == "site" || key == "type" || key == "level") {
      if (!protocol::IsIdentifier(value)) return bad("must be an identifier");
      (key == "device" ? filter.device
       : key == "site" ? filter.site
       : key == "type" ? filter.type
                       : filter.level) = value;
    } else if (key == "lane") {
      auto v = number(0, 2);
      if (!v) return bad("must be 0, 1 or 2");
      filter.lane = static_cast<int>(*v);
    } else if (key == "limit") {
      auto v = number(1, static_cast<std::int64_t>(max_limit));
      if (!v) return bad("must be 1 to " + std::to_string(max_limit));
      limit = static_cast<std::size_t>(*v);
    } else if (key == "after") {
      after = RecordCursor::Decode(value);
      if (!after) return bad("not a cursor this API returned");
    } else {
      return bad("unknown parameter");
    }
  }
  if (filter.from_ms && filter.to_ms && *filter.from_ms > *filter.to_ms) {
    return ErrorResponse(400, "malformed", "from is after to");
  }
  log_.Info("query", {{"caller", *caller}, {"path", path}});
  std::lock_guard lock(mu_);
  if (flags) {
    auto body = FlagsJson(db_.db(), filter.device, after_flag, limit);
    if (!body) {
      log_.Error("flag query failed", {{"error", body.error().String()}});
      return Internal(body.error());
    }
    return Json(std::move(*body));
  }
  if (summary) {
    auto s = Summarise(db_.db(), filter.from_ms, filter.to_ms, filter.site);
    if (!s) {
      log_.Error("summary failed", {{"error", s.error().String()}});
      return Internal(s.error());
    }
    return Json(SummaryJson(*s, filter.from_ms, filter.to_ms));
  }
  auto page = QueryRecords(db_.db(), filter, after, limit);
  if (!page) {
    log_.Error("record query failed", {{"error", page.error().String()}});
    return Internal(page.error());
  }
  if (records) return Json(RecordsJson(*page));
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = RecordsCsv(page->rows, true);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"records.csv\"");
  // The next page: the same query with after= this cursor.
  if (page->next) r.headers.emplace_back("X-Next-Cursor", page->next->Encode());
  return r;
}

}  // namespace checkpoint::hq
