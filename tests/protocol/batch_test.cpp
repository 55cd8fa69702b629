#include "checkpoint/protocol/batch.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "checkpoint/protocol/errors.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

namespace {
Batch SampleBatch(int n) {
  auto key = DeviceKey::Generate();
  Batch b;
  b.device_id = "CP-T1";
  Hash prev = kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    Record r;
    r.device_id = b.device_id;
    r.seq = i;
    r.lane = i % 3;
    r.type = "inspection";
    r.uuid = "uuid-" + std::to_string(i);
    r.device_time_ms = 1'700'000'000'000 + i;
    r.prev = prev;
    r.payload = std::string("{\"n\":") + std::to_string(i) + ",\"bin\":\"\x01\xff\"}";
    SignRecord(r, *key);
    prev = RecordHash(r);
    b.records.push_back(std::move(r));
  }
  return b;
}

// A record line with one field replaced by `value` (raw JSON).
std::string WithField(const std::string& key, const std::string& value) {
  std::string text = BatchJsonLines(SampleBatch(1));
  const std::size_t line2 = text.find('\n') + 1;
  const std::size_t k = text.find("\"" + key + "\":", line2);
  REQUIRE(k != std::string::npos);
  const std::size_t start = k + key.size() + 3;
  std::size_t end = start;
  if (text[start] == '"') {
    end = text.find('"', start + 1) + 1;
  } else {
    while (text[end] != ',' && text[end] != '}') ++end;
  }
  return text.substr(0, start) + value + text.substr(end);
}

ProtocolErrc KindOf(const Expected<Batch>& b) {
  REQUIRE_FALSE(b);
  REQUIRE(b.error().code().category() == ProtocolCategory());
  CHECK_FALSE(b.error().message().empty());
  return static_cast<ProtocolErrc>(b.error().code().value());
}
}  // namespace

TEST_CASE("a batch survives encoding and decoding unchanged", "[protocol][batch]") {
  const BatchCodec codec = GENERATE(BatchCodec::kZstd, BatchCodec::kZlib);
  const Batch b = SampleBatch(50);
  auto body = EncodeBatch(b, codec);
  REQUIRE(body);
  CHECK(body->size() < BatchJsonLines(b).size());
  auto back = DecodeBatch(*body, codec);
  REQUIRE(back);
  CHECK(*back == b);
  auto empty = DecodeBatch(*EncodeBatch(Batch{"CP-T1", {}}, codec), codec);
  REQUIRE(empty);
  CHECK(empty->records.empty());
  // One codec's body is garbage to the other.
  const BatchCodec other = codec == BatchCodec::kZstd ? BatchCodec::kZlib : BatchCodec::kZstd;
  CHECK(KindOf(DecodeBatch(*body, other)) == ProtocolErrc::kMalformed);
}

TEST_CASE("the content type names the codec", "[protocol][batch]") {
  CHECK(kBatchContentType == "application/vnd.checkpoint.batch+zstd");
  CHECK(BatchCodecOf("application/vnd.checkpoint.batch+zstd") == BatchCodec::kZstd);
  CHECK(BatchCodecOf("Application/VND.checkpoint.batch+ZSTD; charset=x") == BatchCodec::kZstd);
  CHECK(BatchCodecOf("application/vnd.checkpoint.batch+zlib ") == BatchCodec::kZlib);
  CHECK(BatchContentType(BatchCodec::kZlib) == "application/vnd.checkpoint.batch+zlib");
  CHECK_FALSE(BatchCodecOf(""));
  CHECK_FALSE(BatchCodecOf("application/json"));
  CHECK_FALSE(BatchCodecOf("application/vnd.checkpoint.batch+zstdx"));
  CHECK_FALSE(BatchCodecOf("application/vnd.checkpoint.batch"));
}

TEST_CASE("text payloads travel as text and implied hashes are left out", "[protocol][batch]") {
  auto key = DeviceKey::Generate();
  Batch b{"CP-T1", {}};
  Hash prev = kGenesisHash;
  for (int i = 1; i <= 3; ++i) {
    Record r{"CP-T1", i, 1, "inspection", "u", 5, prev, R"({"level":"clear","name":"Жанна"})", {}};
    SignRecord(r, *key);
    prev = RecordHash(r);
    b.records.push_back(r);
  }
  // Record 3 first (as the priority lane sends): its prev must travel, and so must
  // seq 1's after it (genesis is implied only on the first line); seq 2's is implied.
  std::rotate(b.records.begin(), b.records.begin() + 2, b.records.end());
  REQUIRE(b.records[0].seq == 3);
  const std::string text = BatchJsonLines(b);
  CHECK(text.find("payload_b64") == std::string::npos);
  CHECK(text.find("clear") != std::string::npos);
  std::size_t prevs = 0;
  for (auto p = text.find("\"prev\""); p != std::string::npos; p = text.find("\"prev\"", p + 1)) {
    ++prevs;
  }
  CHECK(prevs == 2);
  auto back = ParseBatchJsonLines(text);
  REQUIRE(back);
  CHECK(*back == b);
  for (const Record& r : back->records) CHECK(VerifyRecord(r, key->Public()));
}

