#pragma once
// Private: EF.SOD parsed together with its OpenSSL CMS object, for VerifyPassive.
#include <span>

#include "checkpoint/common/error.hpp"
#include "checkpoint/documents/sod.hpp"
#include "ossl.hpp"

namespace checkpoint::documents::detail {

struct ParsedSod {
  Sod sod;
  CmsPtr cms;
};

Expected<ParsedSod> ParseSodWithCms(std::span<const std::uint8_t> bytes);

// The digest of `data` with `algorithm`.
Bytes Digest(HashAlgorithm algorithm, std::span<const std::uint8_t> data);

// "2.23.136.1.1.1" for an OID object ("" when it cannot be written).
std::string OidText(const ASN1_OBJECT* oid);

}  // namespace checkpoint::documents::detail
