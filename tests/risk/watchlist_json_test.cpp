// Watchlist JSON lines: every kind, every refusal with its exact text, hostile input.
#include "checkpoint/risk/watchlist_json.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "checkpoint/risk/watchlist.hpp"

using namespace checkpoint;
using namespace checkpoint::risk;

namespace {

WatchlistEntry Parse(std::string_view line, bool delta = false) {
  auto e = ParseWatchlistLine(line, 1, {.delta = delta});
  if (!e) FAIL(e.error().message());
  return std::move(e).value();
}

std::string ErrorOf(std::string_view line, bool delta = false) {
  auto e = ParseWatchlistLine(line, 17, {.delta = delta});
  if (e) FAIL("accepted: " << line);
  CHECK(e.error().Is(CommonErrc::kParse));
  return e.error().message();
}

std::string StreamError(std::string_view text, bool delta = false) {
  auto r = ParseWatchlistStream(ReadFromString(text), {.delta = delta},
                                [](WatchlistEntry&&, std::size_t) -> Status { return {}; });
  if (r) FAIL("accepted");
  return r.error().message();
}

// A read function handing out `step` bytes at a time, to cross every chunk boundary.
WatchlistReadFn Trickle(std::string text, std::size_t step) {
  return [text = std::move(text), step,
          at = std::size_t{0}](std::span<char> b) mutable -> Expected<std::size_t> {
    const std::size_t n = std::min({b.size(), step, text.size() - at});
    std::copy_n(text.data() + at, n, b.data());
    at += n;
    return n;
  };
}

}  // namespace

TEST_CASE("watchlist line: a person with every field", "[risk][watchlist_json]") {
  auto e = Parse(
      R"({"id":"P-1","kind":"person","names":["Иван Петров","Ivan Petrov"],"birthDate":"1970-03",)"
      R"("nationality":"rus","sex":"m","agency":"police","reason":"warrant","action":"arrest",)"
      R"("validFrom":"2024-01-01","validUntil":"2025-06-30"})");
  CHECK(!e.remove);
  CHECK(e.id == "P-1");
  CHECK(e.kind() == WatchlistKind::kPerson);
  const auto& p = std::get<PersonRecord>(e.record);
  CHECK(p.id == "P-1");
  CHECK(p.names == std::vector<std::string>{"Иван Петров", "Ivan Petrov"});
  CHECK(p.birth == PartialDate{.year = 1970, .month = 3, .day = 0, .two_digit_year = false});
  CHECK(p.nationality == "RUS");
  CHECK(p.sex == 'M');
  CHECK(p.agency == "police");
  CHECK(p.reason == "warrant");
  CHECK(p.action == "arrest");
  CHECK(p.valid_from_ms == 1'704'067'200'000);  // 2024-01-01T00:00:00Z
  // A date-only validUntil covers that whole day: until the start of the next.
  CHECK(p.valid_until_ms == 1'751'328'000'000);  // 2025-07-01T00:00:00Z
  CHECK(CanonicalJson(e) ==
        R"({"action":"arrest","agency":"police","birthDate":"1970-03","id":"P-1",)"
        R"("kind":"person","names":["Иван Петров","Ivan Petrov"],"nationality":"RUS",)"
        R"("reason":"warrant","sex":"M","validFrom":"2024-01-01T00:00:00Z",)"
        R"("validUntil":"2025-07-01T00:00:00Z"})");
}

