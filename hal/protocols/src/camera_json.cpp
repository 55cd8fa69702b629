#include "checkpoint/hal/protocols/camera_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "checkpoint/common/text.hpp"

namespace checkpoint::hal::protocols {
namespace {

using json = nlohmann::json;

FrameError Malformed(std::string detail) {
  return {"malformed", std::move(detail)};
}
FrameError OutOfRange(std::string detail) {
  return {"out_of_range", std::move(detail)};
}

// Size, encoding and nesting depth, checked before the JSON parser runs so that
// it never sees a deeply nested or oversized body.
std::optional<FrameError> PreScan(std::string_view body, const CameraJsonLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return FrameError{"too_large", "body of " + std::to_string(body.size()) + " bytes; limit " +
                                       std::to_string(limits.max_body_bytes)};
  }
  if (auto bad = common::FirstInvalidUtf8(body)) {
    return Malformed("invalid UTF-8 at byte " + std::to_string(*bad));
  }
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limits.max_depth) {
        return FrameError{"too_large",
                          "JSON nested deeper than " + std::to_string(limits.max_depth)};
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

Decoded<json> ParseBody(std::string_view body, const CameraJsonLimits& limits) {
  if (auto e = PreScan(body, limits)) return *e;
  // nlohmann keeps the last of duplicate keys silently; a camera that sends two
  // "plate" keys is not trusted to mean either.
  bool duplicate = false;
  std::vector<std::set<std::string>> keys;
  json::parser_callback_t on_event = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty() && parsed.is_string()) {
      if (!keys.back().insert(parsed.get<std::string>()).second) duplicate = true;
    }
    return true;
  };
  try {
    json j = json::parse(body.begin(), body.end(), on_event, /*allow_exceptions=*/true);
    if (duplicate) return Malformed("duplicate key in a JSON object");
    if (!j.is_object()) return Malformed("body is not a JSON object");
    return j;
  } catch (const json::parse_error& e) {
    // e.what() quotes the offending token; report the offset only.
    return Malformed("JSON syntax error at byte " + std::to_string(e.byte));
  } catch (const json::out_of_range&) {
    return OutOfRange("a JSON number is out of range");
  } catch (const std::exception&) {
    return Malformed("JSON could not be parsed");
  }
}

const json* Member(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::string At(const std::string& where, const char* field) {
  return where + "." + field;
}

// A required confidence on the given scale (100 for percent, 1 for fractions),
// normalised to [0, 1].
std::optional<FrameError> GetConfidence(const json& obj, const char* field, double scale,
                                        const std::string& where, double& out) {
  const json* v = Member(obj, field);
  if (v == nullptr) return Malformed(At(where, field) + " is missing");
  if (!v->is_number()) return Malformed(At(where, field) + " is not a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < 0 || d > scale) {
    return OutOfRange(At(where, field) + " outside [0, " + (scale == 1 ? "1" : "100") + "]");
  }
  out = d / scale;
  return std::nullopt;
}

std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7F;
  });
}

std::string_view TrimAscii(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

enum class TextKind { kPlate, kContainer };

// A required reading text: a plate (trimmed, 1..16 characters, no control
// characters) or a container code (spaces removed, 1..15 of [A-Z0-9]).
std::optional<FrameError> GetText(const json& obj, const char* field, TextKind kind,
                                  const std::string& where, std::string& out) {
  const json* v = Member(obj, field);
  if (v == nullptr) return Malformed(At(where, field) + " is missing");
  if (!v->is_string()) return Malformed(At(where, field) + " is not a string");
  const auto& raw = v->get_ref<const std::string&>();
  if (kind == TextKind::kPlate) {
    std::string_view t = TrimAscii(raw);
    if (t.empty()) return Malformed(At(where, field) + " is empty");
    if (HasControl(t)) return Malformed(At(where, field) + " contains control characters");
    if (CodePoints(t) > kMaxPlateChars) {
      return OutOfRange(At(where, field) + " longer than " + std::to_string(kMaxPlateChars) +
                        " characters");
    }
    out.assign(t);
    return std::nullopt;
  }
  std::string code;
  for (char c : raw) {
    if (c == ' ') continue;
    if (code.size() >= kMaxContainerChars) {
      return OutOfRange(At(where, field) + " longer than " + std::to_string(kMaxContainerChars) +
                        " characters");
    }
    code.push_back(c);
  }
  if (code.empty()) return Malformed(At(where, field) + " is empty");
  if (!std::all_of(code.begin(), code.end(),
                   [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); })) {
    return Malformed(At(where, field) + " has characters outside [A-Z0-9]");
  }
  out = std::move(code);
  return std::nullopt;
}

std::optional<FrameError> GetRegion(const json& obj, const std::string& where, std::string& out) {
  const json* v = Member(obj, "region");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string()) return Malformed(where + ".region is not a string");
  std::string_view r = TrimAscii(v->get_ref<const std::string&>());
  if (r.size() > kMaxRegionBytes) return OutOfRange(where + ".region too long");
  if (HasControl(r)) return Malformed(where + ".region contains control characters");
  out.assign(r);
  return std::nullopt;
}

