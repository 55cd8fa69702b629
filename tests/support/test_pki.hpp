#pragma once
// A test eMRTD PKI built at test time with the OpenSSL C API: keys, CSCA, DS and
// master-list-signer certificates, CRLs, LDS security objects, EF.SODs and master
// lists. Tests only: OpenSSL types appear here on purpose.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::testing::pki {

using Bytes = std::vector<std::uint8_t>;
using Key = std::shared_ptr<EVP_PKEY>;
using Cert = std::shared_ptr<X509>;

Key EcKey();  // P-256
Key RsaKey(int bits = 2048);

// Midnight UTC of a calendar day.
std::time_t Day(int year, int month, int day);
std::chrono::system_clock::time_point At(int year, int month, int day);

struct CertSpec {
  std::string common_name = "Test";
  std::string country = "UT";
  long serial = 1;
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  // X509v3 configuration values; empty: no such extension.
  std::string basic_constraints;  // "critical,CA:TRUE,pathlen:0"
  std::string key_usage;          // "critical,keyCertSign,cRLSign"
  std::string ext_key_usage;      // "2.23.136.1.1.3"
  bool pss = false;               // the issuer signs with RSASSA-PSS (RSA issuer keys only)
};

// Signs with issuer_key; issuer null means self-signed.
Cert MakeCert(const CertSpec& spec, const Key& subject_key, const Cert& issuer,
              const Key& issuer_key);
CertSpec CscaSpec(const std::string& cn, std::time_t from, std::time_t to, long serial = 1);
CertSpec DsSpec(const std::string& cn, std::time_t from, std::time_t to, long serial);

Bytes Der(const Cert& c);
std::string Pem(const Cert& c);

struct CrlSpec {
  std::time_t this_update = 0;
  std::time_t next_update = 0;  // 0: no nextUpdate
  std::vector<long> revoked;    // serial numbers
};
Bytes MakeCrl(const CrlSpec& spec, const Cert& issuer, const Key& issuer_key);

// DER building blocks.
Bytes Tlv(std::uint32_t tag, const Bytes& value);
Bytes Concat(const std::vector<Bytes>& parts);
Bytes Dg1(const std::string& mrz_without_breaks);  // 0x61 { 0x5F1F mrz }

// The LDSSecurityObject with the hashes of `dgs` (version 0; version 1 adds
// ldsVersionInfo "0108"/"040000").
Bytes LdsSecurityObject(const std::map<int, Bytes>& dgs, const EVP_MD* md = EVP_sha256(),
                        int version = 0);

struct SignSpec {
  const EVP_MD* md = EVP_sha256();
  bool pss = false;
  std::string econtent_type = "2.23.136.1.1.1";
  bool embed_signer = true;       // put the signer certificate in the SignedData
  std::vector<Cert> extra_certs;  // further certificates to embed
};
// CMS SignedData ContentInfo (DER) over econtent.
Bytes SignCms(const Bytes& econtent, const Cert& signer, const Key& key, const SignSpec& spec = {});
Bytes WrapSod(const Bytes& content_info);  // tag 0x77
Bytes MakeSod(const std::map<int, Bytes>& dgs, const Cert& signer, const Key& key,
              const SignSpec& spec = {});

// A CSCA master list (CMS, eContentType 2.23.136.1.1.2) of `certs`.
Bytes MakeMasterList(const std::vector<Cert>& certs, const Cert& signer, const Key& key,
                     const std::vector<Cert>& extra = {});

// The ICAO specimen passport (TD3) used throughout: printed lines and DG1.
inline constexpr std::string_view kSpecimenLine1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
inline constexpr std::string_view kSpecimenLine2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
std::string SpecimenMrz();  // both lines, no line break

// A ready-made world: CSCA "UT CSCA" (EC) valid 2020-2035, DS "UT DS 1" (EC, serial
// 0x1001) valid 2024-2034, DS "UT DS RSA" (RSA-PSS signing, serial 0x1002), a
// master list signer, and DG1/DG2 of the specimen. Built once per process.
struct World {
  Key csca_key;
  Cert csca;
  Key ds_key;
  Cert ds;
  Key ds_rsa_key;
  Cert ds_rsa;
  Key mls_key;
  Cert mls;  // master list signer, issued by the CSCA
  Bytes dg1, dg2;
  std::map<int, Bytes> dgs() const { return {{1, dg1}, {2, dg2}}; }
};
const World& TheWorld();

}  // namespace checkpoint::testing::pki
