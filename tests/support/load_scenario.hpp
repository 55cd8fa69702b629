#pragma once
// A steady simulated load for checkpointd --simulate: a scenario's events (JSON lines,
// '#' comments) repeated back to back, each repetition 600 ms after the previous one's
// last event, until `total_ms` of scenario time. Header-only and free of the test
// framework: the system tests and the footprint benchmark use it. Throws on a
// scenario it cannot read or a line without "t_ms".
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace checkpoint::testing {

// Returns the number of events written.
inline std::size_t WriteRepeatedScenario(const std::filesystem::path& base,
                                         const std::filesystem::path& out, long total_ms) {
  std::ifstream in(base);
  if (!in) throw std::runtime_error("cannot read " + base.string());
  std::vector<std::pair<long, std::string>> events;  // t_ms, the rest of the line
  long cycle = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto at = line.find("\"t_ms\": ");
    if (at == std::string::npos) throw std::runtime_error("scenario line without t_ms: " + line);
    const long t = std::stol(line.substr(at + 8));
    events.emplace_back(t, line.substr(line.find(',', at)));
    cycle = std::max(cycle, t + 600);
  }
  if (events.empty()) throw std::runtime_error("no events in " + base.string());
  std::ofstream o(out);
  std::size_t n = 0;
  for (long start = 0; start + cycle <= total_ms; start += cycle) {
    for (const auto& [t, rest] : events) {
      o << "{\"t_ms\": " << start + t << rest << '\n';
      ++n;
    }
  }
  if (!o) throw std::runtime_error("cannot write " + out.string());
  return n;
}

}  // namespace checkpoint::testing
