// EF.SOD, LDSSecurityObject and DG1 parsing: valid objects from the test PKI, then
// every kind of damage: truncation at every length, garbage, wrong tags, hostile
// lengths, duplicates, out-of-range numbers, wrong hash lengths, trailing bytes.
#include "checkpoint/documents/sod.hpp"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <random>

#include "support/test_pki.hpp"

using namespace checkpoint;
using namespace checkpoint::documents;
namespace pki = checkpoint::testing::pki;
using pki::Bytes;
using pki::Concat;
using pki::Tlv;

namespace {

Bytes Int(std::uint8_t v) {
  return Tlv(0x02, {v});
}
Bytes Sha256Oid() {
  return Tlv(0x06, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01});
}
Bytes DgHash(std::uint8_t n, std::size_t len) {
  return Tlv(0x30, Concat({Int(n), Tlv(0x04, Bytes(len, 0xAB))}));
}
Bytes Lds(const std::vector<Bytes>& hashes, const Bytes& version = Int(0),
          const Bytes& alg = Tlv(0x30, Sha256Oid()), const Bytes& tail = {}) {
  return Tlv(0x30, Concat({version, alg, Tlv(0x30, Concat(hashes)), tail}));
}

bool IsParseError(const Error& e) {
  return e.Is(CommonErrc::kParse) && !e.message().empty();
}

}  // namespace

TEST_CASE("a valid EF.SOD parses", "[documents][sod]") {
  const auto& w = pki::TheWorld();
  const Bytes sod = pki::MakeSod(w.dgs(), w.ds, w.ds_key);
  auto r = ParseSod(sod);
  REQUIRE(r);
  CHECK(r->lds.version == 0);
  CHECK(r->lds.hash_algorithm == HashAlgorithm::kSha256);
  REQUIRE(r->lds.data_group_hashes.size() == 2);
  CHECK(r->lds.data_group_hashes.at(1).size() == 32);
  CHECK(r->econtent == pki::LdsSecurityObject(w.dgs()));
  CHECK(r->certificates.size() == 1);
  CHECK(r->certificates[0] == pki::Der(w.ds));
  CHECK(r->signer_count == 1);
  CHECK_FALSE(r->lds.lds_version);
}

TEST_CASE("every LDS hash algorithm and version 1 parse", "[documents][sod]") {
  const auto& w = pki::TheWorld();
  struct Case {
    const EVP_MD* md;
    HashAlgorithm algorithm;
  };
  for (auto c :
       {Case{EVP_sha1(), HashAlgorithm::kSha1}, Case{EVP_sha224(), HashAlgorithm::kSha224},
        Case{EVP_sha384(), HashAlgorithm::kSha384}, Case{EVP_sha512(), HashAlgorithm::kSha512}}) {
    auto lds = ParseLdsSecurityObject(pki::LdsSecurityObject(w.dgs(), c.md, 1));
    REQUIRE(lds);
    CHECK(lds->hash_algorithm == c.algorithm);
    CHECK(lds->data_group_hashes.at(2).size() == DigestLength(c.algorithm));
    CHECK(lds->version == 1);
    CHECK(lds->lds_version == "0108");
    CHECK(lds->unicode_version == "040000");
  }
  CHECK(HashAlgorithmName(HashAlgorithm::kSha384) == "sha384");
}

TEST_CASE("a truncated EF.SOD is refused at every length", "[documents][sod]") {
  const auto& w = pki::TheWorld();
  const Bytes sod = pki::MakeSod(w.dgs(), w.ds, w.ds_key);
  for (std::size_t n = 0; n < sod.size(); ++n) {
    INFO("length " << n);
    auto r = ParseSod(std::span(sod.data(), n));
    REQUIRE_FALSE(r);
    CHECK(IsParseError(r.error()));
  }
}

TEST_CASE("garbage and hostile EF.SODs are refused", "[documents][sod]") {
  const auto& w = pki::TheWorld();
  const Bytes good = pki::MakeSod(w.dgs(), w.ds, w.ds_key);
  const Bytes ci(good.begin() + 4, good.end());  // 0x77 0x82 hi lo: the ContentInfo
  REQUIRE(pki::WrapSod(ci) == good);

  std::mt19937 rng(42);
  for (int i = 0; i < 200; ++i) {
    Bytes g(static_cast<std::size_t>(rng() % 600));
    for (auto& b : g) b = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && !g.empty()) g[0] = 0x77;
    auto r = ParseSod(g);
    REQUIRE_FALSE(r);
    CHECK(IsParseError(r.error()));
  }
  std::vector<std::pair<const char*, Bytes>> hostile = {
      {"empty", {}},
      {"wrong outer tag", Concat({{0x30}, Bytes(good.begin() + 1, good.end())})},
      {"trailing byte", Concat({good, {0x00}})},
      {"indefinite length", Concat({{0x77, 0x80}, ci, {0x00, 0x00}})},
      {"non-minimal length", {0x77, 0x81, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00}},
      {"length beyond the data", {0x77, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x30}},
      {"huge three-byte length", {0x77, 0x83, 0xFF, 0xFF, 0xFF, 0x30, 0x00}},
      {"empty 0x77", {0x77, 0x00}},
      {"ContentInfo short of the 0x77 length", Tlv(0x77, Concat({ci, {0x05, 0x00}}))},
      {"not CMS", Tlv(0x77, Tlv(0x30, Int(1)))},
      {"too large", Concat({{0x77, 0x83, 0x01, 0x00, 0x00}, Bytes(0x10000, 0)})},
  };
  for (const auto& [name, bytes] : hostile) {
    INFO(name);
    auto r = ParseSod(bytes);
    REQUIRE_FALSE(r);
    CHECK(IsParseError(r.error()));
  }
}

