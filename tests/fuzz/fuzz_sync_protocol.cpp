// Any bytes as a sync protocol message. The first byte chooses the parser: a
// compressed batch, uncompressed batch JSON lines, or one of the JSON messages.
// Parsing must succeed or fail with a ProtocolCategory error that has a message,
// never crash; what parses must encode to something that parses back equal.
#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/protocol/batch.hpp"
#include "checkpoint/protocol/errors.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "protocol_failed.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

namespace {

using fuzz::Failed;

void CheckBatch(const Expected<Batch>& b) {
  if (Failed(b)) return;
  for (const Record& r : b->records) {
    if (!ValidateRecord(r)) __builtin_trap();
  }
  auto body = EncodeBatch(*b);
  if (!body) __builtin_trap();
  auto back = DecodeBatch(*body, kBatchCodec,
                          {.max_compressed_bytes = 64u << 20,
                           .max_decompressed_bytes = 64u << 20,
                           .max_records = 10'000});
  if (!back || !(*back == *b)) __builtin_trap();
}

template <typename T, typename Parse>
void CheckMessage(std::string_view text, Parse parse) {
  Expected<T> m = parse(text);
  if (Failed(m)) return;
  auto back = parse(ToJson(*m));
  if (!back || !(*back == *m)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 0xff) {  // added later: a byte the seeds' parsers never used
    CheckMessage<RenewRequest>(text, ParseRenewRequest);
    return 0;
  }
  if (data[0] == 0xfe) {  // added later still
    CheckMessage<ChainAnchor>(text, ParseChainAnchor);
    return 0;
  }
  if (data[0] == 0xfd) {  // Zstandard batches, added after zlib's
    CheckBatch(DecodeBatch(text, BatchCodec::kZstd,
                           {.max_compressed_bytes = 1u << 20,
                            .max_decompressed_bytes = 4u << 20,
                            .max_records = 1000}));
    return 0;
  }
  switch (data[0] % 8) {
    case 0:
      CheckBatch(DecodeBatch(text, BatchCodec::kZlib,
                             {.max_compressed_bytes = 1u << 20,
                              .max_decompressed_bytes = 4u << 20,
                              .max_records = 1000}));
      break;
    case 1:
      CheckBatch(ParseBatchJsonLines(text));
      break;
    case 2:
      CheckMessage<Ack>(text, ParseAck);
      break;
    case 3:
      CheckMessage<EnrollRequest>(text, ParseEnrollRequest);
      break;
    case 4:
      CheckMessage<EnrollResponse>(text, ParseEnrollResponse);
      break;
    case 5:
      CheckMessage<HeartbeatRequest>(text, ParseHeartbeatRequest);
      break;
    case 6:
      CheckMessage<HeartbeatResponse>(text, ParseHeartbeatResponse);
      break;
    default:
      CheckMessage<ErrorBody>(text, ParseErrorBody);
      break;
  }
  return 0;
}
