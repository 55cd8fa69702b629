#pragma once
// A batch of one device's records on the wire: JSON lines (a header line, then one
// line per record), compressed with zlib (RFC 1950). See docs/protocol.md.
//
// Decoding is strict and bounded: every size is checked before memory is spent on
// it, decompression stops at the limit, every key is known and every value has its
// exact type and range; garbage, truncation and hostile values give a
// ProtocolCategory error naming the line and the field.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::protocol {

inline constexpr int kBatchVersion = 1;
inline constexpr std::string_view kBatchContentType = "application/vnd.checkpoint.batch+zlib";

struct BatchLimits {
  std::size_t max_compressed_bytes = 8u << 20;
  std::size_t max_decompressed_bytes = 32u << 20;
  std::size_t max_records = 10'000;
};

struct Batch {
  std::string device_id;
  std::vector<Record> records;  // all of device_id

  bool operator==(const Batch&) const = default;
};

// The uncompressed JSON lines of a batch (records as given; not validated).
std::string BatchJsonLines(const Batch& batch);
// zlib's level for batches: 6 (zlib's default) takes about three times the CPU of
// level 3 for a tenth fewer bytes; the uplink may be a thin link, so bytes win
// (bench/sync_bench prints the table).
inline constexpr int kBatchCompressionLevel = 6;
Expected<std::string> EncodeBatch(const Batch& batch, int level = kBatchCompressionLevel);
Expected<Batch> DecodeBatch(std::string_view body, const BatchLimits& limits = {});
// Parses uncompressed JSON lines (DecodeBatch after decompression).
Expected<Batch> ParseBatchJsonLines(std::string_view text, const BatchLimits& limits = {});

// zlib (RFC 1950). Decompress refuses output beyond max_output, truncated streams
// and bytes after the end of the stream.
Expected<std::string> Compress(std::string_view data, int level = 6);
Expected<std::string> Decompress(std::string_view data, std::size_t max_output);

}  // namespace checkpoint::protocol
