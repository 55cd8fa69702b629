#include "checkpoint/protocol/record.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "support/temp_dir.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

namespace {
Record Sample(std::int64_t seq = 1) {
  Record r;
  r.device_id = "CP-T1";
  r.seq = seq;
  r.lane = 1;
  r.type = "inspection";
  r.uuid = "6f1c2a4e-0000-4000-8000-000000000001";
  r.device_time_ms = 1'700'000'000'000;
  r.payload = R"({"level":"clear"})";
  return r;
}
}  // namespace

TEST_CASE("a signed record verifies, and any change breaks it", "[protocol][record]") {
  auto key = DeviceKey::Generate();
  REQUIRE(key);
  Record r = Sample();
  SignRecord(r, *key);
  REQUIRE(VerifyRecord(r, key->Public()));
  REQUIRE(ValidateRecord(r));

  Record t = r;
  t.payload = R"({"level":"alert"})";
  auto bad = VerifyRecord(t, key->Public());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().Is(ProtocolErrc::kBadSignature));
  t = r;
  t.seq = 2;
  CHECK_FALSE(VerifyRecord(t, key->Public()));
  t = r;
  t.device_time_ms += 1;
  CHECK_FALSE(VerifyRecord(t, key->Public()));
  t = r;
  t.sig[10] ^= 1;
  CHECK_FALSE(VerifyRecord(t, key->Public()));

  auto other = DeviceKey::Generate();
  CHECK_FALSE(VerifyRecord(r, other->Public()));
}

namespace {
std::array<std::uint8_t, 64> FromHex64(std::string_view hex) {
  std::array<std::uint8_t, 64> out{};
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return out;
}
// The PEM of an Ed25519 private key given by its 32-byte seed, and an OpenSSL
// signature with it (the implementation records were signed with before libsodium).
struct OpenSslKey {
  explicit OpenSslKey(const std::uint8_t* seed)
      : key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32)) {}
  ~OpenSslKey() { EVP_PKEY_free(key); }
  std::string Pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return pem;
  }
  Signature Sign(std::string_view m) const {
    Signature sig{};
    std::size_t len = sig.size();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key);
    EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(m.data()),
                   m.size());
    EVP_MD_CTX_free(ctx);
    return sig;
  }
  bool Verify(std::string_view m, const Signature& sig) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key);
    const bool ok =
        EVP_DigestVerify(ctx, sig.data(), sig.size(),
                         reinterpret_cast<const unsigned char*>(m.data()), m.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
  }
  EVP_PKEY* key;
};
}  // namespace

TEST_CASE("Ed25519 is RFC 8032's and the same as OpenSSL's, signature for signature",
          "[protocol][record]") {
  // RFC 8032 section 7.1, test 2 (one-byte message 0x72).
  const auto seed_pub = FromHex64(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const auto rfc_sig = FromHex64(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  OpenSslKey ossl(seed_pub.data());
  auto key = DeviceKey::FromPem(ossl.Pem());
  REQUIRE(key);
  PublicKey pub{};
  std::copy(seed_pub.begin() + 32, seed_pub.end(), pub.begin());
  CHECK(key->Public() == pub);
  const std::string m = "\x72";
  CHECK(key->Sign(m) == rfc_sig);
  CHECK(Verify(pub, m, rfc_sig));
  CHECK_FALSE(Verify(pub, "\x73", rfc_sig));

  // A record signed as before (OpenSSL) verifies now, and the reverse.
  Record r = Sample();
  SignRecord(r, *key);
  CHECK(r.sig == ossl.Sign(CanonicalBytes(r)));
  CHECK(ossl.Verify(CanonicalBytes(r), r.sig));
  CHECK(VerifyRecord(r, pub));
}

TEST_CASE("canonical bytes separate fields unambiguously", "[protocol][record]") {
  Record a = Sample(), b = Sample();
  a.type = "ab";
  a.uuid = "c";
  b.type = "a";
  b.uuid = "bc";
  CHECK(CanonicalBytes(a) != CanonicalBytes(b));
  CHECK(RecordHash(a) != RecordHash(b));
  // The signature is not part of what is hashed or signed.
  Record c = Sample();
  c.sig[0] = 7;
  CHECK(RecordHash(c) == RecordHash(Sample()));
}

TEST_CASE("records chain by the hash of the previous sequence number", "[protocol][record]") {
  auto key = DeviceKey::Generate();
  Record r1 = Sample(1);
  SignRecord(r1, *key);
  Record r2 = Sample(2);
  r2.prev = RecordHash(r1);
  SignRecord(r2, *key);
  CHECK(VerifyRecord(r2, key->Public()));
  CHECK(r2.prev != kGenesisHash);
  Record bad1 = Sample(1);
  bad1.prev[0] = 1;
  CHECK_FALSE(ValidateRecord(bad1));
}

TEST_CASE("record validation refuses hostile values", "[protocol][record]") {
  Record r = Sample();
  r.device_id = "CP 1";
  CHECK_FALSE(ValidateRecord(r));
  r = Sample();
  r.seq = 0;
  CHECK_FALSE(ValidateRecord(r));
  r = Sample();
  r.lane = 3;
  CHECK_FALSE(ValidateRecord(r));
  r = Sample();
  r.uuid = "a\nb";
  CHECK_FALSE(ValidateRecord(r));
  r = Sample();
  r.device_time_ms = -1;
  CHECK_FALSE(ValidateRecord(r));
  r = Sample();
  r.payload.assign(kMaxPayloadBytes + 1, 'x');
  auto big = ValidateRecord(r);
  REQUIRE_FALSE(big);
  CHECK(big.error().Is(ProtocolErrc::kTooLarge));
}

TEST_CASE("the device key is created 0600, reloaded, and refused when exposed",
          "[protocol][keys]") {
  testing::TempDir tmp;
  const auto path = tmp / "device.key";
  auto k1 = DeviceKey::LoadOrCreate(path);
  REQUIRE(k1);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto k2 = DeviceKey::LoadOrCreate(path);
  REQUIRE(k2);
  CHECK(k1->Public() == k2->Public());
  ::chmod(path.c_str(), 0644);
  auto k3 = DeviceKey::LoadOrCreate(path);
  REQUIRE_FALSE(k3);
  CHECK(k3.error().Is(ProtocolErrc::kBadKey));

  REQUIRE(common::WriteFileAtomic(tmp / "junk.key", "not a key", 0600));
  CHECK_FALSE(DeviceKey::LoadOrCreate(tmp / "junk.key"));

  CHECK_FALSE(DeviceKey::Load(tmp / "missing.key"));
  ::chmod(path.c_str(), 0600);
  auto k4 = DeviceKey::Load(path);
  REQUIRE(k4);
  CHECK(k4->Public() == k1->Public());

  auto csr = k1->MakeCsrPem("CP-T1");
  REQUIRE(csr);
  CHECK(csr->find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
}
