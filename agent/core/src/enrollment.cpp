#include "checkpoint/agent/enrollment.hpp"

#include "checkpoint/agent/errors.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::agent {

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
  if (res->status != 200) {
    auto body = protocol::ParseErrorBody(res->body);
    std::string why = body ? body->code + ": " + body->message : "no error body";
    return MakeError(SyncErrc::kHttp, "enrollment refused by HQ (HTTP " +
                                          std::to_string(res->status) + ", " + why + ")");
  }
  auto answer = protocol::ParseEnrollResponse(res->body);
  if (!answer) return MakeError(SyncErrc::kProtocol, answer.error().message());
  // The certificate must carry our key and our id, and HQ's CA must be the pinned one.
  auto pub = protocol::PublicKeyOfCertificate(answer->certificate_pem);
  if (!pub || *pub != key->Public()) {
    return MakeError(SyncErrc::kProtocol, "HQ's certificate is not for this device's key");
  }
  auto cn = protocol::CertificateCommonName(answer->certificate_pem);
  if (!cn || *cn != device_id) {
    return MakeError(SyncErrc::kProtocol, "HQ's certificate names another device");
  }
  // TLS already checked HQ against the pinned CA; the device certificate must come
  // from that CA too, or HQ's client verification would refuse it later.
  if (!protocol::CertificateIssuedBy(answer->certificate_pem, *pinned)) {
    return MakeError(SyncErrc::kTls, "HQ's certificate for this device is not from the pinned CA");
  }
  if (auto s = common::WriteFileAtomic(files.cert, answer->certificate_pem, 0644); !s) return s;
  log.Info("enrolled", {{"device", device_id}, {"hq_time_ms", answer->hq_time_ms}});
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

}  // namespace checkpoint::agent