TEST_CASE("watchlist line: documents, vehicles, containers", "[risk][watchlist_json]") {
  auto d =
      Parse(R"({"id":"D-1","kind":"document","number":"L898902C3","issuingState":"D<<","type":"P",)"
            R"("validUntil":"2030-01-01T12:30:00.250+02:00"})");
  CHECK(d.kind() == WatchlistKind::kDocument);
  const auto& doc = std::get<DocumentRecord>(d.record);
  CHECK(doc.number == "L898902C3");
  CHECK(doc.issuing_state == "D");
  CHECK(doc.type == "P");
  CHECK(doc.listing.valid_until_ms == 1'893'493'800'250);  // 10:30:00.250Z
  CHECK(CanonicalJson(d) == R"({"id":"D-1","issuingState":"D","kind":"document",)"
                            R"("number":"L898902C3","type":"P",)"
                            R"("validUntil":"2030-01-01T10:30:00.250Z"})");

  auto v = Parse(R"({"id":"V-1","kind":"vehicle","plate":"AB 123 CD","country":"fr"})");
  CHECK(v.kind() == WatchlistKind::kVehicle);
  CHECK(std::get<VehicleRecord>(v.record).plate == "AB 123 CD");
  CHECK(std::get<VehicleRecord>(v.record).country == "FR");
  auto v2 = Parse(R"({"id":"V-2","kind":"vehicle","plate":"АВ1234"})");  // Cyrillic
  CHECK(std::get<VehicleRecord>(v2.record).country.empty());

  auto c = Parse(R"({"id":"C-1","kind":"container","code":"CSQU 305438-3","agency":"customs"})");
  CHECK(c.kind() == WatchlistKind::kContainer);
  CHECK(std::get<ContainerRecord>(c.record).code == "CSQU 305438-3");
  CHECK(std::get<ContainerRecord>(c.record).listing.agency == "customs");
  // A wrong check digit is kept: the list names the container as marked.
  CHECK(Parse(R"({"id":"C-2","kind":"container","code":"CSQU3054384"})").id == "C-2");
}

TEST_CASE("watchlist line: canonical JSON parses back to the same entry",
          "[risk][watchlist_json]") {
  for (
      const char* line : {
          R"({"id":"P","kind":"person","names":["A B"],"birthDate":"1980","sex":"X"})",
          R"({"id":"P2","kind":"person","names":["Ж"],"birthDate":"1980-02-29","nationality":"D"})",
          R"({"id":"D","kind":"document","number":"X","issuingState":"UTO","reason":"stolen"})",
          R"({"id":"V","kind":"vehicle","plate":"B-MW 1","validFrom":"2020-02-02T02:02:02Z"})",
          R"({"id":"C","kind":"container","code":"MSCU1234566","action":"inspect"})",
      }) {
    INFO(line);
    auto e = Parse(line);
    const std::string canonical = CanonicalJson(e);
    auto again = Parse(canonical);
    CHECK(CanonicalJson(again) == canonical);
  }
  auto r = Parse(R"({"op":"remove","id":"P-9","kind":"person"})", true);
  CHECK(r.remove);
  CHECK(r.id == "P-9");
  CHECK(CanonicalJson(r) == R"({"id":"P-9","op":"remove"})");
  auto u = Parse(R"({"op":"upsert","id":"C","kind":"container","code":"MSCU1234566"})", true);
  CHECK(!u.remove);
}

