#pragma once
// A batch of one device's records on the wire: JSON lines (a header line, then one
// line per record), compressed with Zstandard (RFC 8878; what the agent sends) or
// zlib (RFC 1950; still accepted). The content type names the codec. See
// docs/protocol.md.
//
// Decoding is strict and bounded: every size is checked before memory is spent on
// it, decompression stops at the limit, every key is known and every value has its
// exact type and range; garbage, truncation and hostile values give a
// ProtocolCategory error naming the line and the field.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/protocol/record.hpp"

namespace checkpoint::protocol {

inline constexpr int kBatchVersion = 1;

// How a batch's JSON lines are compressed. Zstandard at level 1 gives fewer bytes
// than zlib at level 6 for a fifth of the CPU on typical records, and inflates
// three times faster (bench/sync_bench prints the table); zlib stays accepted.
enum class BatchCodec { kZstd, kZlib };
inline constexpr std::string_view kBatchContentTypeZstd = "application/vnd.checkpoint.batch+zstd";
inline constexpr std::string_view kBatchContentTypeZlib = "application/vnd.checkpoint.batch+zlib";
// What the agent sends.
inline constexpr BatchCodec kBatchCodec = BatchCodec::kZstd;
inline constexpr std::string_view kBatchContentType = kBatchContentTypeZstd;
std::string_view BatchContentType(BatchCodec codec) noexcept;
// The codec a Content-Type names (media type only, case-insensitive, parameters
// ignored); nullopt for anything else.
std::optional<BatchCodec> BatchCodecOf(std::string_view content_type) noexcept;
// Levels: Zstandard 1 (its fastest regular level is also its smallest on these
// lines), zlib 6 (zlib's default).
inline constexpr int kZstdLevel = 1;
inline constexpr int kZlibLevel = 6;

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
// level 0: the codec's level above.
Expected<std::string> EncodeBatch(const Batch& batch, BatchCodec codec = kBatchCodec,
                                  int level = 0);
// `threads` parse the record lines (0: one per core); the result is the same.
Expected<Batch> DecodeBatch(std::string_view body, BatchCodec codec, const BatchLimits& limits = {},
                            unsigned threads = 1);
// Parses uncompressed JSON lines (DecodeBatch after decompression).
Expected<Batch> ParseBatchJsonLines(std::string_view text, const BatchLimits& limits = {},
                                    unsigned threads = 1);

// Compression of one whole body (level 0: the codec's level above). Decompress takes
// exactly one zlib stream or one Zstandard frame and refuses output beyond
// max_output, truncated input, bytes after the end, and (Zstandard) a window above
// 8 MiB, so a hostile frame cannot make HQ allocate more than the limits.
Expected<std::string> Compress(std::string_view data, BatchCodec codec, int level = 0);
Expected<std::string> Decompress(std::string_view data, BatchCodec codec, std::size_t max_output);

}  // namespace checkpoint::protocol
