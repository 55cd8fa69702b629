#pragma once
// The certificates and CRLs of the eMRTD PKI (ICAO Doc 9303 Part 12), inspected for
// the trust store: CSCA certificates (self-signed roots and link certificates), CRLs
// and CSCA master lists (CMS SignedData around a CscaMasterList, Part 12 §9):
//
//   CscaMasterList ::= SEQUENCE { version INTEGER { v0(0) },
//                                 certList SET OF Certificate }
//
// Pure: no I/O, no clock (times are passed in); safe from any thread. Errors are
// CommonErrc::kParse for bytes that are not what they claim, kInvalidArgument for
// well-formed objects refused by policy, with messages that say which rule.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/documents/sod.hpp"

namespace checkpoint::documents {

struct CertificateInfo {
  Bytes der;
  std::string fingerprint;                     // SHA-256 of the DER, lower-case hex
  std::string subject, issuer;                 // RFC 2253
  std::string country;                         // the subject's C attribute, "" when absent
  std::string serial;                          // upper-case hex
  std::int64_t not_before = 0, not_after = 0;  // seconds since the epoch, UTC
  bool self_signed = false;  // issuer == subject and its own key verifies the signature
  bool ca = false;           // basicConstraints cA TRUE
  bool key_cert_sign = false, crl_sign = false;
};

// One certificate, DER or PEM.
Expected<CertificateInfo> InspectCertificate(std::span<const std::uint8_t> der_or_pem);
// Every certificate of a PEM bundle, or the one DER certificate.
Expected<std::vector<CertificateInfo>> InspectCertificates(
    std::span<const std::uint8_t> der_or_pem);

// Whether `issuer`'s key made `subject`'s signature and the names chain.
bool IsIssuedBy(const CertificateInfo& subject, const CertificateInfo& issuer);

// The CSCA profile: a CA (basicConstraints cA) with keyUsage keyCertSign and cRLSign.
// Returns the first rule broken, or success.
Status CheckCscaProfile(const CertificateInfo& cert);

struct CrlInfo {
  Bytes der;
  std::string fingerprint;  // SHA-256 of the DER, lower-case hex
  std::string issuer;       // RFC 2253
  std::string country;
  std::int64_t this_update = 0;
  std::optional<std::int64_t> next_update;
  std::size_t revoked = 0;  // entries
};

// One CRL, DER or PEM.
Expected<CrlInfo> InspectCrl(std::span<const std::uint8_t> der_or_pem);
// Whether `csca`'s key made the CRL's signature and the CRL names it as issuer.
bool IsCrlSignedBy(const CrlInfo& crl, const CertificateInfo& csca);

// Master lists hold hundreds of CSCAs (1-2 MiB for the largest); beyond this, refused.
inline constexpr std::size_t kMaxMasterListSize = 16 * 1024 * 1024;
// id-icao-cscaMasterListSigningKey: the extended key usage a master list signer has.
inline constexpr std::string_view kMasterListSignerEku = "2.23.136.1.1.3";

struct MasterList {
  std::vector<Bytes> certificates;  // certList, DER, in order
  std::string signer_subject;       // the Master List Signer
  std::string anchor_fingerprint;   // the CSCA it chained to
};

// Opens a master list and checks it before returning its content: CMS SignedData
// with eContentType id-icao-cscaMasterList (2.23.136.1.1.2), exactly one signer, a
// signature that verifies with the signer certificate in it, a signer carrying the
// master-list-signing extended key usage, whose path (through other certificates in
// the CMS) reaches one of `anchors` (CSCA certificates, DER), valid at `at`.
// Fails closed: any doubt is an error.
Expected<MasterList> OpenMasterList(std::span<const std::uint8_t> bytes,
                                    std::span<const Bytes> anchors,
                                    std::chrono::system_clock::time_point at);

}  // namespace checkpoint::documents