TEST_CASE("watchlist line: refusals name the line and the field, exactly",
          "[risk][watchlist_json]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"([1])", "line 17: not a JSON object"},
      {R"({"id":)", "line 17: not valid JSON (at byte 7)"},
      {R"({"kind":"person","names":["A"]})", "line 17: \"id\" is missing"},
      {R"({"id":"","kind":"person","names":["A"]})",
       "line 17: \"id\" must be a string of 1 to 128 printable ASCII characters"},
      {R"({"id":"a b","kind":"person","names":["A"]})",
       "line 17: \"id\" must be a string of 1 to 128 printable ASCII characters"},
      {R"({"id":7,"kind":"person","names":["A"]})",
       "line 17: \"id\" must be a string of 1 to 128 printable ASCII characters"},
      {R"({"id":"P"})", "line 17: \"kind\" is missing"},
      {R"({"id":"P","kind":"ship"})",
       "line 17: \"kind\" must be \"person\", \"document\", \"vehicle\" or \"container\""},
      {R"({"id":"P","kind":"person"})", "line 17: \"names\" is missing"},
      {R"({"id":"P","kind":"person","names":[]})",
       "line 17: \"names\" must be an array of 1 to 32 strings"},
      {R"({"id":"P","kind":"person","names":"Ivan"})",
       "line 17: \"names\" must be an array of 1 to 32 strings"},
      {R"({"id":"P","kind":"person","names":["A",1]})", "line 17: \"names\"[1] must be a string"},
      {R"({"id":"P","kind":"person","names":["A"," "]})", "line 17: \"names\"[1] is empty"},
      {R"({"id":"P","kind":"person","names":["Iv\u0000an"]})",
       "line 17: \"names\"[0] holds control characters"},
      {R"({"id":"P","kind":"person","names":["Iv\u0085an"]})",
       "line 17: \"names\"[0] holds control characters"},
      {R"({"id":"P","kind":"person","names":["A"],"birthDate":"1970-13-01"})",
       "line 17: \"birthDate\" must be YYYY, YYYY-MM or YYYY-MM-DD"},
      {R"({"id":"P","kind":"person","names":["A"],"birthDate":"01.02.1970"})",
       "line 17: \"birthDate\" must be YYYY, YYYY-MM or YYYY-MM-DD"},
      {R"({"id":"P","kind":"person","names":["A"],"birthDate":"1971-02-29"})",
       "line 17: \"birthDate\" is not a calendar date"},
      {R"({"id":"P","kind":"person","names":["A"],"birthDate":19700101})",
       "line 17: \"birthDate\" must be a string"},
      {R"({"id":"P","kind":"person","names":["A"],"nationality":"RUSS"})",
       "line 17: \"nationality\" must be a 1 to 3 letter ICAO 9303 code"},
      {R"({"id":"P","kind":"person","names":["A"],"sex":"male"})",
       "line 17: \"sex\" must be \"M\", \"F\" or \"X\""},
      {R"({"id":"P","kind":"person","names":["A"],"validFrom":"2024-01-01T00:00:00"})",
       "line 17: \"validFrom\" must be YYYY-MM-DD or RFC 3339 (YYYY-MM-DDTHH:MM:SSZ), from 1970"},
      {R"({"id":"P","kind":"person","names":["A"],"validUntil":"1969-12-31"})",
       "line 17: \"validUntil\" must be YYYY-MM-DD or RFC 3339 (YYYY-MM-DDTHH:MM:SSZ), from 1970"},
      {R"({"id":"P","kind":"person","names":["A"],"validUntil":"9999-12-31"})",
       "line 17: \"validUntil\" must be YYYY-MM-DD or RFC 3339 (YYYY-MM-DDTHH:MM:SSZ), from 1970"},
      {R"({"id":"P","kind":"person","names":["A"],"validFrom":"2025-01-01",)"
       R"("validUntil":"2024-12-31T23:59:59Z"})",
       "line 17: \"validUntil\" is not after \"validFrom\""},
      {R"({"id":"P","kind":"person","names":["A"],"agency":["police"]})",
       "line 17: \"agency\" must be a string"},
      {R"({"id":"P","kind":"person","names":["A"],"surname":"A"})",
       "line 17: unknown field \"surname\""},
      {R"({"id":"P","kind":"person","names":["A"],"names":["B"]})",
       "line 17: field \"names\" appears twice"},
      {R"({"id":"D","kind":"document","issuingState":"UTO"})", "line 17: \"number\" is missing"},
      {R"({"id":"D","kind":"document","number":"<<<","issuingState":"UTO"})",
       "line 17: \"number\" has no letter or digit"},
      {R"({"id":"D","kind":"document","number":"X1"})", "line 17: \"issuingState\" is missing"},
      {R"({"id":"D","kind":"document","number":"X1","issuingState":"U1O"})",
       "line 17: \"issuingState\" must be a 1 to 3 letter ICAO 9303 code"},
      {R"({"id":"V","kind":"vehicle"})", "line 17: \"plate\" is missing"},
      {R"({"id":"V","kind":"vehicle","plate":"AB1","country":"F"})",
       "line 17: \"country\" must be a 2 or 3 letter ISO 3166-1 code"},
      {R"({"id":"V","kind":"vehicle","plate":"***"})",
       "line 17: \"plate\" has no character used on plates"},
      {R"({"id":"C","kind":"container","code":"CSQU305438"})",
       "line 17: \"code\" must be an ISO 6346 code (11 letters and digits)"},
      {R"({"op":"remove","id":"P"})", "line 17: \"op\": \"remove\" is only allowed in a delta"},
      {R"({"op":"delete","id":"P"})", "line 17: \"op\" must be \"upsert\" or \"remove\""},
  };
  for (const auto& [line, message] : cases) {
    INFO(line);
    CHECK(ErrorOf(line) == message);
  }
  CHECK(ErrorOf(R"({"op":"remove","id":"P","names":["A"]})", true) ==
        "line 17: unknown field \"names\"");
}

