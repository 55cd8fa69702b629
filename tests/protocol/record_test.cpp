#include "checkpoint/protocol/record.hpp"

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
