#include "checkpoint/store/trust_store.hpp"

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/documents/csca.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::store {

namespace {

using documents::Bytes;
using documents::CertificateInfo;

Error Refused(std::string message) {
  return MakeError(CommonErrc::kInvalidArgument, std::move(message));
}

Bytes ToBytes(const std::string& blob) {
  return Bytes(blob.begin(), blob.end());
}

// Stored CSCAs whose subject is `subject`.
Expected<std::vector<CertificateInfo>> CscasNamed(Connection& db, const std::string& subject) {
  auto st = db.Prepare("SELECT der FROM trust_csca WHERE subject = ? ORDER BY id");
  if (!st) return std::move(st).error();
  if (auto s = st->Bind(1, subject); !s) return std::move(s).error();
  std::vector<CertificateInfo> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    auto info = documents::InspectCertificate(ToBytes(st->BlobColumn(0)));
    if (!info) return std::move(info).error().WithContext("a stored CSCA is damaged");
    out.push_back(std::move(*info));
  }
  return out;
}

std::string MasterListSource(std::span<const std::uint8_t> bytes) {
  return "masterlist:" + common::ToHex(common::Sha256::Of(std::string_view(
                             reinterpret_cast<const char*>(bytes.data()), bytes.size())));
}

}  // namespace

Expected<AddResult> TrustStore::AddCscaInTx(const Bytes& der, std::string_view source,
                                            std::int64_t now_ms) {
  auto info = documents::InspectCertificate(der);
  if (!info) return std::move(info).error();
  if (auto s = documents::CheckCscaProfile(*info); !s) {
    return std::move(s).error().WithContext("refused as a CSCA");
  }
  std::string kind = "root";
  if (!info->self_signed) {
    auto issuers = CscasNamed(db_, info->issuer);
    if (!issuers) return std::move(issuers).error();
    bool linked = false;
    for (const auto& issuer : *issuers) linked = linked || documents::IsIssuedBy(*info, issuer);
    if (!linked) {
      return Refused(
          "refused as a CSCA: neither self-signed nor a link certificate issued by a CSCA in the "
          "trust store (issuer " +
          info->issuer + ")");
    }
    kind = "link";
  }
  auto st = db_.Prepare(
      "INSERT INTO trust_csca(fingerprint, subject, issuer, country, serial, not_before, "
      "not_after, kind, source, added_at_ms, der) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(fingerprint) DO NOTHING");
  if (!st) return std::move(st).error();
  if (auto s =
          st->BindAll(info->fingerprint, info->subject, info->issuer, info->country, info->serial,
                      info->not_before, info->not_after, kind, source, now_ms, Blob{info->der});
      !s) {
    return std::move(s).error();
  }
  if (auto s = st->Run(); !s) return std::move(s).error();
  return AddResult{.fingerprint = info->fingerprint, .added = db_.Changes() == 1};
}

Expected<AddResult> TrustStore::AddCsca(std::span<const std::uint8_t> der_or_pem,
                                        std::string_view source, std::int64_t now_ms) {
  auto info = documents::InspectCertificate(der_or_pem);
  if (!info) return std::move(info).error();
  return InTransaction(db_, [&] { return AddCscaInTx(info->der, source, now_ms); });
}

