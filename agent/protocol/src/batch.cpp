#include "checkpoint/protocol/batch.hpp"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "checkpoint/common/base64.hpp"
#include "checkpoint/common/parallel.hpp"
#include "checkpoint/common/text.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "json_reader.hpp"

namespace checkpoint::protocol {

namespace {
using nlohmann::json;

std::string Bytes(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A record line: its fields without device_id (in the header) and bounded before
// parsing (the payload, as base64 or as escaped text, plus the fixed fields).
constexpr std::size_t kMaxRecordLine = 6 * kMaxPayloadBytes + 1024;  // \u00XX: 6 per byte
constexpr std::size_t kMaxHeaderLine = 1024;

// The fields of a record line and what each must hold.
enum Field : unsigned {
  kSeq,
  kLane,
  kType,
  kUuid,
  kTime,
  kPrev,
  kPayload,
  kPayloadB64,
  kSig,
  kFields
};
constexpr std::string_view kFieldNames[kFields] = {"seq",  "lane",    "type",        "uuid", "time",
                                                   "prev", "payload", "payload_b64", "sig"};
constexpr bool IsIntField(unsigned f) {
  return f == kSeq || f == kLane || f == kTime;
}

// A record line read by nlohmann-json's SAX interface: no document, no map, no
// per-key allocations; the payload string is moved, not copied. It is exactly as
// strict as the object reader it replaced: one flat object, known keys only, each
// once, integers as integers, strings as strings (nlohmann's lexer refuses invalid
// UTF-8 and bad escapes inside strings, and anything after the object).
class RecordLineSax final : public nlohmann::json_sax<json> {
 public:
  explicit RecordLineSax(const std::string& where) : where_(where) {}

  bool null() override { return Value(kOther); }
  bool boolean(bool) override { return Value(kOther); }
  bool number_integer(std::int64_t v) override { return Int(v); }
  bool number_unsigned(std::uint64_t v) override {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return Value(kOutOfRange);
    }
    return Int(static_cast<std::int64_t>(v));
  }
  bool number_float(double, const std::string&) override { return Value(kOther); }
  bool string(std::string& v) override {
    if (depth_ == 1 && field_ < kFields) strings_[field_] = std::move(v);
    return Value(kString);
  }
  bool binary(json::binary_t&) override { return Value(kOther); }
  bool start_object(std::size_t) override {
    if (depth_ == 0) {
      depth_ = 1;
      return true;
    }
    return Value(kOther);  // a nested object is not a value any field takes
  }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return depth_ == 0 ? NotObject() : Value(kOther); }
  bool end_array() override { return true; }
  bool key(std::string& k) override {
    field_ = kFields;
    for (unsigned f = 0; f < kFields; ++f) {
      if (k == kFieldNames[f]) field_ = f;
    }
    if (field_ == kFields) {
      return Fail(Bad(k.size() > 64 ? k.substr(0, 64) + "..." : k, "unknown key"));
    }
    if (seen_ & (1u << field_)) {
      return Fail(MakeError(ProtocolErrc::kMalformed, where_ + ": duplicate key \"" + k + "\""));
    }
    seen_ |= 1u << field_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    return Fail(MakeError(ProtocolErrc::kMalformed, where_ + ": not JSON: " + e.what()));
  }

