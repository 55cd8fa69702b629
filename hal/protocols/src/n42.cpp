#include "checkpoint/hal/protocols/n42.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <optional>
#include <pugixml.hpp>
#include <unordered_map>
#include <utility>

namespace checkpoint::hal::protocols {
namespace {

// Plausibility bounds: a portal's counts per sample, a dose rate far above any
// lethal field, a slice of at most a day.
constexpr double kMaxCountValue = 1e12;
constexpr double kMaxCountSum = 1e15;
constexpr double kMaxDoseUsvH = 1e8;
constexpr double kMaxSliceSeconds = 86400;
constexpr std::size_t kMaxDetectors = 256;
constexpr std::size_t kMaxAlarmText = 512;

using Error = std::optional<FrameError>;

FrameError Malformed(std::string d) {
  return {"malformed", std::move(d)};
}
FrameError OutOfRange(std::string d) {
  return {"out_of_range", std::move(d)};
}
FrameError Unsupported(std::string d) {
  return {"unsupported", std::move(d)};
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return Lower(x) == Lower(y); }) != hay.end();
}

std::string_view LocalName(std::string_view qname) {
  auto colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

bool IsRootName(std::string_view qname) {
  auto local = LocalName(qname);
  return local == "N42InstrumentData" || local == "RadInstrumentData";
}

// ---- pugixml access by local name (the only place that sees pugixml types) ----

bool Is(const pugi::xml_node& n, std::string_view local) {
  return n.type() == pugi::node_element && LocalName(n.name()) == local;
}

pugi::xml_node Child(const pugi::xml_node& n, std::string_view local) {
  for (auto c : n.children()) {
    if (Is(c, local)) return c;
  }
  return {};
}

template <typename F>
Error ForEach(const pugi::xml_node& n, std::string_view local, F&& f) {
  for (auto c : n.children()) {
    if (!Is(c, local)) continue;
    if (Error e = f(c)) return e;
  }
  return std::nullopt;
}

std::string_view Attr(const pugi::xml_node& n, std::string_view local) {
  for (auto a : n.attributes()) {
    if (LocalName(a.name()) == local) return a.value();
  }
  return {};
}

std::string_view Text(const pugi::xml_node& n) {
  return n.child_value();
}

// ---- values ----

Error Number(std::string_view text, const std::string& what, double max, double& out) {
  text = Trim(text);
  if (text.empty()) return Malformed(what + " is empty");
  if (text.front() == '-') return OutOfRange(what + " is negative");
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) return OutOfRange(what + " is out of range");
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Malformed(what + " is not a number");
  }
  if (!std::isfinite(v) || v < 0 || v > max) return OutOfRange(what + " is out of range");
  out = v;
  return std::nullopt;
}

// Sum of a whitespace-separated list of counts. With CountedZeroes compression
// a 0 is followed by the number of zero channels, which adds nothing.
Error CountSum(std::string_view text, const std::string& what, bool counted_zeroes, double& sum) {
  sum = 0;
  bool skip_next = false;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && !IsSpace(text[j])) ++j;
    if (j == i) break;
    double v = 0;
    if (Error e = Number(text.substr(i, j - i), what, kMaxCountValue, v)) return e;
    if (skip_next) {
      skip_next = false;
    } else {
      sum += v;
      skip_next = counted_zeroes && v == 0;
    }
    if (sum > kMaxCountSum) return OutOfRange(what + " sum is out of range");
    i = j;
  }
  return std::nullopt;
}

// ISO 8601 duration as N42 uses it: PnDTnHnMnS, fractions allowed (PT2.5S).
Error Duration(std::string_view text, const std::string& what, double& seconds) {
  text = Trim(text);
  if (!text.empty() && text.front() == '-') return OutOfRange(what + " is negative");
  if (text.size() < 2 || text.front() != 'P')
    return Malformed(what + " is not an ISO 8601 duration");
  double total = 0;
  bool time = false, any = false;
  std::size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (time) return Malformed(what + " is not an ISO 8601 duration");
      time = true;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == '.')) ++j;
    if (j == i || j == text.size()) return Malformed(what + " is not an ISO 8601 duration");
    double v = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + j, v);
    if (ec != std::errc() || end != text.data() + j || !std::isfinite(v)) {
      return Malformed(what + " is not an ISO 8601 duration");
    }
    const char unit = text[j];
    double scale = 0;
    if (!time && unit == 'D') scale = 86400;
    if (time && unit == 'H') scale = 3600;
    if (time && unit == 'M') scale = 60;
    if (time && unit == 'S') scale = 1;
    if (scale == 0) return Unsupported(what + " uses calendar units or is not ISO 8601");
    total += v * scale;
    any = true;
    i = j + 1;
  }
  if (!any) return Malformed(what + " is an empty duration");
  if (total > kMaxSliceSeconds) return OutOfRange(what + " is longer than a day");
  seconds = total;
  return std::nullopt;
}

