#pragma once
// Enrollment: the device key (Ed25519, created 0600 in the data directory on first
// use), a CSR with the device id, the one-time token, and HQ's answer: the device
// certificate, checked against the key and the pinned HQ CA, written next to it.

#include <chrono>
#include <filesystem>
#include <string>

#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"

namespace checkpoint::agent {

// The files of the agent's data directory (0700).
struct AgentFiles {
  explicit AgentFiles(const std::filesystem::path& dir)
      : key(dir / "device.key"),
        cert(dir / "device.pem"),
        hq_ca(dir / "hq-ca.pem"),
        state(dir / "sync.db") {}
  std::filesystem::path key, cert, hq_ca, state;
};

// `http` must be configured with the pinned HQ CA (AgentFiles::hq_ca) and no client
// certificate. The token is a secret: it is sent once and never logged.
Status Enroll(HttpClient& http, const std::filesystem::path& data_dir, const std::string& device_id,
              const std::string& token, const log::Logger& log);

// Renews the device certificate when it ends within `renew_before` of `now_s` (a
// trusted time, never the raw clock of a box that may have booted in 1970), for the
// same key: POST /v1/renew with the current certificate. The new certificate is
// checked as an enrollment's and replaces device.pem atomically; new connections use
// it. Returns whether it renewed.
Expected<bool> RenewIfDue(HttpClient& http, const std::filesystem::path& data_dir,
                          std::chrono::seconds renew_before, std::int64_t now_s,
                          const log::Logger& log);

// The device id of an enrolled agent (the CN of its certificate).
Expected<std::string> EnrolledDeviceId(const std::filesystem::path& data_dir);

}  // namespace checkpoint::agent