TEST_CASE("watchlist line: errors never echo personal data", "[risk][watchlist_json][hostile]") {
  const std::string name = "Zzyzx Sentinelname";
  for (const std::string& line : {
           R"({"id":"P","kind":"person","names":[")" + name + R"("],"sex":")" + name + "\"}",
           R"({"id":"P","kind":"person","names":[")" + name + R"("],"birthDate":")" + name + "\"}",
           R"({"id":"P","kind":"person","names":[")" + name + "\x01\"]}",
           R"({"id":"P","kind":"person","names":[")" + name + R"(" "])",
           R"({"id":"P","kind":"person","names":[")" + name + R"("],")" + name + R"(":1})",
           R"({"id":"P","kind":"person","names":[")" + name + "\xC3\x28\"]}",
       }) {
    const std::string m = ErrorOf(line);
    INFO(m);
    CHECK(m.find("Zzyzx") == std::string::npos);
    CHECK(m.find("Sentinel") == std::string::npos);
    CHECK(m.starts_with("line 17: "));
  }
}

TEST_CASE("watchlist line: hostile input", "[risk][watchlist_json][hostile]") {
  // Invalid UTF-8, inside a string and outside.
  CHECK(ErrorOf("{\"id\":\"P\",\"kind\":\"person\",\"names\":[\"\xC3\x28\"]}") ==
        "line 17: not valid UTF-8 (byte 37)");
  CHECK(ErrorOf("\xFF") == "line 17: not valid UTF-8 (byte 1)");
  CHECK(ErrorOf("{\"id\":\"P\",\"kind\":\"person\",\"names\":[\"\xED\xA0\x80\"]}") ==
        "line 17: not valid UTF-8 (byte 37)");  // a surrogate
  // A lone surrogate as an escape is refused by the JSON parser.
  CHECK(ErrorOf(R"({"id":"P","kind":"person","names":["\ud800"]})")
            .starts_with("line 17: not valid JSON (at byte"));
  // Deep nesting costs a scan, not a tree.
  CHECK(ErrorOf(std::string(60000, '[')) ==
        "line 17: JSON nested deeper than 8 levels (an entry is one object)");
  CHECK(ErrorOf(R"({"id":"P","kind":"person","names":[[[["A"]]]]})") ==
        "line 17: \"names\"[0] must be a string");
  // Names: too many, too long; every script at once within the bound is accepted.
  std::string many = R"({"id":"P","kind":"person","names":[)";
  for (int i = 0; i < 33; ++i) many += std::string(i ? "," : "") + "\"A\"";
  CHECK(ErrorOf(many + "]}") == "line 17: \"names\" must be an array of 1 to 32 strings");
  CHECK(ErrorOf(R"({"id":"P","kind":"person","names":[")" + std::string(513, 'A') + "\"]}") ==
        "line 17: \"names\"[0] is longer than 512 bytes");
  const std::string scripts = "Ivan Иван Ἰωάννης إيفان איוואן イワン 伊万 이반 ইভান ივანე Իվան";
  auto e = Parse(R"({"id":"P","kind":"person","names":[")" + scripts + "\"]}");
  CHECK(std::get<PersonRecord>(e.record).names.at(0) == scripts);
  CHECK(ErrorOf(std::string(kMaxWatchlistLine + 1, ' ')) == "line 17: longer than 65536 bytes");
  CHECK(ErrorOf("") == "line 17: not valid JSON (at byte 1)");
}