Error Bool(std::string_view text, const std::string& what, bool& out) {
  text = Trim(text);
  if (text == "true" || text == "1") {
    out = true;
  } else if (text == "false" || text == "0") {
    out = false;
  } else {
    return Malformed(what + " is not a boolean");
  }
  return std::nullopt;
}

// µSv/h per unit of the 2006 DoseRate Units attribute.
std::optional<double> DoseScale(std::string_view units) {
  std::string u;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto b = static_cast<unsigned char>(units[i]);
    if (IsSpace(units[i])) continue;
    if ((b == 0xC2 || b == 0xCE) && i + 1 < units.size()) {  // µ (U+00B5) or μ (U+03BC)
      const auto n = static_cast<unsigned char>(units[i + 1]);
      if ((b == 0xC2 && n == 0xB5) || (b == 0xCE && n == 0xBC)) {
        u.push_back('u');
        ++i;
        continue;
      }
    }
    u.push_back(Lower(units[i]));
  }
  if (u.ends_with("/hr")) u.resize(u.size() - 1);
  static const std::pair<const char*, double> kScales[] = {
      {"usv/h", 1},   {"nsv/h", 1e-3}, {"msv/h", 1e3},   {"sv/h", 1e6}, {"ugy/h", 1},
      {"ur/h", 1e-2}, {"mr/h", 10},    {"urem/h", 1e-2}, {"mrem/h", 10}};
  for (const auto& [name, scale] : kScales) {
    if (u == name) return scale;
  }
  return std::nullopt;
}

