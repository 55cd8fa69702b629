#include "checkpoint/agent/enrollment.hpp"

#include "checkpoint/agent/errors.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::agent {

namespace {

// HQ's answer to an enrollment or a renewal: the certificate must carry our key and
// our id and come from the pinned CA; then it replaces device.pem atomically.
Status Install(const std::string& answer_body, const protocol::DeviceKey& key,
               const std::string& device_id, const std::string& pinned,
               const std::filesystem::path& cert_file) {
  auto answer = protocol::ParseEnrollResponse(answer_body);
  if (!answer) return MakeError(SyncErrc::kProtocol, answer.error().message());
  auto pub = protocol::PublicKeyOfCertificate(answer->certificate_pem);
  if (!pub || *pub != key.Public()) {
    return MakeError(SyncErrc::kProtocol, "HQ's certificate is not for this device's key");
  }
  auto cn = protocol::CertificateCommonName(answer->certificate_pem);
  if (!cn || *cn != device_id) {
    return MakeError(SyncErrc::kProtocol, "HQ's certificate names another device");
  }
  // TLS already checked HQ against the pinned CA; the device certificate must come
  // from that CA too, or HQ's client verification would refuse it later.
  if (!protocol::CertificateIssuedBy(answer->certificate_pem, pinned)) {
    return MakeError(SyncErrc::kTls, "HQ's certificate for this device is not from the pinned CA");
  }
  return common::WriteFileAtomic(cert_file, answer->certificate_pem, 0644);
}

Error Refused(const char* what, const HttpResult& res) {
  auto body = protocol::ParseErrorBody(res.body);
  std::string why = body ? body->code + ": " + body->message : "no error body";
  return MakeError(SyncErrc::kHttp, std::string(what) + " refused by HQ (HTTP " +
                                        std::to_string(res.status) + ", " + why + ")");
}

}  // namespace

Status Enroll(HttpClient& http, const std::filesystem::path& data_dir, const std::string& device_id,
              const std::string& token, const log::Logger& log) {
  if (!protocol::IsIdentifier(device_id)) {
    return MakeError(CommonErrc::kInvalidArgument, "the device id is not an identifier");
  }
  if (auto s = common::EnsurePrivateDirectory(data_dir); !s) return s;
  const AgentFiles files(data_dir);
  auto pinned = common::ReadFile(files.hq_ca, 65536);
  if (!pinned) return std::move(pinned).error().WithContext("the pinned HQ CA is missing");
  auto key = protocol::DeviceKey::LoadOrCreate(files.key);
  if (!key) return std::move(key).error();
  auto csr = key->MakeCsrPem(device_id);
  if (!csr) return std::move(csr).error();

  auto res = http.Post("/v1/enroll", "application/json",
                       protocol::ToJson(protocol::EnrollRequest{device_id, token, *csr}));
  if (!res) return std::move(res).error().WithContext("enrollment");
  if (res->status != 200) return Refused("enrollment", *res);
  if (auto s = Install(res->body, *key, device_id, *pinned, files.cert); !s) return s;
  log.Info("enrolled", {{"device", device_id}});
  return {};
}

Expected<std::string> EnrolledDeviceId(const std::filesystem::path& data_dir) {
  const AgentFiles files(data_dir);
  auto pem = common::ReadFile(files.cert, 65536);
  if (!pem) {
    return MakeError(SyncErrc::kNotEnrolled,
                     "no device certificate (" + files.cert.string() + "): enroll first");
  }
  return protocol::CertificateCommonName(*pem);
}

Expected<bool> RenewIfDue(HttpClient& http, const std::filesystem::path& data_dir,
                          std::chrono::seconds renew_before, std::int64_t now_s,
                          const log::Logger& log) {
  const AgentFiles files(data_dir);
  auto pem = common::ReadFile(files.cert, 65536);
  if (!pem) return MakeError(SyncErrc::kNotEnrolled, "no device certificate: enroll first");
  auto not_after = protocol::CertificateNotAfter(*pem);
  if (!not_after) return MakeError(SyncErrc::kProtocol, not_after.error().message());
  if (*not_after - now_s > renew_before.count()) return false;
  auto device_id = protocol::CertificateCommonName(*pem);
  if (!device_id) return MakeError(SyncErrc::kProtocol, device_id.error().message());
  auto pinned = common::ReadFile(files.hq_ca, 65536);
  if (!pinned) return std::move(pinned).error().WithContext("the pinned HQ CA is missing");
  auto key = protocol::DeviceKey::Load(files.key);
  if (!key) return std::move(key).error();
  auto csr = key->MakeCsrPem(*device_id);
  if (!csr) return std::move(csr).error();
  log.Notice("device certificate ends soon; renewing",
             {{"not_after_s", *not_after}, {"days_left", (*not_after - now_s) / 86'400}});
  auto res =
      http.Post("/v1/renew", "application/json", protocol::ToJson(protocol::RenewRequest{*csr}));
  if (!res) return std::move(res).error().WithContext("renewal");
  if (res->status != 200) return Refused("renewal", *res);
  // (An error as an Error: a Status would convert to the bool `false`.)
  if (auto s = Install(res->body, *key, *device_id, *pinned, files.cert); !s) {
    return std::move(s).error();
  }
  auto renewed = common::ReadFile(files.cert, 65536);
  auto until = renewed ? protocol::CertificateNotAfter(*renewed) : Expected<std::int64_t>(0);
  log.Info("device certificate renewed", {{"not_after_s", until ? *until : 0}});
  return true;
}

}  // namespace checkpoint::agent