  // After a successful parse: the values, checked in the order of the fields.
  bool Has(unsigned f) const { return (seen_ & (1u << f)) != 0; }
  Expected<std::int64_t> Int(unsigned f, std::int64_t min, std::int64_t max) const {
    if (!Has(f)) return Bad(kFieldNames[f], "missing");
    if (kinds_[f] == kOutOfRange) return Bad(kFieldNames[f], "out of range");
    if (kinds_[f] != kInt) return Bad(kFieldNames[f], "not an integer");
    if (ints_[f] < min || ints_[f] > max) {
      return Bad(kFieldNames[f],
                 "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return ints_[f];
  }
  Expected<std::string> String(unsigned f, std::size_t min_bytes, std::size_t max_bytes) {
    if (!Has(f)) return Bad(kFieldNames[f], "missing");
    if (kinds_[f] != kString) return Bad(kFieldNames[f], "not a string");
    if (strings_[f].size() < min_bytes) return Bad(kFieldNames[f], "too short");
    if (strings_[f].size() > max_bytes) {
      return Error(make_error_condition(ProtocolErrc::kTooLarge),
                   where_ + ": \"" + std::string(kFieldNames[f]) + "\": longer than " +
                       std::to_string(max_bytes) + " bytes");
    }
    return std::move(strings_[f]);
  }
  // Canonical base64 only (one encoding per value) of exactly `size` bytes, or of
  // any size up to max_bytes when size is 0.
  Expected<std::string> Base64(unsigned f, std::size_t size, std::size_t max_bytes) {
    const std::size_t limit = size ? size : max_bytes;
    auto text = String(f, 0, (limit + 2) / 3 * 4);
    if (!text) return std::move(text).error();
    auto bytes = common::Base64Decode(*text);
    if (!bytes || common::Base64Encode(*bytes) != *text) {
      return Bad(kFieldNames[f], "not canonical base64");
    }
    if (size && bytes->size() != size) {
      return Bad(kFieldNames[f], "must be " + std::to_string(size) + " bytes, not " +
                                     std::to_string(bytes->size()));
    }
    return std::move(*bytes);
  }
  Error Bad(std::string_view key, std::string_view problem) const {
    return MakeError(ProtocolErrc::kMalformed,
                     where_ + ": \"" + std::string(key) + "\": " + std::string(problem));
  }
  std::optional<Error>& error() { return error_; }

 private:
  enum Kind : std::uint8_t { kNone, kInt, kOutOfRange, kString, kOther };
  bool Int(std::int64_t v) {
    if (depth_ == 1 && field_ < kFields) ints_[field_] = v;
    return Value(kInt);
  }
  bool Value(Kind kind) {
    if (depth_ == 0) return NotObject();
    if (depth_ == 1 && field_ < kFields) {
      kinds_[field_] = kind;
      // A value of the wrong kind ends the line at once (arrays and objects are
      // not walked).
      if (kind == kOther || (kind == kString) == IsIntField(field_)) {
        return Fail(
            Bad(kFieldNames[field_], IsIntField(field_) ? "not an integer" : "not a string"));
      }
      field_ = kFields;
    }
    return true;
  }
  bool NotObject() {
    return Fail(MakeError(ProtocolErrc::kMalformed, where_ + ": not a JSON object"));
  }
  bool Fail(Error e) {
    if (!error_) error_ = std::move(e);
    return false;
  }

  const std::string& where_;
  unsigned depth_ = 0;
  unsigned field_ = kFields;
  unsigned seen_ = 0;
  std::array<Kind, kFields> kinds_{};
  std::array<std::int64_t, kFields> ints_{};
  std::array<std::string, kFields> strings_;
  std::optional<Error> error_;
};

// A line without "prev" (prev_implied set) chains to the record on the line before,
// or for seq 1 to the genesis hash: the caller fills it in, in line order.
Expected<Record> ParseRecordLine(std::string_view line, std::size_t line_no,
                                 const std::string& device, char& prev_implied) {
  const std::string where = "batch line " + std::to_string(line_no);
  if (line.size() > kMaxRecordLine) {
    return MakeError(ProtocolErrc::kTooLarge, where + ": " + std::to_string(line.size()) +
                                                  " bytes, more than " +
                                                  std::to_string(kMaxRecordLine));
  }
  if (auto bad = common::FirstInvalidUtf8(line)) {
    return MakeError(ProtocolErrc::kMalformed,
                     where + ": invalid UTF-8 at byte " + std::to_string(*bad));
  }
  RecordLineSax rd(where);
  bool parsed = false;
  try {
    parsed = json::sax_parse(line.begin(), line.end(), &rd);
  } catch (const json::exception& e) {  // not expected from the SAX parser; be safe
    return MakeError(ProtocolErrc::kMalformed, where + ": not JSON: " + e.what());
  }
  if (!parsed) {
    if (rd.error()) return std::move(*rd.error());
    return MakeError(ProtocolErrc::kMalformed, where + ": not JSON");
  }
  Record r;
  r.device_id = device;
  auto seq = rd.Int(kSeq, 1, kMaxSeq);
  if (!seq) return std::move(seq).error();
  r.seq = *seq;
  auto lane = rd.Int(kLane, 0, 2);
  if (!lane) return std::move(lane).error();
  r.lane = static_cast<int>(*lane);
  auto type = rd.String(kType, 1, kMaxIdLength);
  if (!type) return std::move(type).error();
  r.type = std::move(*type);
  auto uuid = rd.String(kUuid, 0, kMaxUuidLength);
  if (!uuid) return std::move(uuid).error();
  r.uuid = std::move(*uuid);
  auto time = rd.Int(kTime, 0, std::numeric_limits<std::int64_t>::max());
  if (!time) return std::move(time).error();
  r.device_time_ms = *time;
  if (rd.Has(kPrev)) {
    auto prev = rd.Base64(kPrev, r.prev.size(), r.prev.size());
    if (!prev) return std::move(prev).error();
    std::memcpy(r.prev.data(), prev->data(), r.prev.size());
  } else {
    prev_implied = 1;  // the hash of the record on the line before, filled in later
  }
  // The payload as text when it is UTF-8 (it compresses far better than base64),
  // else as base64; exactly one of the two.
  if (rd.Has(kPayload) == rd.Has(kPayloadB64)) {
    return rd.Bad("payload", "exactly one of \"payload\" and \"payload_b64\" is required");
  }
  auto payload = rd.Has(kPayload) ? rd.String(kPayload, 0, kMaxPayloadBytes)
                                  : rd.Base64(kPayloadB64, 0, kMaxPayloadBytes);
  if (!payload) return std::move(payload).error();
  r.payload = std::move(*payload);
  auto sig = rd.Base64(kSig, r.sig.size(), r.sig.size());
  if (!sig) return std::move(sig).error();
  std::memcpy(r.sig.data(), sig->data(), r.sig.size());
  if (auto s = ValidateRecord(r); !s) return std::move(s).error().WithContext(where);
  return r;
}
}  // namespace

std::string BatchJsonLines(const Batch& batch) {
  std::string out;
  json header = {
      {"v", kBatchVersion}, {"device", batch.device_id}, {"count", batch.records.size()}};
  out += header.dump(-1, ' ', false, json::error_handler_t::replace);
  out += '\n';
  // Record lines are written directly (nlohmann builds a map per line and copies
  // the payload twice): the same JSON, a few microseconds a record less.
  out.reserve(out.size() + batch.records.size() * 160 + [&] {
    std::size_t payload = 0;
    for (const Record& r : batch.records) payload += r.payload.size() + r.payload.size() / 8;
    return payload;
  }());
  auto number = [&out](std::int64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
  };
  const Record* before = nullptr;
  for (const Record& r : batch.records) {
    out += "{\"seq\":";
    number(r.seq);
    out += ",\"lane\":";
    number(r.lane);
    out += ",\"type\":";
    common::AppendJsonString(out, r.type);
    out += ",\"uuid\":";
    common::AppendJsonString(out, r.uuid);
    out += ",\"time\":";
    number(r.device_time_ms);
    // "prev" is left out when the receiver can compute it: 32 incompressible bytes
    // fewer per record of a run of consecutive sequence numbers.
    const bool implied = (before && before->seq == r.seq - 1 && RecordHash(*before) == r.prev) ||
                         (!before && r.seq == 1 && r.prev == kGenesisHash);
    if (!implied) {
      out += ",\"prev\":\"";
      out += common::Base64Encode(Bytes(r.prev));
      out += '"';
    }
    out += ",\"sig\":\"";
    out += common::Base64Encode(Bytes(r.sig));
    out += '"';
    // The payload as text when it is UTF-8 (it compresses far better than base64).
    // Invalid UTF-8 in the other string fields becomes U+FFFD here, and the receiver
    // (or ValidateRecord before sending) refuses the record.
    if (common::FirstInvalidUtf8(r.payload)) {
      out += ",\"payload_b64\":\"";
      out += common::Base64Encode(r.payload);
      out += '"';
    } else {
      out += ",\"payload\":";
      common::AppendJsonString(out, r.payload);
    }
    out += "}\n";
    before = &r;
  }
  return out;
}

std::string_view BatchContentType(BatchCodec codec) noexcept {
  return codec == BatchCodec::kZstd ? kBatchContentTypeZstd : kBatchContentTypeZlib;
}

std::optional<BatchCodec> BatchCodecOf(std::string_view content_type) noexcept {
  std::string_view v = content_type.substr(0, content_type.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  for (BatchCodec codec : {BatchCodec::kZstd, BatchCodec::kZlib}) {
    const std::string_view want = BatchContentType(codec);
    if (v.size() != want.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < v.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(v[i])) == want[i];
    }
    if (same) return codec;
  }
  return std::nullopt;
}

Expected<std::string> EncodeBatch(const Batch& batch, BatchCodec codec, int level) {
  return Compress(BatchJsonLines(batch), codec, level);
}

Expected<Batch> ParseBatchJsonLines(std::string_view text, const BatchLimits& limits,
                                    unsigned threads) {
  if (text.size() > limits.max_decompressed_bytes) {
    return MakeError(ProtocolErrc::kTooLarge, "batch larger than the limit");
  }
  std::size_t pos = 0;
  std::size_t line_no = 0;
  auto next_line = [&](std::string_view& line) -> bool {
    if (pos >= text.size()) return false;
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      line = text.substr(pos);
      pos = text.size() + 1;  // marks "no newline at the end"
    } else {
      line = text.substr(pos, nl - pos);
      pos = nl + 1;
    }
    ++line_no;
    return true;
  };
  std::string_view line;
  if (!next_line(line)) return MakeError(ProtocolErrc::kMalformed, "empty batch");
  auto hj = detail::ParseJsonObject(line, kMaxHeaderLine, 1, "batch header");
  if (!hj) return std::move(hj).error();
  detail::ObjectReader hr(*hj, "batch header");
  auto version = hr.Int("v", 0, std::numeric_limits<std::int64_t>::max());
  if (!version) return std::move(version).error();
  if (*version != kBatchVersion) {
    return MakeError(ProtocolErrc::kUnsupportedVersion,
                     "batch version " + std::to_string(*version) + " (this side speaks " +
                         std::to_string(kBatchVersion) + ")");
  }
  auto device = hr.String("device", 1, kMaxIdLength);
  if (!device) return std::move(device).error();
  if (!IsIdentifier(*device)) return hr.Bad("device", "not an identifier");
  auto count = hr.Int("count", 0, static_cast<std::int64_t>(limits.max_records));
  if (!count) {
    if (hr.Has("count") && hr.Raw("count")->is_number_integer()) {
      return MakeError(ProtocolErrc::kTooLarge, count.error().message());
    }
    return std::move(count).error();
  }
  if (auto s = hr.Finish(); !s) return std::move(s).error();