// The instrument's own words, kept as valid UTF-8 without control characters.
void AppendSanitised(std::string& out, std::string_view text) {
  text = Trim(text);
  std::size_t i = 0;
  while (i < text.size() && out.size() < kMaxAlarmText) {
    const auto b = static_cast<unsigned char>(text[i]);
    std::size_t n = b < 0x80                 ? 1
                    : b >= 0xC2 && b <= 0xDF ? 2
                    : b >= 0xE0 && b <= 0xEF ? 3
                    : b >= 0xF0 && b <= 0xF4 ? 4
                                             : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (!ok) {
      out.push_back('?');
      ++i;
    } else if (n == 1) {
      out.push_back(b < 0x20 || b == 0x7F ? ' ' : text[i]);
      ++i;
    } else {
      if (out.size() + n > kMaxAlarmText) break;
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

// ---- measurement model ----

struct Slice {
  double real_s = 0;
  bool has_real = false;
  std::optional<bool> occupied;
  std::optional<double> gamma, neutron, dose;
};

struct Alarms {
  bool gamma = false, neutron = false, explicit_flags = false;
  std::string text;
  void AddText(std::string_view t) {
    if (Trim(t).empty() || text.size() >= kMaxAlarmText) return;
    if (!text.empty()) text += "; ";
    AppendSanitised(text, t);
  }
};

enum class Kind { kGamma, kNeutron, kOther };

Kind KindOf(std::string_view category) {
  category = Trim(category);
  if (EqualsNoCase(category, "Gamma")) return Kind::kGamma;
  if (EqualsNoCase(category, "Neutron")) return Kind::kNeutron;
  return Kind::kOther;
}

void AddCounts(Slice& s, Kind kind, double counts) {
  if (kind == Kind::kGamma) s.gamma = s.gamma.value_or(0) + counts;
  if (kind == Kind::kNeutron) s.neutron = s.neutron.value_or(0) + counts;
}

Decoded<hal::RadiationReading> Aggregate(const std::vector<Slice>& slices, const Alarms& alarms,
                                         std::string format) {
  if (slices.empty()) return Unsupported("no foreground measurement in the document");
  const bool any_occupied =
      std::any_of(slices.begin(), slices.end(), [](const Slice& s) { return s.occupied == true; });
  double gamma = 0, neutron = 0, gamma_t = 0, neutron_t = 0, longest = 0;
  bool has_gamma = false, has_neutron = false;
  hal::RadiationReading r;
  r.format = std::move(format);
  for (const auto& s : slices) {
    if (any_occupied && s.occupied == false) continue;
    if ((s.gamma || s.neutron) && !s.has_real) return Malformed("counts without a real time");
    if (s.gamma) {
      gamma += *s.gamma;
      gamma_t += s.real_s;
      has_gamma = true;
    }
    if (s.neutron) {
      neutron += *s.neutron;
      neutron_t += s.real_s;
      has_neutron = true;
    }
    if (s.dose) r.dose_rate_usv_h = std::max(r.dose_rate_usv_h.value_or(0), *s.dose);
    longest = std::max(longest, s.real_s);
  }
  if ((has_gamma && gamma_t <= 0) || (has_neutron && neutron_t <= 0)) {
    return OutOfRange("counts over a zero real time");
  }
  if (has_gamma) r.gamma_cps = gamma / gamma_t;
  if (has_neutron) r.neutron_cps = neutron / neutron_t;
  r.duration_s = has_gamma || has_neutron ? std::max(gamma_t, neutron_t) : longest;
  r.occupied = any_occupied;
  r.gamma_alarm = alarms.gamma;
  r.neutron_alarm = alarms.neutron;
  r.alarm_text = alarms.text;
  return r;
}

// ---- 2011/2012 ----

Error ParseRadMeasurement(const pugi::xml_node& m,
                          const std::unordered_map<std::string, Kind>& detectors,
                          std::vector<Slice>& slices) {
  const std::string_view cls = Trim(Text(Child(m, "MeasurementClassCode")));
  if (!cls.empty() && cls != "Foreground" && cls != "NotSpecified") return std::nullopt;
  Slice s;
  if (auto rt = Child(m, "RealTimeDuration")) {
    if (Error e = Duration(Text(rt), "RealTimeDuration", s.real_s)) return e;
    s.has_real = true;
  }
  Error e = ForEach(m, "GrossCounts", [&](const pugi::xml_node& gc) -> Error {
    const std::string ref(Trim(Attr(gc, "radDetectorInformationReference")));
    auto it = detectors.find(ref);
    if (it == detectors.end()) return Malformed("GrossCounts refers to an undeclared detector");
    auto data = Child(gc, "CountData");
    if (!data) return Malformed("GrossCounts without CountData");
    double sum = 0;
    if (Error ce = CountSum(Text(data), "CountData", false, sum)) return ce;
    AddCounts(s, it->second, sum);
    return std::nullopt;
  });
  if (e) return e;
  e = ForEach(m, "DoseRate", [&](const pugi::xml_node& dr) -> Error {
    double v = 0;
    if (Error de = Number(Text(Child(dr, "DoseRateValue")), "DoseRateValue", kMaxDoseUsvH, v)) {
      return de;
    }
    s.dose = std::max(s.dose.value_or(0), v);
    return std::nullopt;
  });
  if (e) return e;
  if (auto occ = Child(m, "OccupancyIndicator")) {
    bool b = false;
    if (Error be = Bool(Text(occ), "OccupancyIndicator", b)) return be;
    s.occupied = b;
  }
  slices.push_back(s);
  return std::nullopt;
}

Decoded<hal::RadiationReading> Parse2011(const pugi::xml_node& root) {
  std::unordered_map<std::string, Kind> detectors;
  Error e = ForEach(root, "RadDetectorInformation", [&](const pugi::xml_node& d) -> Error {
    if (detectors.size() >= kMaxDetectors) return FrameError{"too_large", "too many detectors"};
    detectors[std::string(Trim(Attr(d, "id")))] = KindOf(Text(Child(d, "RadDetectorCategoryCode")));
    return std::nullopt;
  });
  if (e) return *e;
  std::vector<Slice> slices;
  e = ForEach(root, "RadMeasurement",
              [&](const pugi::xml_node& m) { return ParseRadMeasurement(m, detectors, slices); });
  if (e) return *e;
  Alarms alarms;
  (void)ForEach(root, "AnalysisResults", [&](const pugi::xml_node& a) -> Error {
    return ForEach(a, "RadAlarm", [&](const pugi::xml_node& alarm) -> Error {
      const Kind k = KindOf(Text(Child(alarm, "RadAlarmCategoryCode")));
      alarms.gamma |= k == Kind::kGamma;
      alarms.neutron |= k == Kind::kNeutron;
      alarms.AddText(Text(Child(alarm, "RadAlarmDescription")));
      return std::nullopt;
    });
  });
  return Aggregate(slices, alarms, "N42-2011");
}

// ---- 2006 ----

Error SpectrumCounts(const pugi::xml_node& spectrum, double& sum) {
  auto data = Child(spectrum, "ChannelData");
  if (!data) return Malformed("Spectrum without ChannelData");
  const bool zeroes = ContainsNoCase(Attr(data, "Compression"), "CountedZeroes");
  return CountSum(Text(data), "ChannelData", zeroes, sum);
}

Error ParseDetectorData(const pugi::xml_node& dd, std::optional<bool> occupied,
                        std::vector<Slice>& slices) {
  Slice s;
  s.occupied = occupied;
  if (auto rt = Child(dd, "SampleRealTime")) {
    if (Error e = Duration(Text(rt), "SampleRealTime", s.real_s)) return e;
    s.has_real = true;
  }
  if (auto occ = Child(dd, "Occupied")) {
    bool b = false;
    if (Error e = Bool(Text(occ), "Occupied", b)) return e;
    s.occupied = b;
  }
  Error e = ForEach(dd, "DetectorMeasurement", [&](const pugi::xml_node& dm) -> Error {
    const Kind kind = KindOf(Attr(dm, "DetectorType"));
    Error ge = ForEach(dm, "GrossCountMeasurement", [&](const pugi::xml_node& g) -> Error {
      return ForEach(g, "GrossCounts", [&](const pugi::xml_node& gc) -> Error {
        double sum = 0;
        if (Error ce = CountSum(Text(gc), "GrossCounts", false, sum)) return ce;
        AddCounts(s, kind, sum);
        return std::nullopt;
      });
    });
    if (ge) return ge;
    return ForEach(dm, "SpectrumMeasurement", [&](const pugi::xml_node& sm) -> Error {
      return ForEach(sm, "Spectrum", [&](const pugi::xml_node& sp) -> Error {
        double sum = 0;
        if (Error se = SpectrumCounts(sp, sum)) return se;
        const auto own = Attr(sp, "DetectorType");
        AddCounts(s, own.empty() ? kind : KindOf(own), sum);
        return std::nullopt;
      });
    });
  });
  if (e) return e;
  slices.push_back(s);
  return std::nullopt;
}

Error ParseCountDoseData(const pugi::xml_node& cd, std::optional<bool> occupied,
                         std::vector<Slice>& slices) {
  Slice s;
  s.occupied = occupied;
  const Kind kind = KindOf(Attr(cd, "DetectorType"));
  if (auto rt = Child(cd, "SampleRealTime")) {
    if (Error e = Duration(Text(rt), "SampleRealTime", s.real_s)) return e;
    s.has_real = true;
  }
  if (auto counts = Child(cd, "Counts")) {
    double v = 0;
    if (Error e = Number(Text(counts), "Counts", kMaxCountValue, v)) return e;
    AddCounts(s, kind, v);
  } else if (auto rate = Child(cd, "CountRate")) {
    double v = 0;
    if (Error e = Number(Text(rate), "CountRate", kMaxCountValue, v)) return e;
    if (!s.has_real) return Malformed("CountRate without SampleRealTime");
    AddCounts(s, kind, v * s.real_s);
  }
  if (auto dose = Child(cd, "DoseRate")) {
    const auto units = Attr(dose, "Units");
    if (Trim(units).empty()) return Unsupported("DoseRate without Units");
    auto scale = DoseScale(units);
    if (!scale) return Unsupported("DoseRate in unknown units");
    double v = 0;
    if (Error e = Number(Text(dose), "DoseRate", kMaxDoseUsvH / *scale, v)) return e;
    s.dose = v * *scale;
  }
  slices.push_back(s);
  return std::nullopt;
}

Error ParseSpectrum2006(const pugi::xml_node& sp, std::optional<bool> occupied,
                        std::vector<Slice>& slices) {
  const auto source = Trim(Text(Child(sp, "SourceType")));
  if (EqualsNoCase(source, "Background") || EqualsNoCase(source, "Calibration")) {
    return std::nullopt;
  }
  Slice s;
  s.occupied = occupied;
  if (auto rt = Child(sp, "RealTime")) {
    if (Error e = Duration(Text(rt), "RealTime", s.real_s)) return e;
    s.has_real = true;
  }
  double sum = 0;
  if (Error e = SpectrumCounts(sp, sum)) return e;
  const auto type = Attr(sp, "DetectorType");
  AddCounts(s, type.empty() ? Kind::kGamma : KindOf(type), sum);
  slices.push_back(s);
  return std::nullopt;
}

// 2006 has no alarm flags of its own: ThreatDescription is free text. Flags
// named GammaAlarm / NeutronAlarm (any namespace, e.g. our encoder's) win;
// without them the words "gamma" / "neutron" in the text set the flags.
Error ParseAnalysis2006(const pugi::xml_node& a, Alarms& alarms) {
  if (auto td = Child(a, "ThreatDescription")) alarms.AddText(Text(td));
  for (auto [name, flag] :
       {std::pair{"GammaAlarm", &alarms.gamma}, std::pair{"NeutronAlarm", &alarms.neutron}}) {
    if (auto n = Child(a, name)) {
      bool b = false;
      if (Error e = Bool(Text(n), name, b)) return e;
      *flag |= b;
      alarms.explicit_flags = true;
    }
  }
  return std::nullopt;
}

Decoded<hal::RadiationReading> Parse2006(const pugi::xml_node& root) {
  std::vector<Slice> slices;
  Alarms alarms;
  auto analysis = [&](const pugi::xml_node& a) { return ParseAnalysis2006(a, alarms); };
  Error e = ForEach(root, "Measurement", [&](const pugi::xml_node& m) -> Error {
    std::optional<bool> occupied;
    if (auto occ = Child(m, "Occupied")) {
      bool b = false;
      if (Error be = Bool(Text(occ), "Occupied", b)) return be;
      occupied = b;
    }
    if (Error pe = ForEach(m, "DetectorData", [&](const pugi::xml_node& dd) {
          return ParseDetectorData(dd, occupied, slices);
        })) {
      return pe;
    }
    if (Error pe = ForEach(m, "CountDoseData", [&](const pugi::xml_node& cd) {
          return ParseCountDoseData(cd, occupied, slices);
        })) {
      return pe;
    }
    if (Error pe = ForEach(m, "Spectrum", [&](const pugi::xml_node& sp) {
          return ParseSpectrum2006(sp, occupied, slices);
        })) {
      return pe;
    }
    return ForEach(m, "AnalysisResults", analysis);
  });
  if (e) return *e;
  if (Error ae = ForEach(root, "AnalysisResults", analysis)) return *ae;
  if (!alarms.explicit_flags) {
    alarms.gamma = ContainsNoCase(alarms.text, "gamma");
    alarms.neutron = ContainsNoCase(alarms.text, "neutron");
  }
  return Aggregate(slices, alarms, "N42-2006");
}

// ---- encoders ----

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(b < 0x20 && c != '\t' && c != '\n' && c != '\r' ? ' ' : c);
    }
  }
  return out;
}

