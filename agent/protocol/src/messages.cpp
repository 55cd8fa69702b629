#include "checkpoint/protocol/messages.hpp"

#include <limits>

#include "checkpoint/protocol/errors.hpp"
#include "checkpoint/protocol/record.hpp"
#include "json_reader.hpp"

namespace checkpoint::protocol {

namespace {
using nlohmann::json;
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxPem = 16u << 10;
constexpr std::size_t kMaxToken = 256;
constexpr std::size_t kMaxText = 1024;

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Runs `fill` on a strict reader of `text` and checks for unknown keys.
template <typename T, typename Fill>
Expected<T> Parse(std::string_view text, std::size_t max_bytes, std::string_view what, Fill fill) {
  auto j = detail::ParseJsonObject(text, max_bytes, 3, what);
  if (!j) return std::move(j).error();
  detail::ObjectReader rd(*j, std::string(what));
  T m;
  if (auto s = fill(rd, m); !s) return std::move(s).error();
  if (auto s = rd.Finish(); !s) return std::move(s).error();
  return m;
}

#define CP_READ(target, expr)              \
  do {                                     \
    auto v_ = (expr);                      \
    if (!v_) return std::move(v_).error(); \
    target = std::move(*v_);               \
  } while (0)
}  // namespace

std::string ToJson(const EnrollRequest& m) {
  return Dump({{"device_id", m.device_id}, {"token", m.token}, {"csr", m.csr_pem}});
}
std::string ToJson(const RenewRequest& m) {
  return Dump({{"csr", m.csr_pem}});
}
std::string ToJson(const EnrollResponse& m) {
  return Dump({{"certificate", m.certificate_pem},
               {"ca_chain", m.ca_chain_pem},
               {"hq_time_ms", m.hq_time_ms}});
}
std::string ToJson(const Ack& m) {
  json rejected = json::array();
  for (const auto& r : m.rejected) rejected.push_back({{"seq", r.seq}, {"reason", r.reason}});
  return Dump({{"contiguous", m.contiguous},
               {"acked", m.acked},
               {"duplicates", m.duplicates},
               {"rejected", rejected},
               {"hq_time_ms", m.hq_time_ms}});
}
std::string ToJson(const HeartbeatRequest& m) {
  return Dump(
      {{"device_time_ms", m.device_time_ms}, {"pending", m.pending}, {"last_seq", m.last_seq}});
}
std::string ToJson(const HeartbeatResponse& m) {
  return Dump(
      {{"hq_time_ms", m.hq_time_ms}, {"offset_ms", m.offset_ms}, {"contiguous", m.contiguous}});
}
std::string ToJson(const ChainAnchor& m) {
  return Dump({{"seq", m.seq}, {"hash", common::ToHex(m.hash)}});
}
std::string ToJson(const ErrorBody& m) {
  return Dump({{"error", m.code}, {"message", m.message}});
}

Expected<EnrollRequest> ParseEnrollRequest(std::string_view text) {
  return Parse<EnrollRequest>(text, kMaxMessageBytes, "enroll request",
                              [](detail::ObjectReader& rd, EnrollRequest& m) -> Status {
                                CP_READ(m.device_id, rd.String("device_id", 1, kMaxIdLength));
                                if (!IsIdentifier(m.device_id)) {
                                  return rd.Bad("device_id", "not an identifier");
                                }
                                CP_READ(m.token, rd.String("token", 1, kMaxToken));
                                CP_READ(m.csr_pem, rd.String("csr", 1, kMaxPem));
                                return {};
                              });
}

Expected<RenewRequest> ParseRenewRequest(std::string_view text) {
  return Parse<RenewRequest>(text, kMaxMessageBytes, "renew request",
                             [](detail::ObjectReader& rd, RenewRequest& m) -> Status {
                               CP_READ(m.csr_pem, rd.String("csr", 1, kMaxPem));
                               return {};
                             });
}

Expected<EnrollResponse> ParseEnrollResponse(std::string_view text) {
  return Parse<EnrollResponse>(text, kMaxMessageBytes, "enroll response",
                               [](detail::ObjectReader& rd, EnrollResponse& m) -> Status {
                                 CP_READ(m.certificate_pem, rd.String("certificate", 1, kMaxPem));
                                 CP_READ(m.ca_chain_pem, rd.String("ca_chain", 1, kMaxPem));
                                 CP_READ(m.hq_time_ms, rd.Int("hq_time_ms", 0, kMaxI64));
                                 return {};
                               });
}

Expected<Ack> ParseAck(std::string_view text) {
  return Parse<Ack>(text, kMaxAckBytes, "ack", [](detail::ObjectReader& rd, Ack& m) -> Status {
    CP_READ(m.contiguous, rd.Int("contiguous", 0, kMaxSeq));
    const json* acked = rd.Raw("acked");
    if (!acked) return rd.Bad("acked", "missing");
    if (!acked->is_array()) return rd.Bad("acked", "not an array");
    for (const json& v : *acked) {
      if (!v.is_number_integer()) return rd.Bad("acked", "not an array of integers");
      const auto n = v.is_number_unsigned() && v.get<std::uint64_t>() > kMaxSeq
                         ? kMaxI64
                         : v.get<std::int64_t>();
      if (n < 1 || n > kMaxSeq) return rd.Bad("acked", "sequence number out of range");
      m.acked.push_back(n);
    }
    CP_READ(m.duplicates, rd.Int("duplicates", 0, kMaxSeq));
    const json* rejected = rd.Raw("rejected");
    if (!rejected) return rd.Bad("rejected", "missing");
    if (!rejected->is_array()) return rd.Bad("rejected", "not an array");
    for (const json& v : *rejected) {
      if (!v.is_object()) return rd.Bad("rejected", "not an array of objects");
      detail::ObjectReader item(v, "ack: rejected");
      Rejection rj;
      CP_READ(rj.seq, item.Int("seq", 1, kMaxSeq));
      CP_READ(rj.reason, item.String("reason", 1, kMaxText));
      if (auto s = item.Finish(); !s) return std::move(s).error();
      m.rejected.push_back(std::move(rj));
    }
    CP_READ(m.hq_time_ms, rd.Int("hq_time_ms", 0, kMaxI64));
    return {};
  });
}

Expected<HeartbeatRequest> ParseHeartbeatRequest(std::string_view text) {
  return Parse<HeartbeatRequest>(text, kMaxMessageBytes, "heartbeat",
                                 [](detail::ObjectReader& rd, HeartbeatRequest& m) -> Status {
                                   CP_READ(m.device_time_ms, rd.Int("device_time_ms", 0, kMaxI64));
                                   CP_READ(m.pending, rd.Int("pending", 0, kMaxI64));
                                   CP_READ(m.last_seq, rd.Int("last_seq", 0, kMaxSeq));
                                   return {};
                                 });
}

Expected<HeartbeatResponse> ParseHeartbeatResponse(std::string_view text) {
  return Parse<HeartbeatResponse>(text, kMaxMessageBytes, "heartbeat response",
                                  [](detail::ObjectReader& rd, HeartbeatResponse& m) -> Status {
                                    CP_READ(m.hq_time_ms, rd.Int("hq_time_ms", 0, kMaxI64));
                                    CP_READ(m.offset_ms, rd.Int("offset_ms", kMinI64, kMaxI64));
                                    CP_READ(m.contiguous, rd.Int("contiguous", 0, kMaxSeq));
                                    return {};
                                  });
}

Expected<ChainAnchor> ParseChainAnchor(std::string_view text) {
  return Parse<ChainAnchor>(text, kMaxMessageBytes, "chain anchor",
                            [](detail::ObjectReader& rd, ChainAnchor& m) -> Status {
                              CP_READ(m.seq, rd.Int("seq", 1, kMaxSeq));
                              CP_READ(m.hash, rd.Digest("hash"));
                              return {};
                            });
}

Expected<ErrorBody> ParseErrorBody(std::string_view text) {
  return Parse<ErrorBody>(text, kMaxMessageBytes, "error body",
                          [](detail::ObjectReader& rd, ErrorBody& m) -> Status {
                            CP_READ(m.code, rd.String("error", 1, kMaxText));
                            CP_READ(m.message, rd.String("message", 0, kMaxText));
                            return {};
                          });
}

}  // namespace checkpoint::protocol
