#include "checkpoint/protocol/bundle.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/common/ed25519_pem.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "checkpoint/protocol/record.hpp"
#include "json_reader.hpp"

namespace checkpoint::protocol {

namespace {
using nlohmann::json;
constexpr std::string_view kTag = "checkpoint.bundle.v1";
constexpr std::size_t kMaxListed = 1024;

void PutU64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutField(std::string& out, std::string_view bytes) {
  PutU64(out, bytes.size());
  out.append(bytes);
}
template <std::size_t N>
std::string_view AsText(const std::array<std::uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}
template <std::size_t N>
void CopyBytes(const std::string& from, std::array<std::uint8_t, N>& to) {
  std::memcpy(to.data(), from.data(), N);  // the reader checked the size
}

Status ReadManifest(detail::ObjectReader& rd, BundleManifest& m) {
  auto kind = rd.String("kind", 1, 32);
  if (!kind) return std::move(kind).error();
  if (!IsBundleKind(*kind)) return rd.Bad("kind", "not a known bundle kind");
  m.kind = std::move(*kind);
  auto version = rd.Int("version", 1, kMaxSeq);
  if (!version) return std::move(version).error();
  m.version = *version;
  auto created = rd.Int("created", 0, kMaxSeq);
  if (!created) return std::move(created).error();
  m.created_ms = *created;
  auto name = rd.String("name", 1, kMaxBundleName);
  if (!name) return std::move(name).error();
  if (!IsBundleName(*name)) return rd.Bad("name", "not a plain file name");
  m.name = std::move(*name);
  // The size is read as any non-negative integer first, so that a huge size is
  // named as too large rather than as malformed.
  auto size = rd.Int("size", 0, std::numeric_limits<std::int64_t>::max());
  if (!size) return std::move(size).error();
  if (*size > kMaxBundleBytes) {
    return MakeError(ProtocolErrc::kTooLarge,
                     "bundle manifest: \"size\": " + std::to_string(*size) + " bytes, more than " +
                         std::to_string(kMaxBundleBytes));
  }
  m.size = *size;
  auto digest = rd.Digest("sha256");
  if (!digest) return std::move(digest).error();
  m.sha256 = *digest;
  auto optional_int = [&rd](std::string_view key, std::int64_t min,
                            std::optional<std::int64_t>& out) -> Status {
    if (!rd.Has(key)) return {};
    auto v = rd.Int(key, min, kMaxSeq);
    if (!v) return std::move(v).error();
    out = *v;
    return {};
  };
  if (auto s = optional_int("not_before", 1, m.not_before_ms); !s) return s;
  if (auto s = optional_int("expires", 1, m.expires_ms); !s) return s;
  if (auto s = optional_int("base", 1, m.base_version); !s) return s;
  auto key = rd.Base64("key", 32, 32);
  if (!key) return std::move(key).error();
  CopyBytes(*key, m.key);
  auto sig = rd.Base64("sig", 64, 64);
  if (!sig) return std::move(sig).error();
  CopyBytes(*sig, m.sig);
  if (auto s = rd.Finish(); !s) return s;
  return ValidateBundleManifest(m);
}

json ManifestJson(const BundleManifest& m) {
  json j = {{"kind", m.kind}, {"version", m.version}, {"created", m.created_ms},
            {"name", m.name}, {"size", m.size},       {"sha256", common::ToHex(m.sha256)}};
  if (m.not_before_ms) j["not_before"] = *m.not_before_ms;
  if (m.expires_ms) j["expires"] = *m.expires_ms;
  if (m.base_version) j["base"] = *m.base_version;
  j["key"] = common::Base64Encode(AsText(m.key));
  j["sig"] = common::Base64Encode(AsText(m.sig));
  return j;
}

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
}  // namespace

bool IsBundleKind(std::string_view kind) noexcept {
  return std::find(std::begin(kBundleKinds), std::end(kBundleKinds), kind) !=
         std::end(kBundleKinds);
}

bool IsBundleName(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxBundleName || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string BundleCanonicalBytes(const BundleManifest& m) {
  std::string out(kTag);
  PutField(out, m.kind);
  PutU64(out, static_cast<std::uint64_t>(m.version));
  PutU64(out, static_cast<std::uint64_t>(m.created_ms));
  PutField(out, m.name);
  PutU64(out, static_cast<std::uint64_t>(m.size));
  PutField(out, AsText(m.sha256));
  PutU64(out, static_cast<std::uint64_t>(m.not_before_ms.value_or(0)));
  PutU64(out, static_cast<std::uint64_t>(m.expires_ms.value_or(0)));
  PutU64(out, static_cast<std::uint64_t>(m.base_version.value_or(0)));
  PutField(out, AsText(m.key));
  return out;
}

Status ValidateBundleManifest(const BundleManifest& m) {
  auto bad = [](std::string what) {
    return MakeError(ProtocolErrc::kMalformed, "bundle manifest: " + std::move(what));
  };
  if (!IsBundleKind(m.kind)) return bad("unknown kind");
  if (m.version < 1 || m.version > kMaxSeq) return bad("version out of range");
  if (m.created_ms < 0 || m.created_ms > kMaxSeq) return bad("created out of range");
  if (!IsBundleName(m.name)) return bad("name is not a plain file name");
  if (m.size < 0) return bad("negative size");
  if (m.size > kMaxBundleBytes) {
    return MakeError(ProtocolErrc::kTooLarge, "bundle manifest: payload larger than " +
                                                  std::to_string(kMaxBundleBytes) + " bytes");
  }
  for (const auto& t : {m.not_before_ms, m.expires_ms}) {
    if (t && (*t < 1 || *t > kMaxSeq)) return bad("time out of range");
  }
  if (m.not_before_ms && m.expires_ms && *m.expires_ms <= *m.not_before_ms) {
    return bad("expires before not_before");
  }
  if (m.base_version) {
    if (m.kind != "watchlist") return bad("only a watchlist delta has a base version");
    if (*m.base_version < 1 || *m.base_version >= m.version) {
      return bad("the base version must be below the version");
    }
  }
  return {};
}

Status SignBundleManifest(BundleManifest& m, const DeviceKey& key) {
  if (auto s = ValidateBundleManifest(m); !s) return s;
  m.key = key.Public();
  m.sig = key.Sign(BundleCanonicalBytes(m));
  return {};
}

Status VerifyBundleManifest(const BundleManifest& m, const std::vector<PublicKey>& pinned) {
  if (std::find(pinned.begin(), pinned.end(), m.key) == pinned.end()) {
    return MakeError(ProtocolErrc::kBadSignature,
                     "bundle " + m.kind + " v" + std::to_string(m.version) + ": signed by key " +
                         KeyId(m.key) + ", which is not pinned");
  }
  if (!Verify(m.key, BundleCanonicalBytes(m), m.sig)) {
    return MakeError(ProtocolErrc::kBadSignature, "bundle " + m.kind + " v" +
                                                      std::to_string(m.version) +
                                                      ": the manifest signature does not verify");
  }
  return {};
}

std::string ToJson(const BundleManifest& m) {
  return Dump(ManifestJson(m));
}

Expected<BundleManifest> ParseBundleManifest(std::string_view text) {
  auto j = detail::ParseJsonObject(text, kMaxManifestBytes, 2, "bundle manifest");
  if (!j) return std::move(j).error();
  detail::ObjectReader rd(*j, "bundle manifest");
  BundleManifest m;
  if (auto s = ReadManifest(rd, m); !s) return std::move(s).error();
  return m;
}

std::string ToJson(const BundleList& m) {
  json list = json::array();
  for (const auto& b : m.bundles) list.push_back(ManifestJson(b));
  return Dump({{"bundles", list}, {"hq_time_ms", m.hq_time_ms}});
}

Expected<BundleList> ParseBundleList(std::string_view text) {
  auto j = detail::ParseJsonObject(text, kMaxBundleListBytes, 3, "bundle list");
  if (!j) return std::move(j).error();
  detail::ObjectReader rd(*j, "bundle list");
  BundleList out;
  const json* list = rd.Raw("bundles");
  if (!list) return rd.Bad("bundles", "missing");
  if (!list->is_array()) return rd.Bad("bundles", "not an array");
  if (list->size() > kMaxListed) {
    return MakeError(ProtocolErrc::kTooLarge,
                     "bundle list: more than " + std::to_string(kMaxListed) + " bundles");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    const std::string where = "bundle list: bundles[" + std::to_string(i) + "]";
    if (!item.is_object()) return rd.Bad("bundles", "an entry is not an object");
    detail::ObjectReader one(item, where);
    BundleManifest m;
    if (auto s = ReadManifest(one, m); !s) return std::move(s).error();
    out.bundles.push_back(std::move(m));
  }
  auto t = rd.Int("hq_time_ms", 0, kMaxSeq);
  if (!t) return std::move(t).error();
  out.hq_time_ms = *t;
  if (auto s = rd.Finish(); !s) return std::move(s).error();
  return out;
}

Expected<std::vector<PublicKey>> ParsePublicKeysPem(std::string_view pem) {
  auto keys = common::ParseEd25519PublicKeysPem(pem);
  if (!keys) {
    return MakeError(keys.error().Is(CommonErrc::kInvalidArgument) ? ProtocolErrc::kBadKey
                                                                   : ProtocolErrc::kCrypto,
                     keys.error().message());
  }
  return std::move(*keys);
}

std::string PublicKeyPem(const PublicKey& key) {
  return common::Ed25519PublicKeyPem(key);
}

std::string KeyId(const PublicKey& key) {
  return common::Ed25519KeyId(key);
}

}  // namespace checkpoint::protocol