std::string Num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "0";
}

std::string Counts(std::optional<double> cps, double duration) {
  const double c = cps.value_or(0) * duration;
  return std::isfinite(c) && c >= 0 && c < kMaxCountSum ? std::to_string(std::llround(c)) : "0";
}

std::string IsoDuration(double seconds) {
  return "PT" + Num(seconds) + "S";
}

}  // namespace

Decoded<hal::RadiationReading> ParseN42(std::string_view xml, const N42Limits& limits) {
  if (xml.size() > limits.max_bytes) {
    return FrameError{"too_large", "document of " + std::to_string(xml.size()) + " bytes; limit " +
                                       std::to_string(limits.max_bytes)};
  }
  if (auto nul = xml.find('\0'); nul != std::string_view::npos) {
    return Malformed("NUL byte at byte " + std::to_string(nul));
  }
  // Entity expansion (billion laughs, external entities) needs a DTD: refuse any.
  if (ContainsNoCase(xml, "<!DOCTYPE") || ContainsNoCase(xml, "<!ENTITY")) {
    return Unsupported("documents with a DOCTYPE or ENTITY declaration are refused");
  }
  const auto markup = static_cast<std::size_t>(std::count(xml.begin(), xml.end(), '<'));
  if (markup > limits.max_elements) {
    return FrameError{"too_large", std::to_string(markup) + " markup items; limit " +
                                       std::to_string(limits.max_elements)};
  }
  try {
    pugi::xml_document doc;
    const pugi::xml_parse_result result =
        doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!result) {
      return Malformed("XML syntax error at byte " + std::to_string(result.offset) + " (" +
                       result.description() + ")");
    }
    const pugi::xml_node root = doc.document_element();
    const auto local = LocalName(root.name());
    if (local == "RadInstrumentData") return Parse2011(root);
    if (local == "N42InstrumentData") return Parse2006(root);
    return Unsupported("root element is not N42InstrumentData or RadInstrumentData");
  } catch (const std::exception&) {
    return Malformed("document could not be decoded");
  }
}