TEST_CASE("garbage and truncation are refused with a clear error", "[protocol][batch]") {
  const BatchCodec codec = GENERATE(BatchCodec::kZstd, BatchCodec::kZlib);
  const Batch b = SampleBatch(5);
  const std::string body = *EncodeBatch(b, codec);
  CHECK(KindOf(DecodeBatch("", codec)) == ProtocolErrc::kMalformed);
  CHECK(KindOf(DecodeBatch("hello, HQ", codec)) == ProtocolErrc::kMalformed);
  for (std::size_t keep : {std::size_t{1}, body.size() / 2, body.size() - 1}) {
    auto cut = DecodeBatch(body.substr(0, keep), codec);
    CHECK(KindOf(cut) == ProtocolErrc::kMalformed);
  }
  auto cut = DecodeBatch(body.substr(0, body.size() / 2), codec);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message().find("truncated") != std::string::npos);
  CHECK(KindOf(DecodeBatch(body + "x", codec)) == ProtocolErrc::kMalformed);
  // Two frames (or streams) back to back are not one batch.
  CHECK(KindOf(DecodeBatch(body + body, codec)) == ProtocolErrc::kMalformed);
  // A flipped byte inside the compressed data never yields a different batch.
  for (std::size_t at = 0; at < body.size(); at += 7) {
    std::string bad = body;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    auto r = DecodeBatch(bad, codec);
    if (r) CHECK(*r == b);
  }

  const std::string text = BatchJsonLines(b);
  // Lines cut off, a missing final newline, fewer or more records than announced.
  CHECK(KindOf(ParseBatchJsonLines(text.substr(0, text.size() - 1))) == ProtocolErrc::kMalformed);
  const std::size_t last = text.rfind('\n', text.size() - 2);
  CHECK(KindOf(ParseBatchJsonLines(text.substr(0, last + 1))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(text + text.substr(text.find('\n') + 1))) ==
        ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines("\n")) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines("[1,2]\n")) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(std::string(100, '[') + "\n")) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines("{\"v\":1,\"device\":\"CP\xff\",\"count\":0}\n")) ==
        ProtocolErrc::kMalformed);
}

