// The update image: format, signature against pinned keys, policy, hostile input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "checkpoint/update/errors.hpp"
#include "update_fixture.hpp"

namespace checkpoint::update {
namespace {

using namespace testing;
using checkpoint::testing::TempDir;

std::vector<PublicKey> Pinned(std::initializer_list<const TestKey*> keys) {
  std::string pem;
  for (const auto* k : keys) pem += k->public_pem;
  return Must(ParsePublicKeysPem(pem));
}

Expected<ImageHeader> VerifyBytes(const std::string& image, const std::vector<PublicKey>& pinned) {
  TempDir dir;
  WriteFile(dir / "image.bin", image);
  return VerifyImageFile(dir / "image.bin", pinned);
}

// A container around `manifest` as given (unsigned: zero key and signature), for
// hostile manifests that BuildImage would not produce.
std::string WithManifest(const std::string& manifest, const std::string& tail) {
  std::string out(kImageMagic);
  const auto n = static_cast<std::uint32_t>(manifest.size());
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out += manifest;
  out += std::string(96, '\0');
  out += tail;
  return out;
}

}  // namespace

TEST_CASE("an image round-trips: manifest, offsets, signature and hashes verify", "[update]") {
  const TestKey key = MakeKey();
  const std::string image = MakeImage(key, 7, "arm64");
  auto h = Must(VerifyBytes(image, Pinned({&key})));
  CHECK(h.manifest.version == 7);
  CHECK(h.manifest.hardware == "arm64");
  CHECK_FALSE(h.manifest.allow_downgrade);
  REQUIRE(h.manifest.files.size() == 3);
  CHECK(h.manifest.files[0].name == "checkpointd");
  const auto files = SampleFiles(7);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = h.manifest.files[i];
    CHECK(image.substr(f.offset, f.size) == files[i].second);
  }
  CHECK(h.image_size == image.size());
}

TEST_CASE("signing keys: rotation by a pinned list, foreign and tampered images refused",
          "[update]") {
  const TestKey old_key = MakeKey();
  const TestKey new_key = MakeKey();
  const std::string by_old = MakeImage(old_key, 2);
  const std::string by_new = MakeImage(new_key, 3);
  SECTION("both pinned during a rotation: both verify") {
    CHECK(VerifyBytes(by_old, Pinned({&old_key, &new_key})));
    CHECK(VerifyBytes(by_new, Pinned({&old_key, &new_key})));
  }
  SECTION("the old key dropped: its images are refused") {
    auto r = VerifyBytes(by_old, Pinned({&new_key}));
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kBadSignature));
    CHECK_THAT(r.error().message(), Catch::Contains("not pinned"));
  }
  SECTION("a manifest byte changed: the signature does not verify") {
    std::string bad = by_new;
    const auto at = bad.find("\"version\":3");
    REQUIRE(at != std::string::npos);
    bad[at + 10] = '9';
    auto r = VerifyBytes(bad, Pinned({&new_key}));
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kBadSignature));
  }
  SECTION("a signature byte changed or zeroed") {
    auto h = Must(ParseImageHeader(by_new, by_new.size()));
    const std::size_t sig_at = kImageMagic.size() + 4 + h.manifest_text.size() + 32;
    std::string flipped = by_new;
    flipped[sig_at + 5] = static_cast<char>(flipped[sig_at + 5] ^ 1);
    CHECK(VerifyBytes(flipped, Pinned({&new_key})).error().Is(UpdateErrc::kBadSignature));
    std::string zero = by_new;
    std::fill_n(zero.begin() + static_cast<std::ptrdiff_t>(sig_at), 64, '\0');
    CHECK(VerifyBytes(zero, Pinned({&new_key})).error().Is(UpdateErrc::kBadSignature));
  }
  SECTION("a payload byte changed: the file's SHA-256 does not match") {
    std::string bad = by_new;
    bad[bad.size() - 100] = static_cast<char>(bad[bad.size() - 100] ^ 0x20);
    auto r = VerifyBytes(bad, Pinned({&new_key}));
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kBadImage));
    CHECK_THAT(r.error().message(),
               Catch::Contains("checkpoint-sync") || Catch::Contains("checkpointd"));
  }
}

TEST_CASE("every truncation and any extra byte is refused", "[update]") {
  const TestKey key = MakeKey();
  const std::string image = MakeImage(key, 1, "amd64", false, {{"a", "0123456789"}, {"b", "xy"}});
  for (std::size_t n = 0; n < image.size(); ++n) {
    const std::string cut = image.substr(0, n);
    INFO("length " << n);
    CHECK_FALSE(ParseImageHeader(cut, cut.size()));
  }
  CHECK(ParseImageHeader(image, image.size()));
  CHECK_FALSE(ParseImageHeader(image + "!", image.size() + 1));
  CHECK_FALSE(VerifyBytes(image + "!", Pinned({&key})));
  CHECK_FALSE(ParseImageHeader("CPUPDT2\n" + image.substr(8), image.size()));
  // A header longer than the image it claims to be.
  CHECK_FALSE(ParseImageHeader(image, image.size() - 1));
}

