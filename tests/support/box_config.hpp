#pragma once
// The example configuration (config/checkpoint.example.toml) for a test's checkpointd:
// its data directory and rule bundle pointed at the test's, and lines added at the
// top of sections (e.g. {"[store]", "disk_low_mib = 2\n"}). Header-only and free of
// the test framework (the footprint benchmark uses it too); throws on a file it cannot
// read or write.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace checkpoint::testing {

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteExampleConfig(const std::filesystem::path& example,
                               const std::filesystem::path& out, const std::filesystem::path& data,
                               const std::filesystem::path& rules,
                               const std::map<std::string, std::string>& added = {}) {
  if (!std::ifstream(example)) throw std::runtime_error("cannot read " + example.string());
  std::istringstream in(ReadText(example));
  std::ofstream cfg(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("data_dir = ", 0) == 0) line = "data_dir = \"" + data.string() + "\"";
    if (line.rfind("rules = ", 0) == 0) line = "rules = \"" + rules.string() + "\"";
    cfg << line << '\n';
    if (auto it = added.find(line); it != added.end()) cfg << it->second;
  }
  if (!cfg) throw std::runtime_error("cannot write " + out.string());
}

}  // namespace checkpoint::testing
