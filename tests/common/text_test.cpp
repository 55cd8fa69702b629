#include "checkpoint/common/text.hpp"

#include <catch2/catch.hpp>

using namespace checkpoint::common;

TEST_CASE("strict UTF-8: what RFC 3629 allows and nothing else", "[common][text]") {
  CHECK_FALSE(FirstInvalidUtf8(""));
  CHECK_FALSE(FirstInvalidUtf8("plain ASCII"));
  CHECK_FALSE(FirstInvalidUtf8("Шевченко Παπαδόπουλος 漢字 \xF0\x9F\x98\x80"));
  CHECK(FirstInvalidUtf8("ab\xC0\x80") == 2u);        // overlong NUL
  CHECK(FirstInvalidUtf8("\xE0\x80\xAF") == 0u);      // overlong '/'
  CHECK(FirstInvalidUtf8("x\xED\xA0\x80") == 1u);     // surrogate
  CHECK(FirstInvalidUtf8("\xF4\x90\x80\x80") == 0u);  // above U+10FFFF
  CHECK(FirstInvalidUtf8("ok\xE2\x82") == 2u);        // truncated
  CHECK(FirstInvalidUtf8("\x80") == 0u);              // stray continuation
  CHECK(FirstInvalidUtf8("\xFF") == 0u);
  char32_t cp = 0;
  CHECK(DecodeUtf8("\xD0\xA8", 0, cp) == 2);
  CHECK(cp == U'\u0428');
  CHECK(DecodeUtf8("\xC3", 0, cp) == 0);
}

TEST_CASE("JSON nesting depth is found on any bytes, strings skipped", "[common][text]") {
  CHECK_FALSE(JsonNestingBeyond(R"({"a":[1,{"b":2}]})", 3));
  CHECK(JsonNestingBeyond(R"({"a":[1,{"b":2}]})", 2) == 8u);
  CHECK_FALSE(JsonNestingBeyond(R"({"s":"[[[[\"{{{{"})", 1));
  CHECK(JsonNestingBeyond(std::string(100, '['), 64) == 64u);
  CHECK_FALSE(JsonNestingBeyond("]]]}}}", 0));
}

TEST_CASE("UTC timestamps", "[common][text]") {
  CHECK(FormatUtc(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatUtc(1'780'300'800) == "2026-06-01T08:00:00Z");
}

TEST_CASE("decimal numbers from URLs: digits only, in range", "[common][text]") {
  CHECK(ParseDecimal("0", 0, 10) == 0);
  CHECK(ParseDecimal("0042", 0, 100) == 42);
  CHECK(ParseDecimal("9007199254740991", 1, 9007199254740991) == 9007199254740991);
  CHECK(ParseDecimal("9223372036854775807", 0, INT64_MAX) == INT64_MAX);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "11", "9223372036854775808",
                          "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(ParseDecimal(bad, 0, 10).has_value());
  }
  CHECK_FALSE(ParseDecimal("0", 1, 10).has_value());
}

TEST_CASE("JSON strings: escapes, UTF-8 kept, invalid bytes replaced", "[common][text]") {
  auto json = [](std::string_view s) {
    std::string out = "x";
    AppendJsonString(out, s);
    return out;
  };
  CHECK(json("") == "x\"\"");
  CHECK(json("plain text 123") == "x\"plain text 123\"");
  CHECK(json("a\"b\\c") == "x\"a\\\"b\\\\c\"");
  CHECK(json("\n\r\t\b\f") == "x\"\\n\\r\\t\\b\\f\"");
  CHECK(json(std::string("\x00\x01\x1f\x7f", 4)) == "x\"\\u0000\\u0001\\u001f\x7f\"");
  CHECK(json("Жанна 🚚") == "x\"Жанна 🚚\"");
  // Not UTF-8: a lone continuation byte, a truncated sequence, an overlong form, a
  // surrogate: one U+FFFD per bad byte, the rest kept.
  CHECK(json("a\x80z") == "x\"a\\ufffdz\"");
  CHECK(json("a\xd0") == "x\"a\\ufffd\"");
  CHECK(json("\xc0\xaf") == "x\"\\ufffd\\ufffd\"");
  CHECK(json("\xed\xa0\x80!") == "x\"\\ufffd\\ufffd\\ufffd!\"");
}

TEST_CASE("the UTF-8 check finds the first bad byte after long ASCII runs", "[common][text]") {
  for (std::size_t at : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 63u, 64u, 100u}) {
    std::string s(128, 'a');
    s[at] = '\xff';
    INFO(at);
    CHECK(FirstInvalidUtf8(s) == at);
    s[at] = 'a';
    s.replace(at, 2, "\xd0\x96");  // Ж: valid
    CHECK_FALSE(FirstInvalidUtf8(s));
  }
}