TEST_CASE("hostile manifests are refused with the reason", "[update]") {
  const std::string h64(64, 'a');
  auto file = [&](const std::string& name, const std::string& extra = "") {
    return R"({"name":")" + name + R"(","size":0,"sha256":")" + h64 + "\"" + extra + "}";
  };
  auto manifest = [&](const std::string& files, const std::string& patch = "") {
    return R"({"format":1,"version":2,"hardware":"amd64","created_ms":0,"allow_downgrade":false,)" +
           patch + R"("files":[)" + files + "]}";
  };
  CHECK(ParseUpdateManifest(manifest(file("checkpointd"))));
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"not JSON", "{"},
      {"not an object", "[1]"},
      {"unknown key", manifest(file("x"), R"("shell":"rm -rf /",)")},
      {"duplicate key", manifest(file("x"), R"("version":3,)")},
      {"path in a name", manifest(file("../etc/passwd"))},
      {"slash in a name", manifest(file("bin/sh"))},
      {"hidden name", manifest(file(".profile"))},
      {"reserved name", manifest(file("slot.json"))},
      {"name listed twice", manifest(file("x") + "," + file("x"))},
      {"unknown file key", manifest(file("x", R"(,"mode":4095)"))},
      {"uppercase hex",
       manifest(R"({"name":"x","size":0,"sha256":")" + std::string(64, 'A') + "\"}")},
      {"short hash", manifest(R"({"name":"x","size":0,"sha256":"abcd"})")},
      {"negative size", manifest(R"({"name":"x","size":-1,"sha256":")" + h64 + "\"}")},
      {"huge size",
       manifest(R"({"name":"x","size":18446744073709551615,"sha256":")" + h64 + "\"}")},
      {"no files", manifest("")},
      {"deep nesting", manifest(file("x"), R"("created":[[[[1]]]],)")},
  };
  for (const auto& [what, text] : hostile) {
    INFO(what);
    auto r = ParseUpdateManifest(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().Is(UpdateErrc::kBadImage));
  }
  std::string many;
  for (std::size_t i = 0; i <= kMaxFiles; ++i)
    many += (i ? "," : "") + file("f" + std::to_string(i));
  CHECK_FALSE(ParseUpdateManifest(manifest(many)));
  auto top = [&](const std::string& key, const std::string& value) {
    auto j = nlohmann::json::parse(manifest(file("x")));
    j[key] = nlohmann::json::parse(value);
    return j.dump();
  };
  CHECK_FALSE(ParseUpdateManifest(top("format", "2")));
  CHECK_FALSE(ParseUpdateManifest(top("version", "0")));
  CHECK_FALSE(ParseUpdateManifest(top("version", "9007199254740992")));
  CHECK_FALSE(ParseUpdateManifest(top("version", "2.5")));
  CHECK_FALSE(ParseUpdateManifest(top("allow_downgrade", "1")));
  CHECK_FALSE(ParseUpdateManifest(top("hardware", "\"amd64/../x\"")));
  CHECK_FALSE(ParseUpdateManifest(top("hardware", "\"\"")));
  CHECK_FALSE(ParseUpdateManifest(std::string(kMaxManifestBytes + 1, ' ')));
  // The same refusals arrive through the container, before any signature check.
  const std::string img = WithManifest(manifest(file("../x")), "");
  auto r = ParseImageHeader(img, img.size());
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message(), Catch::Contains("plain file name"));
}

TEST_CASE("policy: the box's hardware, no downgrade unless signed as one", "[update]") {
  UpdateManifest m;
  m.version = 5;
  m.hardware = "arm64";
  CHECK(CheckPolicy(m, {.hardware = "arm64", .floor = 4}));
  CHECK(CheckPolicy(m, {.hardware = "amd64", .floor = 4}).error().Is(UpdateErrc::kWrongHardware));
  CHECK(CheckPolicy(m, {.hardware = "arm64", .floor = 5}).error().Is(UpdateErrc::kDowngrade));
  CHECK(CheckPolicy(m, {.hardware = "arm64", .floor = 9}).error().Is(UpdateErrc::kDowngrade));
  m.allow_downgrade = true;
  CHECK(CheckPolicy(m, {.hardware = "arm64", .floor = 9}));
  CHECK(CheckPolicy(m, {.hardware = "amd64", .floor = 1}).error().Is(UpdateErrc::kWrongHardware));
}

TEST_CASE("the pinned key list takes only Ed25519 public keys", "[update]") {
  const TestKey a = MakeKey();
  const TestKey b = MakeKey();
  CHECK(Must(ParsePublicKeysPem(a.public_pem + b.public_pem)).size() == 2);
  CHECK(ParsePublicKeysPem(PublicKeyPem(Must(ParsePublicKeysPem(a.public_pem))[0])));
  CHECK_FALSE(ParsePublicKeysPem(""));
  CHECK_FALSE(ParsePublicKeysPem("garbage"));
  CHECK_FALSE(ParsePublicKeysPem(a.private_pem));  // a private key is not a pin
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> ec(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_PUBKEY(bio.get(), ec.get()) == 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  CHECK_FALSE(ParsePublicKeysPem(a.public_pem + std::string(data, static_cast<std::size_t>(n))));
  CHECK(KeyId(Must(ParsePublicKeysPem(a.public_pem))[0]).size() == 16);
}

}  // namespace checkpoint::update