Expected<AddResult> TrustStore::AddCrl(std::span<const std::uint8_t> der_or_pem,
                                       std::string_view source, std::int64_t now_ms) {
  auto crl = documents::InspectCrl(der_or_pem);
  if (!crl) return std::move(crl).error();
  if (!crl->next_update) return Refused("refused CRL: it has no nextUpdate");
  return InTransaction(db_, [&]() -> Expected<AddResult> {
    auto issuers = CscasNamed(db_, crl->issuer);
    if (!issuers) return std::move(issuers).error();
    bool signed_by_csca = false;
    for (const auto& csca : *issuers) {
      signed_by_csca = signed_by_csca || documents::IsCrlSignedBy(*crl, csca);
    }
    if (!signed_by_csca) {
      return Refused("refused CRL: no CSCA in the trust store signed it (issuer " + crl->issuer +
                     ")");
    }
    auto cur = db_.Prepare("SELECT fingerprint, this_update FROM trust_crl WHERE issuer = ?");
    if (!cur) return std::move(cur).error();
    if (auto s = cur->Bind(1, crl->issuer); !s) return std::move(s).error();
    auto row = cur->Step();
    if (!row) return std::move(row).error();
    if (*row) {
      if (cur->Text(0) == crl->fingerprint) {
        return AddResult{.fingerprint = crl->fingerprint, .added = false};
      }
      if (cur->Int(1) >= crl->this_update) {
        return Refused(
            "refused CRL: the trust store holds a CRL of this CSCA that is as new or "
            "newer (thisUpdate " +
            std::to_string(cur->Int(1)) + " >= " + std::to_string(crl->this_update) + ")");
      }
    }
    auto del = db_.Prepare("DELETE FROM trust_crl WHERE issuer = ?");
    if (!del) return std::move(del).error();
    if (auto s = del->Bind(1, crl->issuer); !s) return std::move(s).error();
    if (auto s = del->Run(); !s) return std::move(s).error();
    auto ins = db_.Prepare(
        "INSERT INTO trust_crl(fingerprint, issuer, country, this_update, next_update, "
        "revoked_count, source, added_at_ms, der) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!ins) return std::move(ins).error();
    if (auto s = ins->BindAll(crl->fingerprint, crl->issuer, crl->country, crl->this_update,
                              *crl->next_update, static_cast<std::int64_t>(crl->revoked), source,
                              now_ms, Blob{crl->der});
        !s) {
      return std::move(s).error();
    }
    if (auto s = ins->Run(); !s) return std::move(s).error();
    return AddResult{.fingerprint = crl->fingerprint, .added = true};
  });
}

Expected<MasterListImport> TrustStore::ImportMasterList(std::span<const std::uint8_t> bytes,
                                                        std::chrono::system_clock::time_point now) {
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return InTransaction(db_, [&]() -> Expected<MasterListImport> {
    auto anchors = LoadAnchors();
    if (!anchors) return std::move(anchors).error();
    auto list = documents::OpenMasterList(bytes, anchors->csca_certificates, now);
    if (!list) return std::move(list).error().WithContext("refused master list");
    MasterListImport report;
    report.source = MasterListSource(bytes);
    report.signer = list->signer_subject;
    report.certificates = list->certificates.size();
    // Roots first, then links in as many passes as it takes (a link may hang off
    // another link of the same list).
    std::vector<const Bytes*> pending;
    for (const auto& der : list->certificates) pending.push_back(&der);
    std::vector<std::string> last_errors;
    for (bool progress = true; progress && !pending.empty();) {
      progress = false;
      last_errors.clear();
      std::vector<const Bytes*> retry;
      for (const Bytes* der : pending) {
        auto r = AddCscaInTx(*der, report.source, now_ms);
        if (r) {
          (r->added ? report.added : report.already_present)++;
          progress = true;
          continue;
        }
        if (!r.error().Is(CommonErrc::kInvalidArgument)) return std::move(r).error();
        retry.push_back(der);
        auto info = documents::InspectCertificate(*der);
        last_errors.push_back((info ? info->subject : std::string("?")) + ": " +
                              r.error().message());
      }
      pending = std::move(retry);
    }
    report.skipped = std::move(last_errors);
    return report;
  });
}

Expected<std::vector<CscaEntry>> TrustStore::ListCscas() {
  auto st = db_.Prepare(
      "SELECT fingerprint, subject, issuer, country, serial, not_before, not_after, kind, source, "
      "added_at_ms FROM trust_csca ORDER BY country, subject, not_before");
  if (!st) return std::move(st).error();
  std::vector<CscaEntry> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(CscaEntry{.fingerprint = st->Text(0),
                            .subject = st->Text(1),
                            .issuer = st->Text(2),
                            .country = st->Text(3),
                            .serial = st->Text(4),
                            .not_before = st->Int(5),
                            .not_after = st->Int(6),
                            .kind = st->Text(7),
                            .source = st->Text(8),
                            .added_at_ms = st->Int(9)});
  }
  return out;
}

Expected<std::vector<CrlEntry>> TrustStore::ListCrls() {
  auto st = db_.Prepare(
      "SELECT fingerprint, issuer, country, this_update, next_update, revoked_count, source, "
      "added_at_ms FROM trust_crl ORDER BY country, issuer");
  if (!st) return std::move(st).error();
  std::vector<CrlEntry> out;
  for (;;) {
    auto row = st->Step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.push_back(CrlEntry{.fingerprint = st->Text(0),
                           .issuer = st->Text(1),
                           .country = st->Text(2),
                           .this_update = st->Int(3),
                           .next_update = st->Int(4),
                           .revoked_count = st->Int(5),
                           .source = st->Text(6),
                           .added_at_ms = st->Int(7)});
  }
  return out;
}

Expected<bool> TrustStore::Remove(std::string_view fingerprint) {
  return InTransaction(db_, [&]() -> Expected<bool> {
    std::int64_t removed = 0;
    for (const char* sql : {"DELETE FROM trust_csca WHERE fingerprint = lower(?)",
                            "DELETE FROM trust_crl WHERE fingerprint = lower(?)"}) {
      auto st = db_.Prepare(sql);
      if (!st) return std::move(st).error();
      if (auto s = st->Bind(1, fingerprint); !s) return std::move(s).error();
      if (auto s = st->Run(); !s) return std::move(s).error();
      removed += db_.Changes();
    }
    return removed > 0;
  });
}

Expected<documents::TrustAnchors> TrustStore::LoadAnchors() {
  documents::TrustAnchors anchors;
  for (auto [sql, out] :
       {std::pair{"SELECT der FROM trust_csca ORDER BY id", &anchors.csca_certificates},
        std::pair{"SELECT der FROM trust_crl ORDER BY id", &anchors.crls}}) {
    auto st = db_.Prepare(sql);
    if (!st) return std::move(st).error();
    for (;;) {
      auto row = st->Step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      out->push_back(ToBytes(st->BlobColumn(0)));
    }
  }
  return anchors;
}

}  // namespace checkpoint::store