TEST_CASE("sizes are bounded before memory is spent", "[protocol][batch]") {
  const BatchCodec codec = GENERATE(BatchCodec::kZstd, BatchCodec::kZlib);
  // A compression bomb: 64 MiB of zeros in a few kilobytes.
  const std::string bomb = *Compress(std::string(64u << 20, '\0'), codec);
  CHECK(bomb.size() < 100'000);
  auto r = DecodeBatch(bomb, codec);
  CHECK(KindOf(r) == ProtocolErrc::kTooLarge);
  BatchLimits small;
  small.max_compressed_bytes = 10;
  CHECK(KindOf(DecodeBatch(*EncodeBatch(SampleBatch(2), codec), codec, small)) ==
        ProtocolErrc::kTooLarge);
  CHECK(KindOf(ParseBatchJsonLines("{\"v\":1,\"device\":\"CP\",\"count\":10001}\n")) ==
        ProtocolErrc::kTooLarge);
  CHECK(KindOf(ParseBatchJsonLines("{\"v\":2,\"device\":\"CP\",\"count\":0}\n")) ==
        ProtocolErrc::kUnsupportedVersion);
}

TEST_CASE("a zstd frame that lies about its size or asks for a huge window is refused",
          "[protocol][batch]") {
  const std::string text = BatchJsonLines(SampleBatch(3));
  std::string body = *Compress(text, BatchCodec::kZstd);
  // The frame header declares the content size; a body whose header says more than
  // the limit is refused before anything is inflated.
  BatchLimits tight;
  tight.max_decompressed_bytes = text.size() - 1;
  CHECK(KindOf(DecodeBatch(body, BatchCodec::kZstd, tight)) == ProtocolErrc::kTooLarge);
  // A frame header asking for a 2 GiB window (Window_Descriptor exponent 21: 2^31),
  // with no content size, single segment off: refused, not allocated.
  const std::string huge_window = std::string("\x28\xb5\x2f\xfd", 4) + '\x00' + '\xa8' + "xxxx";
  auto w = DecodeBatch(huge_window, BatchCodec::kZstd);
  REQUIRE_FALSE(w);
  CHECK(KindOf(w) == ProtocolErrc::kTooLarge);
}

TEST_CASE("every record field has its exact type and range", "[protocol][batch]") {
  CHECK(ParseBatchJsonLines(WithField("seq", "1")));
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "0"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "-1"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "1.0"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "\"1\""))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "18446744073709551615"))) ==
        ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "1e300"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("lane", "3"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("type", "\"a b\""))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("time", "-5"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "1,\"prev\":\"AAAA\""))) ==
        ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("payload_b64", "\"@@@@\""))) ==
        ProtocolErrc::kMalformed);
  // Base64 only in its canonical form (no stray whitespace or non-zero pad bits).
  CHECK(KindOf(ParseBatchJsonLines(WithField("payload_b64", "\"QR==\""))) ==
        ProtocolErrc::kMalformed);
  // Exactly one of payload and payload_b64.
  CHECK(KindOf(ParseBatchJsonLines(WithField("payload_b64", "\"QQ==\",\"payload\":\"A\""))) ==
        ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "1,\"payload_b64\":null"))) ==
        ProtocolErrc::kMalformed);
  // "prev" may be left out only after the record seq-1 or for seq 1.
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "2"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("sig", "null"))) == ProtocolErrc::kMalformed);
  auto unknown = ParseBatchJsonLines(WithField("seq", "1,\"extra\":true"));
  CHECK(KindOf(unknown) == ProtocolErrc::kMalformed);
  CHECK(unknown.error().message().find("extra") != std::string::npos);
  auto dup = ParseBatchJsonLines(WithField("seq", "1,\"seq\":2"));
  CHECK_FALSE(dup);  // duplicate keys are not silently merged into something else
  CHECK(KindOf(dup) == ProtocolErrc::kMalformed);
  // Nested values, and lines that are not one object.
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", "{\"a\":1}"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("type", "[\"inspection\"]"))) ==
        ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("uuid", "true"))) == ProtocolErrc::kMalformed);
  CHECK(KindOf(ParseBatchJsonLines(WithField("seq", std::string(5000, '[')))) ==
        ProtocolErrc::kMalformed);
  const std::string header = "{\"v\":1,\"device\":\"CP-T1\",\"count\":1}\n";
  for (const char* line : {"[1]\n", "5\n", "\"x\"\n", "{}{}\n", "{\"seq\":1\n", "{\"seq\":1}x\n",
                           "{\"seq\" 1}\n", "\n"}) {
    INFO(line);
    CHECK(KindOf(ParseBatchJsonLines(header + line)) == ProtocolErrc::kMalformed);
  }
  // A hostile, very long unknown key is named, but not in full.
  auto longkey = ParseBatchJsonLines(WithField("seq", "1,\"" + std::string(100'000, 'k') + "\":1"));
  CHECK(KindOf(longkey) == ProtocolErrc::kMalformed);
  CHECK(longkey.error().message().size() < 300);
}

TEST_CASE("text payloads with every escape survive the wire byte for byte", "[protocol][batch]") {
  auto key = DeviceKey::Generate();
  Batch b{"CP-T1", {}};
  Hash prev = kGenesisHash;
  std::string all_controls;
  for (char c = 0; c < 0x20; ++c) all_controls += c;
  for (const std::string& payload :
       {std::string("{\"q\":\"\\\"quoted\\\" \\\\ back\"}"), all_controls + "\x7f",
        std::string("Жанна Шевченко — 🚚 ✓"), std::string(), std::string(70'000, '"')}) {
    Record r{"CP-T1", static_cast<std::int64_t>(b.records.size()) + 1,
             1,       "inspection",
             "u",     5,
             prev,    payload,
             {}};
    SignRecord(r, *key);
    prev = RecordHash(r);
    b.records.push_back(r);
  }
  const std::string text = BatchJsonLines(b);
  CHECK(text.find("payload_b64") == std::string::npos);
  for (const BatchCodec codec : {BatchCodec::kZstd, BatchCodec::kZlib}) {
    auto back = DecodeBatch(*EncodeBatch(b, codec), codec);
    REQUIRE(back);
    CHECK(*back == b);
    for (const Record& r : back->records) CHECK(VerifyRecord(r, key->Public()));
  }
}

TEST_CASE("record lines parsed on several threads give the same batch and the same error",
          "[protocol][batch]") {
  const Batch b = SampleBatch(300);
  const std::string text = BatchJsonLines(b);
  for (unsigned threads : {0u, 1u, 2u, 7u}) {
    INFO(threads);
    auto back = ParseBatchJsonLines(text, {}, threads);
    REQUIRE(back);
    CHECK(*back == b);
  }
  // Line 200 (record 199) damaged, and line 250's implied hash broken by a gap: the
  // first fault in line order is the one named, whatever the threads.
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  auto with = [&](std::size_t at, const std::string& line) {
    std::string t;
    for (std::size_t i = 0; i < lines.size(); ++i) t += (i == at ? line : lines[i]) + "\n";
    return t;
  };
  const std::string broken = with(200, "{\"seq\":");
  const std::string gap = with(250, lines[250].substr(0, lines[250].find(',')) == "{\"seq\":250"
                                        ? "{\"seq\":999" + lines[250].substr(lines[250].find(','))
                                        : lines[250]);
  for (unsigned threads : {1u, 4u}) {
    auto e = ParseBatchJsonLines(broken, {}, threads);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("batch line 201") != std::string::npos);
    auto g = ParseBatchJsonLines(gap, {}, threads);
    REQUIRE_FALSE(g);
    CHECK(g.error().message().find("batch line 251") != std::string::npos);
    CHECK(g.error().message().find("prev") != std::string::npos);
  }
}
