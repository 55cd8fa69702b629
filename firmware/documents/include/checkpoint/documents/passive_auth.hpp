#pragma once
// eMRTD passive authentication (ICAO Doc 9303 Part 11 §5.1), step by step.
//
//   sod               EF.SOD parses (sod.hpp)
//   signature         the SOD's CMS signature verifies with the Document Signer (DS)
//                     certificate embedded in it: one SignerInfo, signed attributes
//                     present, their messageDigest equal to the eContent's digest and
//                     their contentType equal to the eContentType (RSA, RSA-PSS, ECDSA)
//   certificate_path  the DS certificate chains to a CSCA of the trust anchors, every
//                     certificate valid at `at`; DS keyUsage digitalSignature; every
//                     CA certificate basicConstraints cA and keyUsage keyCertSign +
//                     cRLSign (link certificates are intermediates)
//   revocation        the newest CRL of the issuing CSCA does not list the DS
//   data_group_hashes every data group read hashes to the SOD's value
//   mrz_match         DG1's MRZ equals the printed MRZ
//
// Overall: no_chip (nothing read from a chip), failed (some step failed; the first
// in the order above is named), passed (every step passed, revocation may be
// not_checked for want of a CRL, with a warning), not_verified otherwise (e.g. no
// trust anchors, no printed MRZ to compare, DG1 not read). Policies and reasons:
// docs/documents/passive-authentication.md and docs/adr/0006-passive-authentication.md.
//
// Pure: no I/O, no clock (`at` is passed in), no global state. Every check fails
// closed. Reasons and warnings never contain MRZ contents or names of the holder
// (certificate names of issuing authorities are not personal data and are shown).
// Thread-safety: VerifyPassive may run on several threads at once, also with one
// shared TrustAnchorSet.

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/documents/sod.hpp"

namespace checkpoint::documents {

enum class PaStep { kSod, kSignature, kCertificatePath, kRevocation, kDataGroupHashes, kMrzMatch };
inline constexpr std::size_t kPaStepCount = 6;
enum class StepState { kPassed, kFailed, kNotChecked };
enum class PaStatus { kNoChip, kNotVerified, kFailed, kPassed };

// Stable names for JSON and logs: "sod", "signature", "certificate_path",
// "revocation", "data_group_hashes", "mrz_match"; "passed", "failed",
// "not_checked"; "no_chip", "not_verified", "failed", "passed".
std::string_view StepName(PaStep step);
std::string_view StepStateName(StepState state);
std::string_view StatusName(PaStatus status);

// What the chip reader delivered. Empty sod and no data groups: no chip.
struct ChipData {
  Bytes sod;                         // EF.SOD as read (tag 0x77 ...)
  std::map<int, Bytes> data_groups;  // data group number (1..16) → the EF as read
};

// Data groups larger than this are refused (DG2 face images are 15-100 KiB).
inline constexpr std::size_t kMaxDataGroupSize = 4 * 1024 * 1024;

// The trust store's content: CSCA certificates (self-signed and link) and CRLs, DER.
struct TrustAnchors {
  std::vector<Bytes> csca_certificates;
  std::vector<Bytes> crls;
};

// Trust anchors parsed once, for many verifications. Immutable; copies share it.
class TrustAnchorSet {
 public:
  TrustAnchorSet();  // no anchors
  // Fails (CommonErrc::kParse) when any certificate or CRL is not DER: a damaged
  // trust store must be noticed, not half used.
  static Expected<TrustAnchorSet> Build(const TrustAnchors& anchors);

  std::size_t csca_count() const noexcept;
  std::size_t crl_count() const noexcept;

  struct Impl;
  const Impl& impl() const noexcept { return *impl_; }

 private:
  explicit TrustAnchorSet(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct StepResult {
  PaStep step = PaStep::kSod;
  StepState state = StepState::kNotChecked;
  std::string reason;  // why, for every state; empty never
};

struct PassiveAuthReport {
  PaStatus status = PaStatus::kNoChip;
  std::optional<PaStep> failed_step;           // the first failed step, when status is kFailed
  std::array<StepResult, kPaStepCount> steps;  // in PaStep order
  std::vector<std::string> warnings;
  // What was found, when known (empty otherwise).
  std::string hash_algorithm;                  // "sha256"
  std::string signature_algorithm;             // OpenSSL's short name, e.g. "ecdsa-with-SHA256"
  std::string ds_subject, ds_serial;           // serial in upper-case hex
  std::string csca_subject, csca_fingerprint;  // the trust anchor reached; SHA-256 hex
  std::vector<int> data_groups_verified;       // read, listed in the SOD, hash equal
  std::vector<int> data_groups_not_read;       // listed in the SOD, not read (fine)

  const StepResult& step(PaStep s) const { return steps[static_cast<std::size_t>(s)]; }
};

// printed_mrz: the lines of the MRZ printed on the data page (as OCR'd, after any
// correction), or empty when not available; line breaks ("\r", "\n") inside or at
// the end of the strings are ignored.
PassiveAuthReport VerifyPassive(const ChipData& chip, std::span<const std::string> printed_mrz,
                                const TrustAnchorSet& anchors,
                                std::chrono::system_clock::time_point at);
// Convenience: builds the anchor set first; an unusable set makes the trust-dependent
// steps not_checked with the reason.
PassiveAuthReport VerifyPassive(const ChipData& chip, std::span<const std::string> printed_mrz,
                                const TrustAnchors& anchors,
                                std::chrono::system_clock::time_point at);

}  // namespace checkpoint::documents
