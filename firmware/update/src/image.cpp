#include "checkpoint/update/image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint/update/errors.hpp"
#include "file_io.hpp"
#include "signature.hpp"

namespace checkpoint::update {

namespace {

using nlohmann::json;
constexpr std::int64_t kMaxInt = (std::int64_t{1} << 53) - 1;  // exact in every JSON reader

Error Bad(std::string what) {
  return MakeError(UpdateErrc::kBadImage, "update manifest: " + std::move(what));
}

bool IsPlainName(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// Parses JSON refusing duplicate keys and nesting deeper than `max_depth`.
Expected<json> ParseStrict(std::string_view text, std::size_t max_depth) {
  std::vector<std::set<std::string>> keys;
  bool refused = false;
  std::string why;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    if (static_cast<std::size_t>(depth) > max_depth) {
      refused = true;
      why = "nested too deeply";
    }
    if (ev == json::parse_event_t::object_start) keys.emplace_back();
    if (ev == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (ev == json::parse_event_t::key && !keys.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second) {
      refused = true;
      why = "duplicate key " + parsed.get<std::string>();
    }
    return !refused;
  };
  json j = json::parse(text.begin(), text.end(), cb, false);
  if (refused) return Bad(why);
  if (j.is_discarded()) return Bad("not valid JSON");
  if (!j.is_object()) return Bad("not a JSON object");
  return j;
}

Status ExactKeys(const json& o, std::initializer_list<std::string_view> names,
                 std::string_view where) {
  for (const auto& [k, v] : o.items()) {
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return Bad(std::string(where) + ": unknown key " + k);
    }
  }
  for (auto n : names) {
    if (!o.contains(n)) return Bad(std::string(where) + ": missing " + std::string(n));
  }
  return {};
}

Expected<std::int64_t> Int(const json& o, const char* key, std::int64_t lo, std::int64_t hi) {
  const json& v = o.at(key);
  if (!v.is_number_integer()) return Bad(std::string(key) + " is not an integer");
  // Unsigned values above int64 arrive as number_unsigned; compare without overflow.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    return Bad(std::string(key) + " out of range");
  }
  const auto n = v.get<std::int64_t>();
  if (n < lo || n > hi) return Bad(std::string(key) + " out of range");
  return n;
}

std::uint32_t BigEndian32(std::string_view b) {
  return (std::uint32_t{static_cast<std::uint8_t>(b[0])} << 24) |
         (std::uint32_t{static_cast<std::uint8_t>(b[1])} << 16) |
         (std::uint32_t{static_cast<std::uint8_t>(b[2])} << 8) |
         std::uint32_t{static_cast<std::uint8_t>(b[3])};
}

std::string SignedBytes(std::string_view manifest_text) {
  std::string m(kSignatureContext);
  m += manifest_text;
  return m;
}

}  // namespace

Expected<UpdateManifest> ParseUpdateManifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) return Bad("larger than 64 KiB");
  auto parsed = ParseStrict(text, 3);
  if (!parsed) return std::move(parsed).error();
  const json& j = *parsed;
  if (auto s =
          ExactKeys(j, {"format", "version", "hardware", "created_ms", "allow_downgrade", "files"},
                    "manifest");
      !s) {
    return std::move(s).error();
  }
  UpdateManifest m;
  auto format = Int(j, "format", 1, 1);
  if (!format) return Bad("format must be 1");
  auto version = Int(j, "version", 1, kMaxInt);
  if (!version) return std::move(version).error();
  m.version = *version;
  auto created = Int(j, "created_ms", 0, kMaxInt);
  if (!created) return std::move(created).error();
  m.created_ms = *created;
  if (!j["hardware"].is_string() || !IsPlainName(j["hardware"].get<std::string>(), 32)) {
    return Bad("hardware is not a plain identifier");
  }
  m.hardware = j["hardware"].get<std::string>();
  if (!j["allow_downgrade"].is_boolean()) return Bad("allow_downgrade is not a boolean");
  m.allow_downgrade = j["allow_downgrade"].get<bool>();
  const json& files = j["files"];
  if (!files.is_array() || files.empty() || files.size() > kMaxFiles) {
    return Bad("files must be an array of 1 to " + std::to_string(kMaxFiles) + " entries");
  }
  std::set<std::string> names;
  std::uint64_t total = 0;
  for (const json& f : files) {
    if (!f.is_object()) return Bad("a file entry is not an object");
    if (auto s = ExactKeys(f, {"name", "size", "sha256"}, "file"); !s) return std::move(s).error();
    PayloadFile p;
    if (!f["name"].is_string() || !IsPlainName(f["name"].get<std::string>(), 64) ||
        f["name"].get<std::string>() == "slot.json") {
      return Bad("a file name is not a plain file name");
    }
    p.name = f["name"].get<std::string>();
    if (!names.insert(p.name).second) return Bad("file " + p.name + " listed twice");
    auto size = Int(f, "size", 0, static_cast<std::int64_t>(kMaxImageBytes));
    if (!size) return std::move(size).error();
    p.size = static_cast<std::uint64_t>(*size);
    total += p.size;
    if (total > kMaxImageBytes) return Bad("files larger than 1 GiB together");
    const json& h = f["sha256"];
    const std::string hex = h.is_string() ? h.get<std::string>() : std::string();
    std::string raw;
    const bool lower_hex = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                           });
    if (!lower_hex || !common::FromHex(hex, raw)) {
      return Bad("file " + p.name + ": sha256 is not 64 lowercase hex digits");
    }
    std::copy(raw.begin(), raw.end(), p.sha256.begin());
    m.files.push_back(std::move(p));
  }
  return m;
}