// ---- framer ----

namespace {

constexpr std::size_t kMaxPrologBytes = 1024;  // prolog, PIs and comments before the root
constexpr std::size_t kMaxNameBytes = 128;

enum class Start { kNeedMore, kMatch, kNoMatch };

// Whether `p` (starting with '<') is, or may become, the start of a document.
Start ClassifyStart(std::string_view p) {
  std::size_t i = 0;
  for (;;) {
    while (i < p.size() && IsSpace(p[i])) ++i;
    if (i == p.size()) return Start::kNeedMore;
    if (p[i] != '<') return Start::kNoMatch;
    const std::string_view rest = p.substr(i);
    if (rest.size() < 2) return Start::kNeedMore;
    if (rest[1] == '?') {
      const auto end = rest.find("?>", 2);
      if (end == std::string_view::npos) return Start::kNeedMore;
      i += end + 2;
      continue;
    }
    if (rest[1] == '!') {
      constexpr std::string_view kOpen = "<!--";
      if (rest.size() < kOpen.size()) {
        return kOpen.starts_with(rest) ? Start::kNeedMore : Start::kNoMatch;
      }
      if (!rest.starts_with(kOpen)) return Start::kNoMatch;
      const auto end = rest.find("-->", kOpen.size());
      if (end == std::string_view::npos) return Start::kNeedMore;
      i += end + 3;
      continue;
    }
    std::size_t j = 1;
    while (j < rest.size() && !IsSpace(rest[j]) && rest[j] != '>' && rest[j] != '/' &&
           rest[j] != '<') {
      ++j;
    }
    if (j == rest.size()) return j > kMaxNameBytes ? Start::kNoMatch : Start::kNeedMore;
    return IsRootName(rest.substr(1, j - 1)) ? Start::kMatch : Start::kNoMatch;
  }
}

}  // namespace

