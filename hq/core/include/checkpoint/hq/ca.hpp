#pragma once
// The HQ certificate authority: issues device certificates on enrollment and the
// HQ server's own TLS certificate. Keys are ECDSA P-256 (the CA and the server) and
// the device keys Ed25519, all through OpenSSL; no OpenSSL type appears here.
//
// Files in the HQ data directory (0700): ca.key and server.key (0600), ca.pem and
// server.pem.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::hq {

struct CaFiles {
  explicit CaFiles(const std::filesystem::path& dir)
      : ca_key(dir / "ca.key"),
        ca_cert(dir / "ca.pem"),
        server_key(dir / "server.key"),
        server_cert(dir / "server.pem") {}
  std::filesystem::path ca_key, ca_cert, server_key, server_cert;
};

class CertificateAuthority {
 public:
  // Creates the CA and a server certificate for `server_names` ("127.0.0.1",
  // "hq.example.org": IP addresses and DNS names) in `dir`, unless a CA is there
  // already (then only a missing server certificate is made). `now_s` is HQ's time.
  static Status Initialize(const std::filesystem::path& dir,
                           const std::vector<std::string>& server_names, std::int64_t now_s);
  static Expected<CertificateAuthority> Load(const std::filesystem::path& dir);

  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;
  ~CertificateAuthority();

  // Checks the CSR (its own signature, an Ed25519 key, subject CN == device_id) and
  // issues a TLS client certificate for the device, valid from an hour before
  // `now_s` for `days`. Returns the certificate (PEM).
  Expected<std::string> IssueDeviceCertificate(std::string_view csr_pem, std::string_view device_id,
                                               std::int64_t now_s, int days) const;
  const std::string& ca_pem() const noexcept;

 private:
  struct Impl;
  explicit CertificateAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace checkpoint::hq
