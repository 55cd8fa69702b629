#pragma once
// Parsers of the eMRTD security object (EF.SOD) and of DG1, ICAO Doc 9303 Part 10
// §4.6 and Part 11 §5.
//
// EF.SOD is tag 0x77 around a CMS ContentInfo of type SignedData whose
// eContentType is id-icao-mrtd-security-ldsSecurityObject (2.23.136.1.1.1) and
// whose eContent is the LDSSecurityObject:
//
//   LDSSecurityObject ::= SEQUENCE {
//     version             INTEGER { v0(0), v1(1) },
//     hashAlgorithm       AlgorithmIdentifier,
//     dataGroupHashValues SEQUENCE SIZE (2..16) OF DataGroupHash,
//     ldsVersionInfo      LDSVersionInfo OPTIONAL }      -- v1 only
//   DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER (1..16),
//                                dataGroupHashValue OCTET STRING }
//   LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString,
//                                 unicodeVersion PrintableString }
//
// Parsing checks structure only; signatures are VerifyPassive's (passive_auth.hpp).
// Pure: no I/O, no clock, no global state; safe from any thread. Inputs are bounded
// (kMaxSodSize), lengths are strict DER, and errors (CommonErrc::kParse) say what is
// wrong and where, never echoing the bytes: DG1 holds the holder's MRZ.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::documents {

// Bigger than any real EF.SOD (2-8 KiB with the DS certificate), as the chip reader
// framing allows.
inline constexpr std::size_t kMaxSodSize = 64 * 1024;
inline constexpr std::size_t kMaxDg1Size = 1024;

enum class HashAlgorithm { kSha1, kSha224, kSha256, kSha384, kSha512 };
// "sha1", "sha224", "sha256", "sha384", "sha512".
std::string_view HashAlgorithmName(HashAlgorithm a);
std::size_t DigestLength(HashAlgorithm a);

using Bytes = std::vector<std::uint8_t>;

struct LdsSecurityObject {
  int version = 0;  // 0 or 1
  HashAlgorithm hash_algorithm = HashAlgorithm::kSha256;
  // Data group number (1..16) → hash. Each number at most once; every hash is
  // DigestLength(hash_algorithm) long.
  std::map<int, Bytes> data_group_hashes;
  // ldsVersionInfo ("0108", "040000"), when present.
  std::optional<std::string> lds_version, unicode_version;
};

struct Sod {
  LdsSecurityObject lds;
  Bytes content_info;  // the CMS ContentInfo (the value inside tag 0x77)
  Bytes econtent;      // the DER LDSSecurityObject as signed
  // The certificates embedded in the SignedData (normally just the Document
  // Signer's), DER.
  std::vector<Bytes> certificates;
  std::size_t signer_count = 0;  // SignerInfos; ICAO requires exactly one
};

// Parses EF.SOD. Refused: anything but exactly one 0x77 TLV (DER lengths, no bytes
// after it), a ContentInfo that is not SignedData or does not fill the 0x77 value,
// another eContentType, a detached or unparseable eContent, an unknown hash
// algorithm, data group numbers outside 1..16 or repeated, hashes of the wrong
// length, no data group at all, trailing bytes anywhere, more than kMaxSodSize bytes.
Expected<Sod> ParseSod(std::span<const std::uint8_t> bytes);

// Decodes the LDSSecurityObject alone (the eContent), with the same checks.
Expected<LdsSecurityObject> ParseLdsSecurityObject(std::span<const std::uint8_t> der);

// DG1: tag 0x61 around tag 0x5F1F holding the MRZ without line breaks: 90
// characters (TD1, three lines of 30), 88 (TD3/MRV-A, 2×44) or 72 (TD2/MRV-B,
// 2×36). Returns the lines. Refuses other lengths, characters outside A-Z 0-9 <,
// other tags, trailing bytes.
Expected<std::vector<std::string>> ParseDg1(std::span<const std::uint8_t> dg1);

}  // namespace checkpoint::documents
