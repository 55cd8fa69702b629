#include "checkpoint/inspection/declarations.hpp"

#include <nlohmann/json.hpp>

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/risk/plate.hpp"

namespace checkpoint::inspection {

namespace {

std::string PlateKey(std::string_view plate) {
  return plate.empty() ? std::string() : risk::PlateMatchKey(plate, "");
}

}  // namespace

void InMemoryDeclarations::Add(Declaration d) {
  std::string key = PlateKey(d.plate);
  std::lock_guard lock(mu_);
  items_.push_back(std::move(d));
  plate_keys_.push_back(std::move(key));
}

void InMemoryDeclarations::Replace(std::vector<Declaration> all) {
  std::vector<std::string> keys;
  keys.reserve(all.size());
  for (const auto& d : all) keys.push_back(PlateKey(d.plate));
  std::lock_guard lock(mu_);
  items_ = std::move(all);
  plate_keys_ = std::move(keys);
}

void InMemoryDeclarations::Clear() {
  std::lock_guard lock(mu_);
  items_.clear();
  plate_keys_.clear();
}

std::optional<Declaration> InMemoryDeclarations::Find(
    std::string_view, std::string_view plate, std::span<const std::string> container_codes) const {
  const std::string plate_key = PlateKey(plate);
  std::lock_guard lock(mu_);
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const Declaration& d = items_[i];
    if (!plate_key.empty() && plate_keys_[i] == plate_key) return d;
    for (const auto& declared : d.container_codes) {
      for (const auto& read : container_codes) {
        if (cargo::SameContainer(declared, read)) return d;
      }
    }
  }
  return std::nullopt;
}

namespace {

using nlohmann::json;

constexpr std::size_t kMaxId = 64;
constexpr std::size_t kMaxCode = 32;
constexpr std::size_t kMaxItems = 64;
constexpr std::size_t kMaxLines = 100'000;
constexpr double kMaxWeightKg = 500'000;

struct LineError {
  std::string message;
};

std::string Text(const json& v, const char* key, std::size_t max) {
  if (!v.is_string()) throw LineError{std::string("\"") + key + "\" must be a string"};
  std::string s = v.get<std::string>();
  if (s.size() > max) {
    throw LineError{std::string("\"") + key + "\" is longer than " + std::to_string(max) +
                    " bytes"};
  }
  return s;
}

std::vector<std::string> Texts(const json& v, const char* key) {
  if (!v.is_array()) throw LineError{std::string("\"") + key + "\" must be an array of strings"};
  if (v.size() > kMaxItems) {
    throw LineError{std::string("\"") + key + "\" has more than " + std::to_string(kMaxItems) +
                    " entries"};
  }
  std::vector<std::string> out;
  for (const auto& e : v) {
    std::string s = Text(e, key, kMaxCode);
    if (s.empty()) throw LineError{std::string("\"") + key + "\" has an empty entry"};
    out.push_back(std::move(s));
  }
  return out;
}

Declaration ParseLine(std::string_view line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw LineError{"not a JSON object"};
  Declaration d;
  for (const auto& [key, v] : j.items()) {
    if (key == "id") {
      d.id = Text(v, "id", kMaxId);
    } else if (key == "plate") {
      d.plate = Text(v, "plate", kMaxId);
    } else if (key == "containerCodes") {
      d.container_codes = Texts(v, "containerCodes");
    } else if (key == "seals") {
      d.seals = Texts(v, "seals");
    } else if (key == "grossWeightKg") {
      if (!v.is_number()) throw LineError{"\"grossWeightKg\" must be a number"};
      const double kg = v.get<double>();
      if (!(kg > 0 && kg <= kMaxWeightKg)) {
        throw LineError{"\"grossWeightKg\" must be in (0, 500000]"};
      }
      d.gross_weight_kg = kg;
    } else {
      throw LineError{"unknown key \"" + key + "\""};
    }
  }
  if (d.id.empty()) throw LineError{"missing \"id\""};
  if (d.plate.empty() && d.container_codes.empty()) {
    throw LineError{"needs a \"plate\" or \"containerCodes\" to be found by"};
  }
  return d;
}

}  // namespace

Expected<std::vector<Declaration>> ParseDeclarations(std::string_view jsonl,
                                                     std::string_view source) {
  std::vector<Declaration> out;
  std::size_t line_no = 0;
  while (!jsonl.empty()) {
    const auto nl = jsonl.find('\n');
    std::string_view line = jsonl.substr(0, nl);
    jsonl = nl == std::string_view::npos ? std::string_view() : jsonl.substr(nl + 1);
    ++line_no;
    if (line_no > kMaxLines) {
      return MakeError(CommonErrc::kParse,
                       std::string(source) + ": more than " + std::to_string(kMaxLines) + " lines");
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    try {
      out.push_back(ParseLine(line));
    } catch (const LineError& e) {
      return MakeError(CommonErrc::kParse,
                       std::string(source) + " line " + std::to_string(line_no) + ": " + e.message);
    } catch (const nlohmann::json::exception& e) {
      return MakeError(CommonErrc::kParse,
                       std::string(source) + " line " + std::to_string(line_no) + ": " + e.what());
    }
  }
  return out;
}

Expected<std::vector<Declaration>> LoadDeclarations(const std::string& path) {
  auto text = common::ReadFile(path, 64u << 20);
  if (!text) return std::move(text).error();
  return ParseDeclarations(*text, path);
}

}  // namespace checkpoint::inspection
