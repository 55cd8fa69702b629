// The Range header of a bundle download, as HQ reads it (the agent resumes an
// interrupted download with "bytes=N-"): one range or none, never a guess.
#include <catch2/catch.hpp>

#include "checkpoint/hq/http.hpp"

using namespace checkpoint;

TEST_CASE("a Range header names one byte range or none", "[hq][http]") {
  auto open = hq::ParseByteRange("bytes=1024-");
  REQUIRE(open);
  CHECK(open->first == 1024);
  CHECK_FALSE(open->last);
  auto closed = hq::ParseByteRange("bytes=0-0");
  REQUIRE(closed);
  CHECK(closed->first == 0);
  CHECK(closed->last == 0);
  auto wide = hq::ParseByteRange("bytes=999999999999999-999999999999999");
  REQUIRE(wide);
  CHECK(wide->first == 999'999'999'999'999);

  // Garbage, truncation and hostile values: the whole payload is served instead.
  for (const char* bad : {"",
                          "bytes",
                          "bytes=",
                          "bytes=-",
                          "bytes=-500",
                          "bytes=5-4",
                          "bytes=1-2,4-5",
                          "bytes=1 -2",
                          " bytes=1-",
                          "bytes= 1-",
                          "bytes=+1-",
                          "bytes=-1-",
                          "bytes=0x10-",
                          "items=0-",
                          "BYTES=0-",
                          "bytes=1-2-3",
                          "bytes=1--2",
                          "bytes=1234567890123456-",
                          "bytes=1-1234567890123456",
                          "bytes=9223372036854775807-",
                          "bytes=1-\r\nX: y"}) {
    INFO(bad);
    CHECK_FALSE(hq::ParseByteRange(bad));
  }
  // An embedded NUL is not a digit.
  CHECK_FALSE(hq::ParseByteRange(std::string_view("bytes=1\0-2", 10)));
}