// How one form spells a reading.
struct Form {
  const char* text_key;       // "plate", "text" or "code"
  const char* candidate_key;  // text key inside candidates[]
  double scale;               // 100: percent, 1: fraction
  TextKind kind;
};

struct Reading {
  std::string text;
  std::string region;
  double confidence = 0;
  std::vector<hal::Candidate> candidates;
};

// The reading first, then the other candidates by falling confidence (stable),
// without repeating a text, at most kMaxCandidates in all.
std::vector<hal::Candidate> RankCandidates(const Reading& r, std::vector<hal::Candidate> others) {
  std::stable_sort(others.begin(), others.end(),
                   [](const auto& a, const auto& b) { return a.confidence > b.confidence; });
  std::vector<hal::Candidate> ranked{{r.text, r.confidence}};
  for (auto& c : others) {
    if (ranked.size() >= kMaxCandidates) break;
    const bool seen = std::any_of(ranked.begin(), ranked.end(),
                                  [&](const hal::Candidate& k) { return k.text == c.text; });
    if (!seen) ranked.push_back(std::move(c));
  }
  return ranked;
}

Decoded<Reading> ParseReading(const json& item, const Form& form, const std::string& where) {
  if (!item.is_object()) return Malformed(where + " is not an object");
  Reading r;
  if (auto e = GetText(item, form.text_key, form.kind, where, r.text)) return *e;
  if (auto e = GetConfidence(item, "confidence", form.scale, where, r.confidence)) return *e;
  if (form.kind == TextKind::kPlate) {
    if (auto e = GetRegion(item, where, r.region)) return *e;
  }
  std::vector<hal::Candidate> others;
  if (const json* cands = Member(item, "candidates"); cands != nullptr && !cands->is_null()) {
    if (!cands->is_array()) return Malformed(where + ".candidates is not an array");
    for (std::size_t i = 0; i < cands->size(); ++i) {
      const json& c = (*cands)[i];
      const std::string cw = where + ".candidates[" + std::to_string(i) + "]";
      if (!c.is_object()) return Malformed(cw + " is not an object");
      hal::Candidate cand;
      if (auto e = GetText(c, form.candidate_key, form.kind, cw, cand.text)) return *e;
      if (auto e = GetConfidence(c, "confidence", form.scale, cw, cand.confidence)) return *e;
      others.push_back(std::move(cand));
    }
  }
  r.candidates = RankCandidates(r, std::move(others));
  return r;
}

Decoded<std::vector<Reading>> ParseResults(const json& root, const Form& form) {
  const json* results = Member(root, "results");
  if (results == nullptr) return Malformed("results is missing");
  if (!results->is_array()) return Malformed("results is not an array");
  if (results->size() > kMaxReadsPerEvent) {
    return FrameError{"too_large", std::to_string(results->size()) + " results; limit " +
                                       std::to_string(kMaxReadsPerEvent)};
  }
  std::vector<Reading> out;
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto r = ParseReading((*results)[i], form, "results[" + std::to_string(i) + "]");
    if (auto* e = std::get_if<FrameError>(&r)) return *e;
    out.push_back(std::move(std::get<Reading>(r)));
  }
  return out;
}

// OpenALPR agent "alpr_group": the top-level best_* fields (newer agents), or
// the best_plate object (older agents) when they are absent.
Decoded<std::vector<Reading>> ParseAlprGroup(const json& root) {
  const json* best = Member(root, "best_plate");
  if (best != nullptr && !best->is_object()) return Malformed("best_plate is not an object");
  json item = json::object();
  auto take = [&](const char* top, const char* inner) {
    if (const json* v = Member(root, top)) {
      item[inner] = *v;
    } else if (best != nullptr) {
      if (const json* w = Member(*best, inner)) item[inner] = *w;
    }
  };
  take("best_plate_number", "plate");
  take("best_confidence", "confidence");
  take("best_region", "region");
  take("candidates", "candidates");
  auto r = ParseReading(item, Form{"plate", "plate", 100, TextKind::kPlate}, "best_plate");
  if (auto* e = std::get_if<FrameError>(&r)) return *e;
  return std::vector<Reading>{std::move(std::get<Reading>(r))};
}

// Reads a string-valued discriminator; nullopt when absent.
Decoded<std::optional<std::string>> Discriminator(const json& root, const char* key) {
  const json* v = Member(root, key);
  if (v == nullptr) return std::optional<std::string>{};
  if (!v->is_string()) return Malformed(std::string(key) + " is not a string");
  return std::optional<std::string>{v->get<std::string>()};
}