TEST_CASE("watchlist stream: whole files, all or nothing", "[risk][watchlist_json]") {
  const std::string list =
      "\xEF\xBB\xBF"
      R"({"id":"P-1","kind":"person","names":["Anna Berg"],"birthDate":"1980"})"
      "\r\n\n   \n"
      R"({"id":"D-1","kind":"document","number":"L898902C3","issuingState":"UTO"})"
      "\n"
      R"({"id":"V-1","kind":"vehicle","plate":"AB123CD","country":"FR"})"
      "\n"
      R"({"id":"C-1","kind":"container","code":"CSQU3054383"})";  // no final newline
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    INFO(step);
    std::size_t calls = 0;
    WatchlistProgress last;
    auto data = ParseWatchlist(Trickle(list, step), [&](const WatchlistProgress& p) {
      ++calls;
      last = p;
      return true;
    });
    REQUIRE(data);
    CHECK(data->persons.size() == 1);
    CHECK(data->persons[0].names.at(0) == "Anna Berg");
    CHECK(data->documents.size() == 1);
    CHECK(data->vehicles.size() == 1);
    CHECK(data->containers.size() == 1);
    CHECK(calls == 1);  // at the end (and every 4096 entries)
    CHECK(last.bytes == list.size());
    CHECK(last.lines == 6);
    CHECK(last.entries == 4);
  }
  // One bad line anywhere refuses the file, naming the line.
  CHECK(
      StreamError(list + "\n{\"id\":\"X\",\"kind\":\"person\",\"names\":[\"A\"],\"sex\":\"Q\"}") ==
      "line 7: \"sex\" must be \"M\", \"F\" or \"X\"");
  // Duplicate ids, also across kinds, name both lines.
  CHECK(StreamError(list + "\n{\"id\":\"P-1\",\"kind\":\"container\",\"code\":\"CSQU3054383\"}") ==
        "line 7: id \"P-1\" is already on line 1");
  // Empty full lists are refused; an empty delta changes nothing and is accepted.
  CHECK(StreamError("") == "the list holds no entry (a full list must hold one)");
  CHECK(StreamError("\n \n\r\n") == "the list holds no entry (a full list must hold one)");
  auto empty_delta = ParseWatchlistDelta(ReadFromString("\n"));
  REQUIRE(empty_delta);
  CHECK(empty_delta->remove_ids.empty());
  // Removals only in deltas.
  auto delta = ParseWatchlistDelta(
      ReadFromString(R"({"op":"remove","id":"P-1"})"
                     "\n"
                     R"({"op":"upsert","id":"P-2","kind":"person","names":["B"]})"
                     "\n"
                     R"({"id":"C-2","kind":"container","code":"CSQU3054383"})"));
  REQUIRE(delta);
  CHECK(delta->remove_ids == std::vector<std::string>{"P-1"});
  CHECK(delta->upsert.persons.size() == 1);
  CHECK(delta->upsert.containers.size() == 1);
  // The sink's errors stop the parse, with the line as context.
  auto r = ParseWatchlistStream(ReadFromString(list), {.delta = false},
                                [](WatchlistEntry&& e, std::size_t) -> Status {
                                  if (e.id == "V-1") return MakeError(CommonErrc::kIo, "disk");
                                  return {};
                                });
  REQUIRE(!r);
  CHECK(r.error().message() == "line 5: disk");
  // Read errors carry the line reached.
  auto broken = ParseWatchlist(
      [](std::span<char>) -> Expected<std::size_t> { return MakeError(CommonErrc::kIo, "EIO"); });
  REQUIRE(!broken);
  CHECK(broken.error().message() == "while reading line 1: EIO");
}

