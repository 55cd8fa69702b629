#include "checkpoint/protocol/batch.hpp"

#include <zlib.h>

#include <cstring>

#include "checkpoint/common/base64.hpp"
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

// `before` is the record on the line before, if any: a line without "prev" chains
// to it (or, for seq 1, to the genesis hash).
Expected<Record> ParseRecordLine(std::string_view line, std::size_t line_no,
                                 const std::string& device, const Record* before) {
  const std::string where = "batch line " + std::to_string(line_no);
  auto j = detail::ParseJsonObject(line, kMaxRecordLine, 2, where);
  if (!j) return std::move(j).error();
  detail::ObjectReader rd(*j, where);
  Record r;
  r.device_id = device;
  auto seq = rd.Int("seq", 1, kMaxSeq);
  if (!seq) return std::move(seq).error();
  r.seq = *seq;
  auto lane = rd.Int("lane", 0, 2);
  if (!lane) return std::move(lane).error();
  r.lane = static_cast<int>(*lane);
  auto type = rd.String("type", 1, kMaxIdLength);
  if (!type) return std::move(type).error();
  r.type = std::move(*type);
  auto uuid = rd.String("uuid", 0, kMaxUuidLength);
  if (!uuid) return std::move(uuid).error();
  r.uuid = std::move(*uuid);
  auto time = rd.Int("time", 0, std::numeric_limits<std::int64_t>::max());
  if (!time) return std::move(time).error();
  r.device_time_ms = *time;
  if (rd.Has("prev")) {
    auto prev = rd.Base64("prev", r.prev.size(), r.prev.size());
    if (!prev) return std::move(prev).error();
    std::memcpy(r.prev.data(), prev->data(), r.prev.size());
  } else if (before && before->seq == r.seq - 1) {
    r.prev = RecordHash(*before);
  } else if (r.seq != 1) {
    return rd.Bad("prev", "missing (only implied after the record seq-1 or for seq 1)");
  }
  // The payload as text when it is UTF-8 (it compresses far better than base64),
  // else as base64; exactly one of the two.
  if (rd.Has("payload") == rd.Has("payload_b64")) {
    return rd.Bad("payload", "exactly one of \"payload\" and \"payload_b64\" is required");
  }
  auto payload = rd.Has("payload") ? rd.String("payload", 0, kMaxPayloadBytes)
                                   : rd.Base64("payload_b64", 0, kMaxPayloadBytes);
  if (!payload) return std::move(payload).error();
  r.payload = std::move(*payload);
  auto sig = rd.Base64("sig", r.sig.size(), r.sig.size());
  if (!sig) return std::move(sig).error();
  std::memcpy(r.sig.data(), sig->data(), r.sig.size());
  if (auto s = rd.Finish(); !s) return std::move(s).error();
  if (auto s = ValidateRecord(r); !s) return std::move(s).error().WithContext(where);
  return r;
}
}  // namespace

std::string BatchJsonLines(const Batch& batch) {
  std::string out;
  json header = {
      {"v", kBatchVersion}, {"device", batch.device_id}, {"count", batch.records.size()}};
  out += header.dump();
  out += '\n';
  const Record* before = nullptr;
  for (const Record& r : batch.records) {
    json line = {
        {"seq", r.seq},   {"lane", r.lane},           {"type", r.type},
        {"uuid", r.uuid}, {"time", r.device_time_ms}, {"sig", common::Base64Encode(Bytes(r.sig))}};
    // "prev" is left out when the receiver can compute it: 32 incompressible bytes
    // fewer per record of a run of consecutive sequence numbers.
    const bool implied = (before && before->seq == r.seq - 1 && RecordHash(*before) == r.prev) ||
                         (!before && r.seq == 1 && r.prev == kGenesisHash);
    if (!implied) line["prev"] = common::Base64Encode(Bytes(r.prev));
    if (common::FirstInvalidUtf8(r.payload)) {
      line["payload_b64"] = common::Base64Encode(r.payload);
    } else {
      line["payload"] = r.payload;
    }
    before = &r;
    // Invalid UTF-8 in a string field must not throw here: replace it, and the
    // receiver (or ValidateRecord before sending) refuses the record.
    out += line.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

Expected<std::string> EncodeBatch(const Batch& batch, int level) {
  return Compress(BatchJsonLines(batch), level);
}

Expected<Batch> ParseBatchJsonLines(std::string_view text, const BatchLimits& limits) {
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

  Batch batch;
  batch.device_id = std::move(*device);
  batch.records.reserve(static_cast<std::size_t>(*count));
  while (next_line(line)) {
    if (batch.records.size() == static_cast<std::size_t>(*count)) {
      return MakeError(ProtocolErrc::kMalformed,
                       "batch line " + std::to_string(line_no) + ": more records than count");
    }
    auto r = ParseRecordLine(line, line_no, batch.device_id,
                             batch.records.empty() ? nullptr : &batch.records.back());
    if (!r) return std::move(r).error();
    batch.records.push_back(std::move(*r));
  }
  // Every line ends with '\n': a missing final newline means the text was cut.
  if (pos != text.size()) return MakeError(ProtocolErrc::kMalformed, "batch truncated");
  if (batch.records.size() != static_cast<std::size_t>(*count)) {
    return MakeError(ProtocolErrc::kMalformed,
                     "batch truncated: " + std::to_string(batch.records.size()) + " of " +
                         std::to_string(*count) + " records");
  }
  return batch;
}

Expected<Batch> DecodeBatch(std::string_view body, const BatchLimits& limits) {
  if (body.size() > limits.max_compressed_bytes) {
    return MakeError(ProtocolErrc::kTooLarge, "batch body larger than the limit");
  }
  auto text = Decompress(body, limits.max_decompressed_bytes);
  if (!text) return std::move(text).error();
  return ParseBatchJsonLines(*text, limits);
}

Expected<std::string> Compress(std::string_view data, int level) {
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

Expected<std::string> Decompress(std::string_view data, std::size_t max_output) {
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

}  // namespace checkpoint::protocol