Decoded<std::vector<Reading>> PlateReadings(const json& root) {
  const Form alpr{"plate", "plate", 100, TextKind::kPlate};
  auto type = Discriminator(root, "type");
  if (auto* e = std::get_if<FrameError>(&type)) return *e;
  if (const auto& t = std::get<std::optional<std::string>>(type)) {
    if (*t != "plate") return FrameError{"unsupported", "event type is not \"plate\""};
    auto r = ParseReading(root, Form{"text", "text", 1, TextKind::kPlate}, "event");
    if (auto* e = std::get_if<FrameError>(&r)) return *e;
    return std::vector<Reading>{std::move(std::get<Reading>(r))};
  }
  auto data_type = Discriminator(root, "data_type");
  if (auto* e = std::get_if<FrameError>(&data_type)) return *e;
  if (const auto& d = std::get<std::optional<std::string>>(data_type)) {
    if (*d == "alpr_results") return ParseResults(root, alpr);
    if (*d == "alpr_group") return ParseAlprGroup(root);
    return FrameError{"unsupported", "data_type is not a plate result (e.g. a heartbeat)"};
  }
  if (Member(root, "results") != nullptr) return ParseResults(root, alpr);
  return Malformed("neither \"type\", \"data_type\" nor \"results\" present");
}

Decoded<std::vector<Reading>> ContainerReadings(const json& root) {
  auto type = Discriminator(root, "type");
  if (auto* e = std::get_if<FrameError>(&type)) return *e;
  if (const auto& t = std::get<std::optional<std::string>>(type)) {
    if (*t != "container") return FrameError{"unsupported", "event type is not \"container\""};
    auto r = ParseReading(root, Form{"code", "text", 1, TextKind::kContainer}, "event");
    if (auto* e = std::get_if<FrameError>(&r)) return *e;
    return std::vector<Reading>{std::move(std::get<Reading>(r))};
  }
  if (Member(root, "results") != nullptr) {
    return ParseResults(root, Form{"code", "code", 100, TextKind::kContainer});
  }
  return Malformed("neither \"type\" nor \"results\" present");
}

template <typename Convert>
auto Decode(std::string_view body, const CameraJsonLimits& limits,
            Decoded<std::vector<Reading>> (*readings)(const json&), Convert convert)
    -> Decoded<std::vector<decltype(convert(std::declval<Reading>()))>> {
  using Out = std::vector<decltype(convert(std::declval<Reading>()))>;
  try {
    auto root = ParseBody(body, limits);
    if (auto* e = std::get_if<FrameError>(&root)) return *e;
    auto rs = readings(std::get<json>(root));
    if (auto* e = std::get_if<FrameError>(&rs)) return *e;
    Out out;
    for (auto& r : std::get<std::vector<Reading>>(rs)) out.push_back(convert(std::move(r)));
    return out;
  } catch (const std::exception&) {
    // json accessors are type-checked above; this is the edge for anything else.
    return Malformed("event could not be decoded");
  }
}

nlohmann::ordered_json CandidatesJson(const std::vector<hal::Candidate>& cands, const char* key,
                                      double scale) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& c : cands) {
    auto o = nlohmann::ordered_json::object();
    o[key] = c.text;
    o["confidence"] = c.confidence * scale;
    if (scale == 100) o["matches_template"] = 0;
    arr.push_back(std::move(o));
  }
  return arr;
}

}  // namespace

Decoded<std::vector<hal::PlateRead>> ParsePlateEvent(std::string_view body,
                                                     const CameraJsonLimits& limits) {
  return Decode(body, limits, &PlateReadings, [](Reading r) {
    return hal::PlateRead{std::move(r.text), std::move(r.region), r.confidence,
                          std::move(r.candidates)};
  });
}

Decoded<std::vector<hal::ContainerCodeRead>> ParseContainerEvent(std::string_view body,
                                                                 const CameraJsonLimits& limits) {
  return Decode(body, limits, &ContainerReadings, [](Reading r) {
    return hal::ContainerCodeRead{std::move(r.text), r.confidence, std::move(r.candidates)};
  });
}

std::string EncodeOpenAlprPlate(const hal::PlateRead& read) {
  nlohmann::ordered_json result;
  result["plate"] = read.plate;
  result["confidence"] = read.confidence * 100;
  result["matches_template"] = 0;
  result["plate_index"] = 0;
  result["region"] = read.region;
  result["region_confidence"] = 0;
  result["candidates"] = CandidatesJson(read.candidates, "plate", 100);
  nlohmann::ordered_json body;
  body["version"] = 2;
  body["data_type"] = "alpr_results";
  body["results"] = nlohmann::ordered_json::array({std::move(result)});
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string EncodeGenericContainer(const hal::ContainerCodeRead& read) {
  nlohmann::ordered_json body;
  body["type"] = "container";
  body["code"] = read.code;
  body["confidence"] = read.confidence;
  body["candidates"] = CandidatesJson(read.candidates, "text", 1);
  return body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace checkpoint::hal::protocols
