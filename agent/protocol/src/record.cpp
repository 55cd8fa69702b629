#include "checkpoint/protocol/record.hpp"

#include "checkpoint/common/text.hpp"
#include "checkpoint/protocol/errors.hpp"

namespace checkpoint::protocol {

namespace {
constexpr std::string_view kDomainTag = "checkpoint.record.v1";

void PutU64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutField(std::string& out, std::string_view s) {
  PutU64(out, s.size());
  out.append(s);
}
Error Invalid(const Record& r, std::string_view what) {
  return MakeError(ProtocolErrc::kMalformed,
                   "record " + std::to_string(r.seq) + ": " + std::string(what));
}
}  // namespace

bool IsIdentifier(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ValidateRecord(const Record& r) {
  if (!IsIdentifier(r.device_id)) return Invalid(r, "device_id is not an identifier");
  if (r.seq < 1 || r.seq > kMaxSeq) return Invalid(r, "seq out of range");
  if (r.lane < 0 || r.lane > 2) return Invalid(r, "lane out of range");
  if (!IsIdentifier(r.type)) return Invalid(r, "type is not an identifier");
  if (r.uuid.size() > kMaxUuidLength) return Invalid(r, "uuid too long");
  for (char c : r.uuid) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return Invalid(r, "uuid must be printable ASCII");
    }
  }
  if (r.device_time_ms < 0) return Invalid(r, "device_time_ms is negative");
  if (r.payload.size() > kMaxPayloadBytes) {
    return MakeError(ProtocolErrc::kTooLarge,
                     "record " + std::to_string(r.seq) + ": payload too large");
  }
  if (r.seq == 1 && r.prev != kGenesisHash) return Invalid(r, "seq 1 must chain to zero");
  return {};
}

std::string CanonicalBytes(const Record& r) {
  std::string out;
  out.reserve(kDomainTag.size() + 8 * 8 + r.device_id.size() + r.type.size() + r.uuid.size() +
              r.prev.size() + r.payload.size());
  out.append(kDomainTag);
  PutField(out, r.device_id);
  PutU64(out, static_cast<std::uint64_t>(r.seq));
  PutU64(out, static_cast<std::uint64_t>(r.lane));
  PutField(out, r.type);
  PutField(out, r.uuid);
  PutU64(out, static_cast<std::uint64_t>(r.device_time_ms));
  PutField(out, std::string_view(reinterpret_cast<const char*>(r.prev.data()), r.prev.size()));
  PutField(out, r.payload);
  return out;
}

Hash RecordHash(const Record& r) {
  return common::Sha256::Of(CanonicalBytes(r));
}

void SignRecord(Record& r, const DeviceKey& key) {
  r.sig = key.Sign(CanonicalBytes(r));
}

Status VerifyRecord(const Record& r, const PublicKey& key) {
  if (!Verify(key, CanonicalBytes(r), r.sig)) {
    return MakeError(ProtocolErrc::kBadSignature,
                     "record " + std::to_string(r.seq) + ": signature does not verify");
  }
  return {};
}

}  // namespace checkpoint::protocol