  // The record lines are split first, then parsed on `threads` threads (no line
  // depends on another for that); the implied hashes are filled in afterwards in line
  // order, since each is the hash of the record before, whose own prev must be known.
  const auto wanted = static_cast<std::size_t>(*count);
  const std::size_t first_line_no = line_no + 1;
  std::vector<std::string_view> lines;
  lines.reserve(wanted);
  while (next_line(line)) {
    if (lines.size() == wanted) {
      return MakeError(ProtocolErrc::kMalformed,
                       "batch line " + std::to_string(line_no) + ": more records than count");
    }
    lines.push_back(line);
  }
  // Every line ends with '\n': a missing final newline means the text was cut.
  if (pos != text.size()) return MakeError(ProtocolErrc::kMalformed, "batch truncated");
  if (lines.size() != wanted) {
    return MakeError(ProtocolErrc::kMalformed, "batch truncated: " + std::to_string(lines.size()) +
                                                   " of " + std::to_string(wanted) + " records");
  }
  std::vector<std::optional<Expected<Record>>> parsed(lines.size());
  std::vector<char> implied(lines.size(), 0);
  const std::string& dev = *device;
  common::ParallelFor(lines.size(), 64, threads, [&](std::size_t i) {
    parsed[i].emplace(ParseRecordLine(lines[i], first_line_no + i, dev, implied[i]));
  });
  Batch batch;
  batch.device_id = std::move(*device);
  batch.records.reserve(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    Expected<Record>& r = *parsed[i];
    if (!r) return std::move(r).error();
    if (implied[i]) {
      if (!batch.records.empty() && batch.records.back().seq == r->seq - 1) {
        r->prev = RecordHash(batch.records.back());
      } else if (r->seq != 1) {
        return MakeError(ProtocolErrc::kMalformed,
                         "batch line " + std::to_string(first_line_no + i) +
                             ": \"prev\": missing (only implied after the record seq-1 or for "
                             "seq 1)");
      }
    }
    batch.records.push_back(std::move(*r));
  }
  return batch;
}

Expected<Batch> DecodeBatch(std::string_view body, BatchCodec codec, const BatchLimits& limits,
                            unsigned threads) {
  if (body.size() > limits.max_compressed_bytes) {
    return MakeError(ProtocolErrc::kTooLarge, "batch body larger than the limit");
  }
  auto text = Decompress(body, codec, limits.max_decompressed_bytes);
  if (!text) return std::move(text).error();
  return ParseBatchJsonLines(*text, limits, threads);
}

namespace {

Expected<std::string> ZlibCompress(std::string_view data, int level) {
  uLongf bound = compressBound(static_cast<uLong>(data.size()));
  std::string out(bound, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()),
                level) != Z_OK) {
    return MakeError(ProtocolErrc::kCrypto, "zlib compression failed");
  }
  out.resize(bound);
  return out;
}