void N42Framer::Feed(std::string_view bytes, std::vector<Decoded<std::string>>& out) {
  for (char c : bytes) {
    if (in_doc_) {
      InDocument(c, out);
    } else {
      Seek(c, out);
    }
  }
}

void N42Framer::Garbage(std::vector<Decoded<std::string>>& out) {
  if (!in_garbage_) out.emplace_back(FrameError{"garbage", "bytes between N42 documents"});
  in_garbage_ = true;
}

void N42Framer::Seek(char c, std::vector<Decoded<std::string>>& out) {
  // Bytes to examine, in order; a failed candidate puts its tail back here.
  std::string queue(1, c);
  std::size_t qi = 0;
  while (qi < queue.size()) {
    const char ch = queue[qi++];
    if (in_doc_) {
      InDocument(ch, out);
      continue;
    }
    if (pending_.empty()) {
      if (ch == '<') {
        pending_.push_back(ch);
      } else if (!IsSpace(ch)) {
        Garbage(out);
      }
      continue;
    }
    pending_.push_back(ch);
    if (pending_.size() > kMaxPrologBytes) {
      Garbage(out);  // an overlong prolog: all of it is garbage
      pending_.clear();
      continue;
    }
    switch (ClassifyStart(pending_)) {
      case Start::kNeedMore:
        break;
      case Start::kMatch: {
        std::string start = std::move(pending_);
        pending_.clear();
        StartDocument(std::move(start), out);
        break;
      }
      case Start::kNoMatch: {
        Garbage(out);
        // A document may still start at a later '<' of the failed candidate.
        const auto next = pending_.find('<', 1);
        std::string again = next == std::string::npos ? std::string() : pending_.substr(next);
        pending_.clear();
        queue = again + queue.substr(qi);
        qi = 0;
        break;
      }
    }
  }
}

void N42Framer::StartDocument(std::string bytes, std::vector<Decoded<std::string>>& out) {
  in_doc_ = true;
  in_garbage_ = false;
  doc_.clear();
  lex_ = Lex::kText;
  depth_ = 0;
  for (char c : bytes) InDocument(c, out);
}

void N42Framer::InDocument(char c, std::vector<Decoded<std::string>>& out) {
  doc_.push_back(c);
  if (doc_.size() > options_.max_bytes) {
    out.emplace_back(FrameError{"too_large", "N42 document over " +
                                                 std::to_string(options_.max_bytes) +
                                                 " bytes; skipped to the next document"});
    doc_.clear();
    in_doc_ = false;
    in_garbage_ = true;  // its tail is part of the same fault
    return;
  }
  auto complete = [&] {
    out.emplace_back(std::move(doc_));
    doc_.clear();
    in_doc_ = false;
    lex_ = Lex::kText;
  };
  switch (lex_) {
    case Lex::kText:
      if (c == '<') {
        lex_ = Lex::kOpen;
        tag_start_ = doc_.size() - 1;
      }
      return;
    case Lex::kOpen:
      if (c == '/') {
        lex_ = Lex::kEndTag;
      } else if (c == '?') {
        lex_ = Lex::kPi;
        prev_ = 0;
      } else if (c == '!') {
        lex_ = Lex::kBang;
        bang_.clear();
      } else {
        lex_ = Lex::kStartTag;
        name_.assign(1, c);
        name_done_ = false;
        quote_ = 0;
        prev_ = c;
      }
      return;
    case Lex::kStartTag:
      if (quote_ != 0) {
        if (c == quote_) quote_ = 0;
        prev_ = c;
        return;
      }
      if (!name_done_) {
        if (!IsSpace(c) && c != '>' && c != '/') {
          if (name_.size() < kMaxNameBytes) name_.push_back(c);
          prev_ = c;
          return;
        }
        name_done_ = true;
        if (depth_ > 0 && IsRootName(name_)) {
          // A new document began before this one ended: the device restarted.
          out.emplace_back(FrameError{"truncated", "N42 document interrupted by a new one after " +
                                                       std::to_string(tag_start_) + " bytes"});
          doc_.erase(0, tag_start_);
          tag_start_ = 0;
          depth_ = 0;
        }
      }
      if (c == '"' || c == '\'') {
        quote_ = c;
      } else if (c == '>') {
        lex_ = Lex::kText;
        if (prev_ != '/') {
          ++depth_;
        } else if (depth_ == 0) {
          complete();  // a self-closing root
          return;
        }
      }
      prev_ = c;
      return;
    case Lex::kEndTag:
      if (c == '>') {
        lex_ = Lex::kText;
        if (depth_ > 0) --depth_;
        if (depth_ == 0) complete();
      }
      return;
    case Lex::kPi:
      if (prev_ == '?' && c == '>') lex_ = Lex::kText;
      prev_ = c;
      return;
    case Lex::kBang: {
      bang_.push_back(c);
      constexpr std::string_view kComment = "--", kCData = "[CDATA[";
      if (bang_ == kComment) {
        lex_ = Lex::kComment;
        dashes_ = 0;
      } else if (bang_ == kCData) {
        lex_ = Lex::kCData;
        dashes_ = 0;
      } else if (!kComment.starts_with(bang_) && !kCData.starts_with(bang_)) {
        lex_ = c == '>' ? Lex::kText : Lex::kDecl;
      }
      return;
    }
    case Lex::kComment:
    case Lex::kCData: {
      const char closer = lex_ == Lex::kComment ? '-' : ']';
      if (c == closer) {
        dashes_ = std::min(dashes_ + 1, 2);
      } else {
        if (c == '>' && dashes_ >= 2) lex_ = Lex::kText;
        dashes_ = 0;
      }
      return;
    }
    case Lex::kDecl:
      if (c == '>') lex_ = Lex::kText;
      return;
  }
}

