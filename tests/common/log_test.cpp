#include "checkpoint/common/log.hpp"

#include <catch2/catch.hpp>

using namespace checkpoint::log;

TEST_CASE("log lines are logfmt with quoting", "[common][log]") {
  auto line = FormatLine(Level::kWarning, "store", "disk almost full",
                         {{"path", "/var/lib/checkpoint"}, {"free_mb", 12}, {"ok", false}});
  CHECK(line ==
        "level=warning component=store msg=\"disk almost full\" path=/var/lib/checkpoint "
        "free_mb=12 ok=false");
}

TEST_CASE("hostile values cannot forge lines or fields", "[common][log]") {
  auto line = FormatLine(Level::kInfo, "hal", "x",
                         {{"device", "cam\nlevel=critical msg=\"pwned\""},
                          {"k=v", "a\"b\\c"},
                          {"bin", std::string("\x01\x7f", 2)},
                          {"empty", ""}});
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line ==
        "level=info component=hal msg=x device=\"cam\\nlevel=critical msg=\\\"pwned\\\"\" "
        "k_v=\"a\\\"b\\\\c\" bin=\"\\x01\\x7f\" empty=\"\"");
}

TEST_CASE("levels filter and children name components", "[common][log]") {
  auto sink = std::make_shared<MemorySink>();
  Logger root(sink, "checkpointd", Level::kInfo);
  Logger child = root.Child("store");
  child.Debug("hidden");
  child.Info("shown", {{"n", 1}});
  Logger::Null().Critical("dropped");
  auto lines = sink->Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "level=info component=checkpointd.store msg=shown n=1");
}

TEST_CASE("level names round-trip and map to syslog priorities", "[common][log]") {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kNotice, Level::kWarning, Level::kError,
                  Level::kCritical}) {
    CHECK(ParseLevel(LevelName(l)) == l);
  }
  CHECK_FALSE(ParseLevel("verbose"));
  CHECK(SyslogPriority(Level::kError) == 3);
  CHECK(SyslogPriority(Level::kDebug) == 7);
}