std::string UpdateManifestJson(const UpdateManifest& m) {
  json files = json::array();
  for (const auto& f : m.files) {
    files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", common::ToHex(f.sha256)}});
  }
  return json{{"format", 1},
              {"version", m.version},
              {"hardware", m.hardware},
              {"created_ms", m.created_ms},
              {"allow_downgrade", m.allow_downgrade},
              {"files", files}}
      .dump();
}

Expected<ImageHeader> ParseImageHeader(std::string_view head, std::uint64_t image_size) {
  auto bad = [](std::string what) {
    return MakeError(UpdateErrc::kBadImage, "update image: " + std::move(what));
  };
  if (image_size > kMaxImageBytes + kMaxHeaderBytes) return bad("larger than 1 GiB");
  if (head.size() > image_size) return bad("more bytes than the image size");
  if (head.size() < kImageMagic.size() + 4 || head.substr(0, kImageMagic.size()) != kImageMagic) {
    return bad("not an update image (format tag CPUPDT1)");
  }
  const std::uint32_t mlen = BigEndian32(head.substr(kImageMagic.size(), 4));
  if (mlen == 0 || mlen > kMaxManifestBytes) return bad("manifest length out of range");
  const std::size_t key_at = kImageMagic.size() + 4 + mlen;
  const std::size_t files_at = key_at + 32 + 64;
  if (head.size() < files_at) return bad("truncated header");
  ImageHeader h;
  h.manifest_text = std::string(head.substr(kImageMagic.size() + 4, mlen));
  std::copy_n(head.begin() + static_cast<std::ptrdiff_t>(key_at), 32, h.key.begin());
  std::copy_n(head.begin() + static_cast<std::ptrdiff_t>(key_at + 32), 64, h.sig.begin());
  auto m = ParseUpdateManifest(h.manifest_text);
  if (!m) return std::move(m).error();
  h.manifest = std::move(*m);
  std::uint64_t at = files_at;
  for (auto& f : h.manifest.files) {
    f.offset = at;
    at += f.size;
  }
  if (at != image_size) {
    return bad("is " + std::to_string(image_size) + " bytes, its manifest says " +
               std::to_string(at));
  }
  h.image_size = image_size;
  return h;
}

Status VerifyImageSignature(const ImageHeader& h, const std::vector<PublicKey>& pinned) {
  if (std::find(pinned.begin(), pinned.end(), h.key) == pinned.end()) {
    return MakeError(UpdateErrc::kBadSignature,
                     "update image v" + std::to_string(h.manifest.version) + ": signed by key " +
                         KeyId(h.key) + ", which is not pinned");
  }
  if (!detail::Ed25519Verify(h.key, SignedBytes(h.manifest_text), h.sig)) {
    return MakeError(UpdateErrc::kBadSignature, "update image v" +
                                                    std::to_string(h.manifest.version) +
                                                    ": the manifest signature does not verify");
  }
  return {};
}

Expected<ImageHeader> VerifyImageFile(const std::filesystem::path& image,
                                      const std::vector<PublicKey>& pinned) {
  const detail::Fd fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoError("cannot open update image " + image.string(), errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("cannot stat " + image.string(), errno);
  if (!S_ISREG(st.st_mode)) {
    return MakeError(UpdateErrc::kBadImage, image.string() + " is not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(size, kMaxHeaderBytes)), '\0');
  if (auto s = detail::ReadExactly(fd.get(), 0, head.data(), head.size()); !s) {
    return std::move(s).error().WithContext(image.string());
  }
  auto h = ParseImageHeader(head, size);
  if (!h) return std::move(h).error().WithContext(image.string());
  if (auto s = VerifyImageSignature(*h, pinned); !s) return std::move(s).error();
  for (const auto& f : h->manifest.files) {
    if (auto s = detail::StreamChecked(fd.get(), f, [](std::string_view) { return Status(); });
        !s) {
      return std::move(s).error().WithContext("update image v" +
                                              std::to_string(h->manifest.version));
    }
  }
  return h;
}

Status CheckPolicy(const UpdateManifest& m, const Policy& policy) {
  if (m.hardware != policy.hardware) {
    return MakeError(UpdateErrc::kWrongHardware, "update image v" + std::to_string(m.version) +
                                                     " is for " + m.hardware + ", this box is " +
                                                     policy.hardware);
  }
  if (m.version <= policy.floor && !m.allow_downgrade) {
    return MakeError(UpdateErrc::kDowngrade, "update image v" + std::to_string(m.version) +
                                                 " is not above v" + std::to_string(policy.floor) +
                                                 " and is not signed as a downgrade");
  }
  return {};
}

Expected<std::string> BuildImage(const UpdateManifest& meta,
                                 const std::vector<std::pair<std::string, std::string>>& files,
                                 std::string_view private_key_pem) {
  UpdateManifest m = meta;
  m.files.clear();
  for (const auto& [name, bytes] : files) {
    m.files.push_back({.name = name, .size = bytes.size(), .sha256 = common::Sha256::Of(bytes)});
  }
  std::string text = UpdateManifestJson(m);
  if (auto check = ParseUpdateManifest(text); !check) return std::move(check).error();
  auto s = detail::Ed25519Sign(private_key_pem, SignedBytes(text));
  if (!s) return std::move(s).error();
  std::string out(kImageMagic);
  const auto n = static_cast<std::uint32_t>(text.size());
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((n >> shift) & 0xff));
  out += text;
  out.append(reinterpret_cast<const char*>(s->key.data()), s->key.size());
  out.append(reinterpret_cast<const char*>(s->sig.data()), s->sig.size());
  for (const auto& f : files) out += f.second;
  return out;
}

std::string ThisHardware() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  const std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m.starts_with("armv7")) return "armhf";
  return m;
}

}  // namespace checkpoint::update