void N42Framer::Reset(std::vector<Decoded<std::string>>& out) {
  if (in_doc_ || !pending_.empty()) {
    out.emplace_back(FrameError{"truncated", "stream ended inside an N42 document (" +
                                                 std::to_string(buffered()) + " bytes dropped)"});
  }
  *this = N42Framer(options_);
}

// ---- encoders ----

std::string EncodeN42_2011(const hal::RadiationReading& r, const N42Instrument& inst) {
  const std::string dur = IsoDuration(r.duration_s);
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<RadInstrumentData xmlns=\"http://physics.nist.gov/N42/2011/N42\" n42DocUUID=\"" +
       Escape(inst.uuid) + "\">\n";
  x += "  <RadInstrumentDataCreatorName>Checkpoint Edge</RadInstrumentDataCreatorName>\n";
  x += "  <RadInstrumentInformation id=\"RadInstrumentInformation-1\">\n";
  x += "    <RadInstrumentManufacturerName>" + Escape(inst.manufacturer) +
       "</RadInstrumentManufacturerName>\n";
  x += "    <RadInstrumentIdentifier>" + Escape(inst.identifier) + "</RadInstrumentIdentifier>\n";
  x += "    <RadInstrumentModelName>" + Escape(inst.model) + "</RadInstrumentModelName>\n";
  x += "    <RadInstrumentClassCode>Portal Monitor</RadInstrumentClassCode>\n";
  x += "  </RadInstrumentInformation>\n";
  x += "  <RadDetectorInformation id=\"Gamma\">\n"
       "    <RadDetectorCategoryCode>Gamma</RadDetectorCategoryCode>\n"
       "    <RadDetectorKindCode>PVT</RadDetectorKindCode>\n"
       "  </RadDetectorInformation>\n";
  x += "  <RadDetectorInformation id=\"Neutron\">\n"
       "    <RadDetectorCategoryCode>Neutron</RadDetectorCategoryCode>\n"
       "    <RadDetectorKindCode>He3</RadDetectorKindCode>\n"
       "  </RadDetectorInformation>\n";
  x += "  <RadMeasurement id=\"Occupancy-1\">\n";
  x += "    <MeasurementClassCode>Foreground</MeasurementClassCode>\n";
  x += "    <StartDateTime>" + Escape(inst.start_time) + "</StartDateTime>\n";
  x += "    <RealTimeDuration>" + dur + "</RealTimeDuration>\n";
  auto gross = [&](const char* det, std::optional<double> cps) {
    if (!cps) return;
    x += std::string("    <GrossCounts id=\"Occupancy-1-") + det +
         "\" radDetectorInformationReference=\"" + det + "\">\n";
    x += "      <LiveTimeDuration>" + dur + "</LiveTimeDuration>\n";
    x += "      <CountData>" + Counts(cps, r.duration_s) + "</CountData>\n";
    x += "    </GrossCounts>\n";
  };
  gross("Gamma", r.gamma_cps);
  gross("Neutron", r.neutron_cps);
  if (r.dose_rate_usv_h) {
    x += "    <DoseRate id=\"Occupancy-1-Dose\" radDetectorInformationReference=\"Gamma\">\n";
    x += "      <DoseRateValue>" + Num(*r.dose_rate_usv_h) + "</DoseRateValue>\n";
    x += "    </DoseRate>\n";
  }
  x += std::string("    <OccupancyIndicator>") + (r.occupied ? "true" : "false") +
       "</OccupancyIndicator>\n";
  x += "  </RadMeasurement>\n";
  if (r.gamma_alarm || r.neutron_alarm || !r.alarm_text.empty()) {
    x += "  <AnalysisResults id=\"Analysis-1\">\n";
    bool text_written = false;
    auto alarm = [&](const char* category, const char* refs) {
      x += std::string("    <RadAlarm") + refs + ">\n";
      x += std::string("      <RadAlarmCategoryCode>") + category + "</RadAlarmCategoryCode>\n";
      if (!text_written && !r.alarm_text.empty()) {
        x += "      <RadAlarmDescription>" + Escape(r.alarm_text) + "</RadAlarmDescription>\n";
        text_written = true;
      }
      x += "    </RadAlarm>\n";
    };
    if (r.gamma_alarm) alarm("Gamma", " radDetectorInformationReferences=\"Gamma\"");
    if (r.neutron_alarm) alarm("Neutron", " radDetectorInformationReferences=\"Neutron\"");
    if (!r.gamma_alarm && !r.neutron_alarm) alarm("Other", "");
    x += "  </AnalysisResults>\n";
  }
  x += "</RadInstrumentData>\n";
  return x;
}

