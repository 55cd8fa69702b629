#include "checkpoint/protocol/messages.hpp"

#include <catch2/catch.hpp>

#include "checkpoint/protocol/errors.hpp"

using namespace checkpoint;
using namespace checkpoint::protocol;

TEST_CASE("messages survive a round trip", "[protocol][messages]") {
  const EnrollRequest er{"CP-T1", "tok-123", "-----BEGIN CERTIFICATE REQUEST-----\n..."};
  CHECK(*ParseEnrollRequest(ToJson(er)) == er);
  const EnrollResponse es{"cert", "ca", 1'700'000'000'000};
  CHECK(*ParseEnrollResponse(ToJson(es)) == es);
  const Ack ack{7, {1, 2, 3, 9}, 2, {{10, "bad_signature"}}, 1'700'000'000'000};
  CHECK(*ParseAck(ToJson(ack)) == ack);
  const HeartbeatRequest hr{5, 10, 12};
  CHECK(*ParseHeartbeatRequest(ToJson(hr)) == hr);
  const HeartbeatResponse hs{100, -5, 3};
  CHECK(*ParseHeartbeatResponse(ToJson(hs)) == hs);
  const ErrorBody eb{"bad_token", "the token is unknown or used"};
  CHECK(*ParseErrorBody(ToJson(eb)) == eb);
}

TEST_CASE("messages are parsed strictly", "[protocol][messages]") {
  CHECK_FALSE(ParseAck(""));
  CHECK_FALSE(ParseAck("{"));
  CHECK_FALSE(ParseAck("[]"));
  CHECK_FALSE(ParseAck(R"({"contiguous":1,"acked":[1],"duplicates":0,"rejected":[]})"));
  CHECK_FALSE(
      ParseAck(R"({"contiguous":1,"acked":[0],"duplicates":0,"rejected":[],"hq_time_ms":1})"));
  CHECK_FALSE(
      ParseAck(R"({"contiguous":1,"acked":["1"],"duplicates":0,"rejected":[],"hq_time_ms":1})"));
  CHECK_FALSE(ParseAck(
      R"({"contiguous":1,"acked":[1],"duplicates":0,"rejected":[{"seq":1}],"hq_time_ms":1})"));
  CHECK_FALSE(ParseAck(
      R"({"contiguous":1,"acked":[1],"duplicates":0,"rejected":[],"hq_time_ms":1,"x":0})"));
  CHECK(ParseAck(R"({"contiguous":1,"acked":[1],"duplicates":0,"rejected":[],"hq_time_ms":1})"));
  auto big = ParseEnrollRequest(std::string(100'000, ' '));
  REQUIRE_FALSE(big);
  CHECK(big.error().Is(ProtocolErrc::kTooLarge));
  CHECK_FALSE(ParseEnrollRequest(R"({"device_id":"a b","token":"t","csr":"c"})"));
  CHECK_FALSE(ParseEnrollRequest(R"({"device_id":"CP","token":"","csr":"c"})"));
  CHECK_FALSE(ParseHeartbeatRequest(R"({"device_time_ms":-1,"pending":0,"last_seq":0})"));
}
