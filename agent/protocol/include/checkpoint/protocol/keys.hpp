#pragma once
// The device key (Ed25519; no OpenSSL or libsodium type here). One key per device:
// it signs every record and authenticates the device in mutual TLS, so HQ learns it
// once, from the certificate it issued on the device's CSR.
//
// Keys, PEM, CSRs and certificates are OpenSSL's; signing and verifying records is
// libsodium's Ed25519 (RFC 8032, the same signatures: about twice OpenSSL 3.0's
// speed, which bounds how fast a backlog drains). libsodium's verification is the
// stricter of the two (it also refuses small-order keys and R, and non-canonical
// encodings), so nothing OpenSSL would refuse is accepted.
//
// Thread-safety: a DeviceKey may be used from several threads for Sign; Verify is
// thread-safe.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::protocol {

using PublicKey = std::array<std::uint8_t, 32>;  // raw Ed25519 public key
using Signature = std::array<std::uint8_t, 64>;  // raw Ed25519 signature

class DeviceKey {
 public:
  static Expected<DeviceKey> Generate();
  // PKCS#8 PEM of an Ed25519 private key; any other key type is refused.
  static Expected<DeviceKey> FromPem(std::string_view pem);
  // Loads `path`, or generates a key and writes it there (mode 0600, atomically)
  // when the file does not exist. An existing file readable by group or others is
  // refused: the key would already be exposed.
  static Expected<DeviceKey> LoadOrCreate(const std::filesystem::path& path);
  // Loads `path` with the same checks; a missing file is an error (kNotFound).
  static Expected<DeviceKey> Load(const std::filesystem::path& path);

  DeviceKey(DeviceKey&&) noexcept;
  DeviceKey& operator=(DeviceKey&&) noexcept;
  ~DeviceKey();

  std::string PrivatePem() const;
  PublicKey Public() const;
  Signature Sign(std::string_view message) const;
  // A PKCS#10 request (PEM) with subject CN=<device_id>, self-signed with this key.
  Expected<std::string> MakeCsrPem(std::string_view device_id) const;

 private:
  struct Impl;
  explicit DeviceKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

bool Verify(const PublicKey& key, std::string_view message, const Signature& signature);

// The Ed25519 public key of a PEM certificate; kBadKey when it is not Ed25519.
Expected<PublicKey> PublicKeyOfCertificate(std::string_view cert_pem);
// Whether `cert_pem`'s signature verifies with the key of `issuer_pem` (the first
// certificate of each PEM text). Validity periods are not checked here.
bool CertificateIssuedBy(std::string_view cert_pem, std::string_view issuer_pem);
// The subject common name of a PEM certificate (the device id of a device certificate).
Expected<std::string> CertificateCommonName(std::string_view cert_pem);
// The end of a PEM certificate's validity (notAfter), in seconds since the epoch.
Expected<std::int64_t> CertificateNotAfter(std::string_view cert_pem);

}  // namespace checkpoint::protocol