std::string EncodeN42_2006(const hal::RadiationReading& r, const N42Instrument& inst) {
  const std::string dur = IsoDuration(r.duration_s);
  std::string x;
  x += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<N42InstrumentData "
       "xmlns=\"http://physics.nist.gov/Divisions/Div846/Gp4/ANSIN4242/2005/ANSIN4242\" "
       "xmlns:cpe=\"urn:checkpoint-edge:n42-2006-extensions\">\n";
  x += "  <Measurement UUID=\"" + Escape(inst.uuid) + "\">\n";
  x += "    <InstrumentInformation>\n";
  x += "      <InstrumentType>PortalMonitor</InstrumentType>\n";
  x += "      <Manufacturer>" + Escape(inst.manufacturer) + "</Manufacturer>\n";
  x += "      <InstrumentModel>" + Escape(inst.model) + "</InstrumentModel>\n";
  x += "      <InstrumentID>" + Escape(inst.identifier) + "</InstrumentID>\n";
  x += "    </InstrumentInformation>\n";
  x += "    <DetectorData>\n";
  x += "      <StartTime>" + Escape(inst.start_time) + "</StartTime>\n";
  x += "      <SampleRealTime>" + dur + "</SampleRealTime>\n";
  x += std::string("      <Occupied>") + (r.occupied ? "true" : "false") + "</Occupied>\n";
  auto detector = [&](const char* type, std::optional<double> cps) {
    if (!cps) return;
    x += std::string("      <DetectorMeasurement Detector=\"") + type + "1\" DetectorType=\"" +
         type + "\">\n";
    x += "        <GrossCountMeasurement>\n";
    x += "          <GrossCounts>" + Counts(cps, r.duration_s) + "</GrossCounts>\n";
    x += "        </GrossCountMeasurement>\n";
    x += "      </DetectorMeasurement>\n";
  };
  detector("Gamma", r.gamma_cps);
  detector("Neutron", r.neutron_cps);
  x += "    </DetectorData>\n";
  if (r.dose_rate_usv_h) {
    x += "    <CountDoseData DetectorType=\"Gamma\">\n";
    x += "      <StartTime>" + Escape(inst.start_time) + "</StartTime>\n";
    x += "      <SampleRealTime>" + dur + "</SampleRealTime>\n";
    x += "      <DoseRate Units=\"uSv/h\">" + Num(*r.dose_rate_usv_h) + "</DoseRate>\n";
    x += "    </CountDoseData>\n";
  }
  x += "    <AnalysisResults>\n";
  if (!r.alarm_text.empty()) {
    x += "      <ThreatDescription>" + Escape(r.alarm_text) + "</ThreatDescription>\n";
  }
  x += std::string("      <cpe:GammaAlarm>") + (r.gamma_alarm ? "true" : "false") +
       "</cpe:GammaAlarm>\n";
  x += std::string("      <cpe:NeutronAlarm>") + (r.neutron_alarm ? "true" : "false") +
       "</cpe:NeutronAlarm>\n";
  x += "    </AnalysisResults>\n";
  x += "  </Measurement>\n";
  x += "</N42InstrumentData>\n";
  return x;
}

}  // namespace checkpoint::hal::protocols