TEST_CASE("watchlist stream: bounded memory on hostile files", "[risk][watchlist_json][hostile]") {
  // A megabyte without a newline is refused as soon as the bound is passed.
  std::size_t handed = 0;
  auto r = ParseWatchlist([&](std::span<char> b) -> Expected<std::size_t> {
    std::fill(b.begin(), b.end(), 'A');
    handed += b.size();
    return b.size();  // endless
  });
  REQUIRE(!r);
  CHECK(r.error().message() == "line 1: longer than 65536 bytes");
  CHECK(handed <= 2 * kMaxWatchlistLine);
  // A 1 MB line after a good one.
  const std::string big = R"({"id":"P","kind":"person","names":["A"]})"
                          "\n" +
                          std::string(1 << 20, 'x') + "\n";
  CHECK(StreamError(big) == "line 2: longer than 65536 bytes");
  // A line of exactly the bound is read (and refused for what it holds, not its size).
  CHECK(StreamError(std::string(kMaxWatchlistLine, ' ') + "x\n") ==
        "line 1: longer than 65536 bytes");
  CHECK(StreamError(std::string(kMaxWatchlistLine - 1, ' ') + "x\r\n") ==
        "line 1: not valid JSON (at byte 65536)");
  // Cancellation from the progress callback.
  std::string many;
  for (int i = 0; i < 5000; ++i) {
    many += R"({"id":"C-)" + std::to_string(i) + R"(","kind":"container","code":"CSQU3054383"})";
    many += '\n';
  }
  auto cancelled =
      ParseWatchlist(ReadFromString(many), [](const WatchlistProgress&) { return false; });
  REQUIRE(!cancelled);
  CHECK(cancelled.error().Is(CommonErrc::kCancelled));
  CHECK(cancelled.error().message() == "cancelled after line 4096");
}

// ------------------------------------------------------------------ sharing policy

using Agencies = std::optional<std::vector<std::string>>;

TEST_CASE("watchlist line: shareWith on every kind, kept sorted, absent stays absent",
          "[risk][watchlist_json][sharing]") {
  auto p = Parse(R"({"id":"P","kind":"person","names":["A B"],"agency":"customs",)"
                 R"("shareWith":["police","border_guard"]})");
  CHECK(std::get<PersonRecord>(p.record).share_with == Agencies({"border_guard", "police"}));
  auto d = Parse(R"({"id":"D","kind":"document","number":"X1","issuingState":"UTO",)"
                 R"("agency":"police","shareWith":[]})");
  CHECK(std::get<DocumentRecord>(d.record).listing.share_with ==
        Agencies(std::vector<std::string>{}));
  auto v = Parse(R"({"id":"V","kind":"vehicle","plate":"AA1234BB","agency":"customs",)"
                 R"("shareWith":["police"]})");
  CHECK(std::get<VehicleRecord>(v.record).listing.share_with == Agencies({"police"}));
  auto c = Parse(R"({"id":"C","kind":"container","code":"MSCU1234566","agency":"customs",)"
                 R"("shareWith":null})");
  CHECK(!std::get<ContainerRecord>(c.record).listing.share_with);
  CHECK(CanonicalJson(c).find("shareWith") == std::string::npos);
  for (const auto* e : {&p, &d, &v}) {
    const std::string canonical = CanonicalJson(*e);
    CHECK(canonical.find("\"shareWith\"") != std::string::npos);
    CHECK(CanonicalJson(Parse(canonical)) == canonical);
  }
  CHECK(CanonicalJson(d).find(R"("shareWith":[])") != std::string::npos);
}

TEST_CASE("watchlist line: shareWith refusals name the line", "[risk][watchlist_json][sharing]") {
  const std::string head = R"({"id":"D","kind":"document","number":"X1","issuingState":"UTO",)";
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":"police"})") ==
        "line 17: \"shareWith\" must be an array of agency names");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":{"a":1}})") ==
        "line 17: \"shareWith\" must be an array of agency names");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":["army"]})") ==
        "line 17: \"shareWith\" holds other than border_guard, customs, police");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":["Police"]})") ==
        "line 17: \"shareWith\" holds other than border_guard, customs, police");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":[1]})") ==
        "line 17: \"shareWith\" holds other than border_guard, customs, police");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":[null]})") ==
        "line 17: \"shareWith\" holds other than border_guard, customs, police");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":["police","police"]})") ==
        "line 17: \"shareWith\" names an agency twice");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":["customs"]})") ==
        "line 17: \"shareWith\" names the listing agency itself");
  CHECK(ErrorOf(head + R"("agency":"customs","shareWith":["police","border_guard","x"]})") ==
        "line 17: \"shareWith\" names more than the 2 other agencies");
  // A policy needs an owner the console knows.
  CHECK(ErrorOf(head + R"("shareWith":["police"]})") ==
        "line 17: \"shareWith\" needs \"agency\": border_guard, customs or police");
  CHECK(ErrorOf(head + R"("agency":"Interpol","shareWith":[]})") ==
        "line 17: \"shareWith\" needs \"agency\": border_guard, customs or police");
  // Hostile: a huge array costs a size check; a value never reaches the message.
  std::string huge = head + R"("agency":"customs","shareWith":[)";
  for (int i = 0; i < 6'000; ++i) huge += i ? ",\"police\"" : "\"police\"";  // under 64 KiB
  huge += "]}";
  CHECK(ErrorOf(huge) == "line 17: \"shareWith\" names more than the 2 other agencies");
  const std::string secret = ErrorOf(head + R"("agency":"customs","shareWith":["SHEVCHENKO"]})");
  CHECK(secret.find("SHEVCHENKO") == std::string::npos);
}

