#pragma once
// What a technician needs to know of the device certificate: subject, end of validity
// and fingerprint (SHA-256 of the DER). Never the key.

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::tools {

struct CertificateInfo {
  std::string subject;  // "CN=CP-0001"
  std::string issuer;   // "CN=Checkpoint HQ CA"
  std::int64_t not_after_s = 0;
  std::string not_after;  // "2027-11-29T20:00:00Z"
  std::string sha256;     // hex of the DER
};

Expected<CertificateInfo> ReadCertificateInfo(std::string_view pem);

// "YYYY-MM-DDTHH:MM:SSZ" of seconds since the epoch.
std::string UtcText(std::int64_t seconds);

}  // namespace checkpoint::tools
