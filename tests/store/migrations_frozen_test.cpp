// Released migrations are never edited. This test pins the SHA-256 of each
// migration's forward and rollback SQL: changing one fails here. Add a new
// migration instead, and append its hashes below.
#include <catch2/catch.hpp>

#include "checkpoint/common/sha256.hpp"
#include "checkpoint/store/migrations.hpp"

using namespace checkpoint;

namespace {
struct Pinned {
  int version;
  const char* up_sha256;
  const char* down_sha256;
};
constexpr Pinned kReleased[] = {
    {1, "73e0647da5cd7c42e6e064d1cdc955a846f3e083ba6efb057ec579ef3c800353",
     "baea376b7c7accdd92411b140d8d4d89ac4939ebc77455f7fcc6bac528cb797d"},
    {2, "c30b7c4ac4e7d99c36c97906fb5825461aab26f9b295fefec7b52a91eb6a9b2a",
     "36f356d2dfdc386c761bd3f185fcb74f75857d0a908f940c41c6d8f8602f2afe"},
    {3, "09569c23fc02f5f57f79332e594b347e4c3f1ffbb9a81a04e52269069e5c7f51",
     "8991ee97c60239e726172038142a638e5ee6fc51f819cfebe683004b5fa54c7f"},
    {4, "bdf453a8b2e1c433a532dc6b7f98c319cf4fcc85021e755df9224d71af04bc8d",
     "d587a2b2305ffd3e58b22578498fbeefa3c63df42101366609603564f35826e4"},
    {5, "873d059fd443b9370516abf22a869564b4aa722313ca402e3121b90cda640e60",
     "8eb8144ca9cfdaf92de9ca2a1bc873c736b0c10354aea83b5ade46dcb4b2040a"},
    {6, "46ff304cee3804af44cdd16b673db78d408388dfba3b870b4fc8c6c8556fd1b4",
     "3898ed32605919734ebf022fc8d81ba040c5b0fe9bb97743426ba26da4585112"},
    {7, "0f2396e32b5537c4112349b7d6ff24c568fd13289d1836afb9dcefbd7fe685fc",
     "059a874ac8a8bca867f0267258baaecc3fc0b75ec57ae41e3bb1d3bdad677765"},
};
}  // namespace

TEST_CASE("released migrations are unchanged", "[store][migrations]") {
  auto migrations = store::ProductMigrations();
  REQUIRE(migrations.size() >= std::size(kReleased));
  for (const auto& p : kReleased) {
    const auto& m = migrations[static_cast<size_t>(p.version) - 1];
    INFO("migration " << p.version << " (" << std::string(m.name) << ")");
    CHECK(common::ToHex(common::Sha256::Of(m.up)) == p.up_sha256);
    CHECK(common::ToHex(common::Sha256::Of(m.down)) == p.down_sha256);
  }
  // Every migration in the product must be pinned here before release.
  CHECK(migrations.size() == std::size(kReleased));
}