TEST_CASE("an EF.SOD of another content type is refused", "[documents][sod]") {
  const auto& w = pki::TheWorld();
  for (const char* oid : {"1.2.840.113549.1.7.1", "2.23.136.1.1.2"}) {
    pki::SignSpec spec;
    spec.econtent_type = oid;
    const Bytes sod = pki::MakeSod(w.dgs(), w.ds, w.ds_key, spec);
    auto r = ParseSod(sod);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("eContentType") != std::string::npos);
  }
  // A ContentInfo that is not SignedData (id-data holding bytes).
  const Bytes data_ci =
      Tlv(0x30, Concat({Tlv(0x06, {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01}),
                        Tlv(0xA0, Tlv(0x04, {1, 2, 3}))}));
  auto r = ParseSod(pki::WrapSod(data_ci));
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("SignedData") != std::string::npos);
}

TEST_CASE("malformed LDS security objects are refused", "[documents][sod]") {
  REQUIRE(ParseLdsSecurityObject(Lds({DgHash(1, 32), DgHash(2, 32)})));
  std::vector<std::pair<const char*, Bytes>> bad = {
      {"duplicate DG", Lds({DgHash(1, 32), DgHash(1, 32)})},
      {"DG 0", Lds({DgHash(0, 32)})},
      {"DG 17", Lds({DgHash(17, 32)})},
      {"negative DG", Lds({Tlv(0x30, Concat({Int(0xFF), Tlv(0x04, Bytes(32, 1))}))})},
      {"hash too short", Lds({DgHash(1, 31)})},
      {"hash too long", Lds({DgHash(1, 64)})},
      {"no data group", Lds({})},
      {"version 2", Lds({DgHash(1, 32)}, Int(2))},
      {"version 1 without ldsVersionInfo", Lds({DgHash(1, 32)}, Int(1))},
      {"non-minimal version", Lds({DgHash(1, 32)}, Tlv(0x02, {0x00, 0x00}))},
      {"unknown hash algorithm", Lds({DgHash(1, 32)}, Int(0), Tlv(0x30, Tlv(0x06, {0x2A, 0x03})))},
      {"non-NULL parameters",
       Lds({DgHash(1, 32)}, Int(0), Tlv(0x30, Concat({Sha256Oid(), Tlv(0x02, {1})})))},
      {"trailing field", Lds({DgHash(1, 32)}, Int(0), Tlv(0x30, Sha256Oid()), Int(5))},
      {"trailing bytes", Concat({Lds({DgHash(1, 32)}), {0x00}})},
      {"extra in a DataGroupHash",
       Lds({Tlv(0x30, Concat({Int(1), Tlv(0x04, Bytes(32, 1)), Int(1)}))})},
      {"not a sequence", Tlv(0x31, {})},
  };
  for (const auto& [name, bytes] : bad) {
    INFO(name);
    auto r = ParseLdsSecurityObject(bytes);
    REQUIRE_FALSE(r);
    CHECK(IsParseError(r.error()));
  }
}

TEST_CASE("DG1 gives the MRZ lines", "[documents][sod][dg1]") {
  const std::string td3 = pki::SpecimenMrz();
  auto r = ParseDg1(pki::Dg1(td3));
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0] == pki::kSpecimenLine1);
  CHECK((*r)[1] == pki::kSpecimenLine2);

  const std::string td1 =
      "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6"
      "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
  auto r1 = ParseDg1(pki::Dg1(td1));
  REQUIRE(r1);
  CHECK(r1->size() == 3);
  CHECK((*r1)[2] == "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
  CHECK(ParseDg1(pki::Dg1(std::string(72, 'A')))->size() == 2);

  std::vector<std::pair<const char*, Bytes>> bad = {
      {"empty", {}},
      {"wrong length", pki::Dg1(td3.substr(0, 87))},
      {"lower case", pki::Dg1("p" + td3.substr(1))},
      {"wrong outer tag", Tlv(0x62, Tlv(0x5F1F, Bytes(td3.begin(), td3.end())))},
      {"wrong inner tag", Tlv(0x61, Tlv(0x5F20, Bytes(td3.begin(), td3.end())))},
      {"trailing", Concat({pki::Dg1(td3), {0}})},
      {"trailing inside", Tlv(0x61, Concat({Tlv(0x5F1F, Bytes(td3.begin(), td3.end())), {0}}))},
      {"hostile length", {0x61, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}},
  };
  for (const auto& [name, bytes] : bad) {
    INFO(name);
    auto e = ParseDg1(bytes);
    REQUIRE_FALSE(e);
    CHECK(IsParseError(e.error()));
    CHECK(e.error().message().find("ERIKSSON") == std::string::npos);
  }
  const Bytes dg1 = pki::Dg1(td3);
  for (std::size_t n = 0; n < dg1.size(); ++n) CHECK_FALSE(ParseDg1(std::span(dg1.data(), n)));
}