Expected<std::string> ZlibDecompress(std::string_view data, std::size_t max_output) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return MakeError(ProtocolErrc::kCrypto, "zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      if (rc == Z_BUF_ERROR)
        return MakeError(ProtocolErrc::kMalformed, "compressed data truncated");
      return MakeError(ProtocolErrc::kMalformed, "not zlib data");
    }
    const std::size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_output) {
      inflateEnd(&zs);
      return MakeError(ProtocolErrc::kTooLarge,
                       "decompressed data larger than " + std::to_string(max_output) + " bytes");
    }
    out.append(chunk, produced);
  }
  const bool trailing = zs.avail_in != 0;
  inflateEnd(&zs);
  if (trailing) return MakeError(ProtocolErrc::kMalformed, "bytes after the compressed data");
  return out;
}

struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};
// A frame whose window is larger than this is refused before memory is spent on it.
constexpr int kZstdWindowLogMax = 23;  // 8 MiB

Expected<std::string> ZstdCompress(std::string_view data, int level) {
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return MakeError(ProtocolErrc::kCrypto, "zstd: out of memory");
  // One frame with its content size (the receiver reserves exactly that) and its
  // checksum (4 bytes a batch: a corrupted body is refused as such, as with zlib's
  // Adler-32, rather than parsed into records that then fail their signatures).
  // The window stays at the level's default (2^19 at level 1 for a batch of 2 MiB),
  // under the receiver's limit: levels above 9 are not the agent's business.
  if (level > 9 ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1))) {
    return MakeError(ProtocolErrc::kCrypto, "zstd: bad compression level");
  }
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n =
      ZSTD_compress2(cctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) {
    return MakeError(ProtocolErrc::kCrypto,
                     std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Expected<std::string> ZstdDecompress(std::string_view data, std::size_t max_output) {
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return MakeError(ProtocolErrc::kCrypto, "zstd: out of memory");
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, kZstdWindowLogMax);
  std::string out;
  // The declared size is only a hint to reserve (bounded by the limit); the output
  // is checked as it grows, whatever the header says.
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return MakeError(ProtocolErrc::kMalformed, "not zstd data");
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (declared > max_output) {
      return MakeError(ProtocolErrc::kTooLarge,
                       "decompressed data larger than " + std::to_string(max_output) + " bytes");
    }
    out.reserve(static_cast<std::size_t>(declared));
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  char chunk[65536];
  std::size_t rc = 1;
  while (rc != 0) {
    ZSTD_outBuffer o{chunk, sizeof chunk, 0};
    rc = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
        return MakeError(ProtocolErrc::kTooLarge, "zstd window larger than 8 MiB");
      }
      return MakeError(ProtocolErrc::kMalformed,
                       std::string("not zstd data: ") + ZSTD_getErrorName(rc));
    }
    if (out.size() + o.pos > max_output) {
      return MakeError(ProtocolErrc::kTooLarge,
                       "decompressed data larger than " + std::to_string(max_output) + " bytes");
    }
    out.append(chunk, o.pos);
    // The frame is not finished, all input is consumed and nothing more came out:
    // the body was cut.
    if (rc != 0 && in.pos == in.size && o.pos < o.size) {
      return MakeError(ProtocolErrc::kMalformed, "compressed data truncated");
    }
  }
  if (in.pos != in.size) {
    return MakeError(ProtocolErrc::kMalformed, "bytes after the compressed data");
  }
  return out;
}

}  // namespace

Expected<std::string> Compress(std::string_view data, BatchCodec codec, int level) {
  if (codec == BatchCodec::kZstd) return ZstdCompress(data, level == 0 ? kZstdLevel : level);
  return ZlibCompress(data, level == 0 ? kZlibLevel : level);
}

Expected<std::string> Decompress(std::string_view data, BatchCodec codec, std::size_t max_output) {
  if (codec == BatchCodec::kZstd) return ZstdDecompress(data, max_output);
  return ZlibDecompress(data, max_output);
}

}  // namespace checkpoint::protocol
