#pragma once
// The small JSON messages of the protocol besides batches: enrollment, the
// acknowledgement of a batch, heartbeat and error bodies. Each has a ToJson and a
// strict Parse (exact keys and types, bounded sizes; see docs/protocol.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/sha256.hpp"

namespace checkpoint::protocol {

inline constexpr std::size_t kMaxMessageBytes = 64u << 10;
inline constexpr std::size_t kMaxAckBytes = 1u << 20;

struct EnrollRequest {
  std::string device_id;
  std::string token;  // one-time enrollment token (a secret: never logged)
  std::string csr_pem;
  bool operator==(const EnrollRequest&) const = default;
};
// POST /v1/renew (device certificate required): a CSR for the device's registered
// key; answered with an EnrollResponse.
struct RenewRequest {
  std::string csr_pem;
  bool operator==(const RenewRequest&) const = default;
};
struct EnrollResponse {
  std::string certificate_pem;  // the device certificate issued by the HQ CA
  std::string ca_chain_pem;     // the HQ CA certificate(s), to pin
  std::int64_t hq_time_ms = 0;
  bool operator==(const EnrollResponse&) const = default;
};

struct Rejection {
  std::int64_t seq = 0;
  std::string reason;  // "bad_signature", "chain_conflict", "invalid"
  bool operator==(const Rejection&) const = default;
};
// HQ's answer to a batch. `acked` lists the sequence numbers of the batch that HQ
// now holds durably (new or already held): the agent may mark exactly those
// synced. `contiguous` is the highest n such that HQ holds 1..n of this device.
struct Ack {
  std::int64_t contiguous = 0;
  std::vector<std::int64_t> acked;
  std::int64_t duplicates = 0;  // how many of `acked` HQ already held
  std::vector<Rejection> rejected;
  std::int64_t hq_time_ms = 0;
  bool operator==(const Ack&) const = default;
};

struct HeartbeatRequest {
  std::int64_t device_time_ms = 0;
  std::int64_t pending = 0;  // records waiting in the outbox
  std::int64_t last_seq = 0;
  bool operator==(const HeartbeatRequest&) const = default;
};
struct HeartbeatResponse {
  std::int64_t hq_time_ms = 0;
  std::int64_t offset_ms = 0;  // hq_time_ms - device_time_ms of the request
  std::int64_t contiguous = 0;
  bool operator==(const HeartbeatResponse&) const = default;
};

// HQ's answer to GET /v1/chain/{seq}: the hash of the device's own record `seq` as
// HQ holds it. An agent whose chain state was lost (and whose outbox no longer holds
// the records before its oldest pending one) continues the chain from it.
struct ChainAnchor {
  std::int64_t seq = 0;
  common::Digest256 hash{};
  bool operator==(const ChainAnchor&) const = default;
};

struct ErrorBody {
  std::string code;  // stable, e.g. "bad_token", "unauthenticated", "malformed"
  std::string message;
  bool operator==(const ErrorBody&) const = default;
};

std::string ToJson(const EnrollRequest& m);
std::string ToJson(const EnrollResponse& m);
std::string ToJson(const RenewRequest& m);
std::string ToJson(const Ack& m);
std::string ToJson(const HeartbeatRequest& m);
std::string ToJson(const HeartbeatResponse& m);
std::string ToJson(const ChainAnchor& m);
std::string ToJson(const ErrorBody& m);

Expected<EnrollRequest> ParseEnrollRequest(std::string_view text);
Expected<EnrollResponse> ParseEnrollResponse(std::string_view text);
Expected<RenewRequest> ParseRenewRequest(std::string_view text);
Expected<Ack> ParseAck(std::string_view text);
Expected<HeartbeatRequest> ParseHeartbeatRequest(std::string_view text);
Expected<HeartbeatResponse> ParseHeartbeatResponse(std::string_view text);
Expected<ChainAnchor> ParseChainAnchor(std::string_view text);
Expected<ErrorBody> ParseErrorBody(std::string_view text);

}  // namespace checkpoint::protocol
