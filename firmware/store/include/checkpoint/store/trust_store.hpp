#pragma once
// The local eMRTD trust store: CSCA certificates (self-signed roots and link
// certificates) and CRLs, kept in SQLite (migration 3), the anchors of passive
// authentication (documents/passive_auth.hpp). HQ delivers master lists and CRLs
// (a later issue); technicians add them with `checkpointctl trust`.
//
// Policies (docs/documents/passive-authentication.md):
//  - a CSCA must be a CA with keyUsage keyCertSign + cRLSign, and either self-signed
//    or a link certificate signed by a CSCA already in the store;
//  - a CRL must be signed by a stored CSCA of its issuer's name and carry nextUpdate;
//    one CRL per issuer is kept, and an older one never replaces a newer one;
//  - a master list is imported only when its signature verifies and its signer
//    chains to a CSCA already in the store, at the time of import: fail closed.
// Every change runs in one transaction (the caller's, or its own) and re-adding what
// is present changes nothing. Certificates and CRLs are identified by the SHA-256 of
// their DER (lower-case hex).
//
// Thread-safety: a view on one Connection; use from that connection's thread.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/documents/passive_auth.hpp"
#include "checkpoint/store/database.hpp"

namespace checkpoint::store {

struct CscaEntry {
  std::string fingerprint, subject, issuer, country, serial;
  std::int64_t not_before = 0, not_after = 0;  // seconds since the epoch
  std::string kind;                            // "root" or "link"
  std::string source;  // "manual", "masterlist:<sha256 of the file>", "hq-bundle:<id>"
  std::int64_t added_at_ms = 0;
};

struct CrlEntry {
  std::string fingerprint, issuer, country;
  std::int64_t this_update = 0, next_update = 0;  // seconds since the epoch
  std::int64_t revoked_count = 0;
  std::string source;
  std::int64_t added_at_ms = 0;
};

struct AddResult {
  std::string fingerprint;
  bool added = false;  // false: it was already there (nothing changed)
};

struct MasterListImport {
  std::string source;               // "masterlist:<sha256>"
  std::string signer;               // the master list signer's subject
  std::size_t certificates = 0;     // in the list
  std::size_t added = 0;            // new in the store
  std::size_t already_present = 0;  // there before
  // Certificates of the list not taken, each with why (not a CSCA profile, a link
  // whose issuer is unknown). The list itself was verified; odd entries are skipped.
  std::vector<std::string> skipped;
};

class TrustStore {
 public:
  explicit TrustStore(Connection& db) : db_(db) {}

  // A CSCA certificate, DER or PEM. Refused (CommonErrc::kInvalidArgument): not a
  // CA, no keyCertSign/cRLSign, neither self-signed nor issued by a stored CSCA.
  Expected<AddResult> AddCsca(std::span<const std::uint8_t> der_or_pem, std::string_view source,
                              std::int64_t now_ms);
  // A CRL, DER or PEM. Refused: no stored CSCA of the issuer's name signed it, no
  // nextUpdate, older than (or as old as, but different from) the stored one.
  Expected<AddResult> AddCrl(std::span<const std::uint8_t> der_or_pem, std::string_view source,
                             std::int64_t now_ms);
  // A CSCA master list (CMS, ICAO Doc 9303 Part 12), verified at `now`.
  Expected<MasterListImport> ImportMasterList(std::span<const std::uint8_t> bytes,
                                              std::chrono::system_clock::time_point now);

  Expected<std::vector<CscaEntry>> ListCscas();
  Expected<std::vector<CrlEntry>> ListCrls();
  // Removes the CSCA or CRL with this fingerprint; false when there is none.
  Expected<bool> Remove(std::string_view fingerprint);

  // Everything, for documents::TrustAnchorSet::Build.
  Expected<documents::TrustAnchors> LoadAnchors();

 private:
  Expected<AddResult> AddCscaInTx(const std::vector<std::uint8_t>& der, std::string_view source,
                                  std::int64_t now_ms);
  Connection& db_;
};

}  // namespace checkpoint::store