TEST_CASE("watchlist: the policy reaches the hit of every kind, and only when set",
          "[risk][watchlist][sharing]") {
  WatchlistData data;
  data.persons.push_back(std::get<PersonRecord>(
      Parse(R"({"id":"P","kind":"person","names":["TARAS SHEVCHENKO"],"agency":"customs",)"
            R"("shareWith":["police"]})")
          .record));
  data.persons.push_back(std::get<PersonRecord>(
      Parse(R"({"id":"Q","kind":"person","names":["ANNA BERG"],"agency":"customs"})").record));
  data.documents.push_back(std::get<DocumentRecord>(
      Parse(R"({"id":"D","kind":"document","number":"X1","issuingState":"UTO",)"
            R"("agency":"police","shareWith":[]})")
          .record));
  data.documents.push_back(std::get<DocumentRecord>(
      Parse(R"({"id":"E","kind":"document","number":"X2","issuingState":"UTO","agency":"police"})")
          .record));
  data.vehicles.push_back(std::get<VehicleRecord>(
      Parse(R"({"id":"V","kind":"vehicle","plate":"AA1234BB","agency":"customs",)"
            R"("shareWith":["border_guard","police"]})")
          .record));
  data.containers.push_back(std::get<ContainerRecord>(
      Parse(R"({"id":"C","kind":"container","code":"MSCU1234566","agency":"customs",)"
            R"("shareWith":["border_guard"]})")
          .record));
  Watchlist w;
  REQUIRE(w.Replace(std::move(data)));
  PersonQuery q;
  q.surname = "SHEVCHENKO";
  q.given_names = "TARAS";
  auto p = w.ScreenPerson(q, {}, 0);
  REQUIRE(p.size() == 1);
  CHECK(p[0].share_with == Agencies({"police"}));
  q.surname = "BERG";
  q.given_names = "ANNA";
  auto pq = w.ScreenPerson(q, {}, 0);
  REQUIRE(pq.size() == 1);
  CHECK(!pq[0].share_with);
  auto d = w.CheckDocument("X1", "UTO", 0);
  REQUIRE(d.size() == 1);
  CHECK(d[0].share_with == Agencies(std::vector<std::string>{}));
  auto e = w.CheckDocument("X2", "UTO", 0);
  REQUIRE(e.size() == 1);
  CHECK(!e[0].share_with);
  auto v = w.CheckVehicle("AA1234BB", "", 0);
  REQUIRE(v.size() == 1);
  CHECK(v[0].share_with == Agencies({"border_guard", "police"}));
  auto c = w.CheckContainer("MSCU1234566", 0);
  REQUIRE(c.size() == 1);
  CHECK(c[0].share_with == Agencies({"border_guard"}));
  // Through a delta (the overlay index) too.
  WatchlistDelta delta;
  delta.upsert.documents.push_back(std::get<DocumentRecord>(
      Parse(R"({"id":"E","kind":"document","number":"X2","issuingState":"UTO","agency":"police",)"
            R"("shareWith":["customs"]})")
          .record));
  REQUIRE(w.Apply(std::move(delta)));
  auto e2 = w.CheckDocument("X2", "UTO", 0);
  REQUIRE(e2.size() == 1);
  CHECK(e2[0].share_with == Agencies({"customs"}));
}
