#include "checkpoint/common/sha256.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/common/random.hpp"

using namespace checkpoint::common;

TEST_CASE("SHA-256 matches FIPS 180-2 vectors", "[common][sha256]") {
  CHECK(ToHex(Sha256::Of("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256::Of("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update(std::string_view("a")).Update(std::string_view("bc"));
  CHECK(ToHex(h.Final()) == ToHex(Sha256::Of("abc")));
  // Reusable after Final.
  CHECK(ToHex(h.Update(std::string_view("abc")).Final()) == ToHex(Sha256::Of("abc")));
}

TEST_CASE("length-prefixed fields do not collide when concatenated", "[common][sha256]") {
  auto a = Sha256().UpdateField("ab").UpdateField("c").Final();
  auto b = Sha256().UpdateField("a").UpdateField("bc").Final();
  CHECK(a != b);
}

TEST_CASE("hex decoding rejects malformed input", "[common][hex]") {
  std::string out;
  CHECK(FromHex("00ffAb", out));
  CHECK(out == std::string("\x00\xff\xab", 3));
  CHECK_FALSE(FromHex("abc", out));
  CHECK_FALSE(FromHex("zz", out));
}

TEST_CASE("UUIDs are version 4 and distinct", "[common][uuid]") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto u = NewUuid();
    REQUIRE(u.size() == 36);
    CHECK(u[14] == '4');
    CHECK((u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b'));
    seen.insert(u);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("base64 round-trips and rejects malformed text", "[common][base64]") {
  CHECK(checkpoint::common::Base64Encode("") == "");
  CHECK(checkpoint::common::Base64Encode("f") == "Zg==");
  CHECK(checkpoint::common::Base64Encode("foobar") == "Zm9vYmFy");
  std::string bin("\x00\xff\x10\x80", 4);
  CHECK(checkpoint::common::Base64Decode(checkpoint::common::Base64Encode(bin)) == bin);
  CHECK(checkpoint::common::Base64Decode("Zg==") == std::string("f"));
  CHECK_FALSE(checkpoint::common::Base64Decode("Zg="));
  CHECK_FALSE(checkpoint::common::Base64Decode("Z!=="));
}
