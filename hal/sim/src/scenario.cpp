#include "checkpoint/hal/sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/sha256.hpp"

namespace checkpoint::hal::sim {

namespace {

using nlohmann::json;

class StepError {
 public:
  explicit StepError(std::string m) : message(std::move(m)) {}
  std::string message;
};

const json& Need(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) throw StepError(std::string("missing \"") + key + "\"");
  return j.at(key);
}

std::string Str(const json& j, const char* key) {
  const json& v = Need(j, key);
  if (!v.is_string()) throw StepError(std::string("\"") + key + "\" must be a string");
  return v.get<std::string>();
}

double Num(const json& j, const char* key, std::optional<double> fallback = std::nullopt) {
  if (!j.contains(key)) {
    if (fallback) return *fallback;
    throw StepError(std::string("missing \"") + key + "\"");
  }
  const json& v = j.at(key);
  if (!v.is_number()) throw StepError(std::string("\"") + key + "\" must be a number");
  double d = v.get<double>();
  if (!std::isfinite(d)) throw StepError(std::string("\"") + key + "\" must be finite");
  return d;
}

bool Flag(const json& j, const char* key) {
  if (!j.contains(key)) return false;
  if (!j.at(key).is_boolean()) throw StepError(std::string("\"") + key + "\" must be a boolean");
  return j.at(key).get<bool>();
}

std::vector<std::string> Lines(const json& v) {
  if (!v.is_array()) throw StepError("MRZ must be an array of lines");
  std::vector<std::string> out;
  for (const auto& l : v) {
    if (!l.is_string()) throw StepError("MRZ lines must be strings");
    out.push_back(l.get<std::string>());
  }
  return out;
}

std::string Hex(const json& j, const char* key) {
  if (!j.contains(key)) return {};
  std::string out;
  if (!j.at(key).is_string() || !common::FromHex(j.at(key).get<std::string>(), out)) {
    throw StepError(std::string("\"") + key + "\" must be a hex string");
  }
  return out;
}

std::vector<Candidate> Candidates(const json& j) {
  std::vector<Candidate> out;
  if (!j.contains("candidates")) return out;
  for (const auto& c : j.at("candidates")) {
    if (!c.is_array() || c.size() != 2 || !c[0].is_string() || !c[1].is_number()) {
      throw StepError("candidates must be [[\"text\", confidence], ...]");
    }
    out.push_back({c[0].get<std::string>(), c[1].get<double>()});
  }
  return out;
}

Action ParseAction(const json& j) {
  if (j.contains("mrz")) return MrzRead{Lines(j.at("mrz"))};
  if (j.contains("chip")) {
    const json& c = j.at("chip");
    ChipRead r;
    r.dg1 = c.contains("mrz") ? MakeDg1(Lines(c.at("mrz"))) : Hex(c, "dg1_hex");
    r.dg2 = Hex(c, "dg2_hex");
    r.sod = Hex(c, "sod_hex");
    return r;
  }
  if (j.contains("weight")) {
    const json& w = j.at("weight");
    WeighingStep s;
    s.kg = Num(w, "kg");
    s.frames = static_cast<int>(Num(w, "frames", 5));
    s.out_of_range = Flag(w, "out_of_range");
    if (s.frames < 1 || s.frames > 1000) throw StepError("weight.frames must be 1..1000");
    return s;
  }
  if (j.contains("radiation")) {
    const json& r = j.at("radiation");
    RadiationStep s;
    s.reading.occupied = !r.contains("occupied") || Flag(r, "occupied");
    s.reading.gamma_cps = Num(r, "gamma_cps");
    s.reading.neutron_cps = Num(r, "neutron_cps", 0.0);
    s.reading.duration_s = Num(r, "duration_s", 5.0);
    s.reading.gamma_alarm = Flag(r, "gamma_alarm");
    s.reading.neutron_alarm = Flag(r, "neutron_alarm");
    if (r.contains("format")) s.format = Str(r, "format");
    if (s.format != "2011" && s.format != "2006") throw StepError("format must be 2011 or 2006");
    s.reading.format = s.format == "2011" ? "N42-2011" : "N42-2006";
    return s;
  }
  if (j.contains("plate")) {
    const json& p = j.at("plate");
    PlateRead r;
    r.plate = Str(p, "text");
    r.confidence = Num(p, "confidence");
    if (p.contains("region")) r.region = Str(p, "region");
    r.candidates = Candidates(p);
    return r;
  }
  if (j.contains("container")) {
    const json& c = j.at("container");
    ContainerCodeRead r;
    r.code = Str(c, "code");
    r.confidence = Num(c, "confidence");
    r.candidates = Candidates(c);
    return r;
  }
  if (j.contains("seal")) {
    const json& s = j.at("seal");
    SealRead r;
    r.seal_id = Str(s, "id");
    r.technology = s.contains("technology") ? Str(s, "technology") : "barcode";
    if (s.contains("status")) r.status = Str(s, "status");
    return r;
  }
  if (j.contains("raw_hex")) return RawBytes{Hex(j, "raw_hex")};
  if (j.contains("raw_body")) return RawBody{Str(j, "raw_body")};
  if (j.contains("disconnect_ms")) {
    double d = Num(j, "disconnect_ms");
    if (d < 0 || d > 3'600'000) throw StepError("disconnect_ms must be 0..3600000");
    return Disconnect{static_cast<std::int64_t>(d)};
  }
  throw StepError(
      "no action (mrz, chip, weight, radiation, plate, container, seal, raw_hex, raw_body, "
      "disconnect_ms)");
}

}  // namespace

std::string MakeDg1(const std::vector<std::string>& mrz_lines) {
  std::string mrz;
  for (const auto& l : mrz_lines) mrz += l;
  auto tlv = [](std::string tag, const std::string& value) {
    std::string out = std::move(tag);
    if (value.size() < 0x80) {
      out += static_cast<char>(value.size());
    } else {
      out += static_cast<char>(0x81);
      out += static_cast<char>(value.size() & 0xff);
    }
    return out + value;
  };
  return tlv("\x61", tlv("\x5f\x1f", mrz));
}

Expected<std::vector<Step>> ParseScenario(std::string_view jsonl, std::string_view source) {
  std::vector<Step> steps;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= jsonl.size()) {
    std::size_t nl = jsonl.find('\n', pos);
    std::string_view line =
        jsonl.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? jsonl.size() + 1 : nl + 1;
    ++line_no;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    auto where = std::string(source) + ":" + std::to_string(line_no) + ": ";
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return MakeError(CommonErrc::kParse, where + "not a JSON object");
    }
    try {
      Step s;
      s.line = line_no;
      s.t_ms = static_cast<std::int64_t>(Num(j, "t_ms"));
      if (s.t_ms < 0) throw StepError("t_ms must not be negative");
      s.device = Str(j, "device");
      s.action = ParseAction(j);
      steps.push_back(std::move(s));
    } catch (const StepError& e) {
      return MakeError(CommonErrc::kParse, where + e.message);
    } catch (const json::exception& e) {
      return MakeError(CommonErrc::kParse, where + e.what());
    }
  }
  std::stable_sort(steps.begin(), steps.end(),
                   [](const Step& a, const Step& b) { return a.t_ms < b.t_ms; });
  return steps;
}

Expected<std::vector<Step>> LoadScenario(const std::string& path) {
  auto text = common::ReadFile(path, 16u << 20);
  if (!text) return std::move(text).error().WithContext("cannot read scenario");
  return ParseScenario(*text, path);
}

}  // namespace checkpoint::hal::sim
