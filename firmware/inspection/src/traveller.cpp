#include "checkpoint/inspection/traveller.hpp"

#include <algorithm>
#include <string_view>

#include "checkpoint/common/random.hpp"
#include "checkpoint/documents/mrz.hpp"
#include "checkpoint/documents/passive_auth.hpp"
#include "checkpoint/documents/sod.hpp"
#include "util.hpp"

namespace checkpoint::inspection {

using nlohmann::json;
namespace fields = risk::fields;

namespace {

std::string_view CheckStateName(documents::CheckState s) {
  switch (s) {
    case documents::CheckState::kValid:
      return "valid";
    case documents::CheckState::kInvalid:
      return "invalid";
    case documents::CheckState::kAbsent:
      return "absent";
  }
  return "absent";
}

// "YYYY-MM-DD" with unknown parts as "??", or the printed form when the year is unknown.
json DateJson(const documents::MrzDate& d) {
  if (d.printed.empty()) return nullptr;
  auto two = [](std::optional<int> v) {
    if (!v) return std::string("??");
    std::string s = std::to_string(*v);
    return s.size() < 2 ? "0" + s : s;
  };
  json j{{"printed", d.printed}};
  if (d.year) j["date"] = std::to_string(*d.year) + "-" + two(d.month) + "-" + two(d.day);
  return j;
}

// Whole years from birth to the reference date. With the birth month unknown the
// year difference is taken; with the day unknown, the birthday counts as reached in
// its month.
std::optional<double> AgeAt(const documents::MrzDate& birth, const detail::Ymd& ref) {
  if (!birth.year) return std::nullopt;
  int age = ref.year - *birth.year;
  if (birth.month) {
    if (ref.month < *birth.month ||
        (ref.month == *birth.month && birth.day && ref.day < *birth.day))
      --age;
  }
  if (age < 0) return std::nullopt;
  return static_cast<double>(age);
}

// Expired when the expiry date is before the reference date (a document is valid
// through its expiry day); nullopt when the expiry is unknown.
std::optional<bool> ExpiredAt(const documents::MrzDate& expiry, const detail::Ymd& ref) {
  if (!expiry.year) return std::nullopt;
  if (*expiry.year != ref.year) return *expiry.year < ref.year;
  if (!expiry.month) return std::nullopt;
  if (*expiry.month != ref.month) return *expiry.month < ref.month;
  if (!expiry.day) return false;
  return *expiry.day < ref.day;
}

// The printed lines as the parser read them after its corrections.
std::vector<std::string> Corrected(std::vector<std::string> lines,
                                   const std::vector<documents::Correction>& corrections) {
  for (const auto& c : corrections) {
    const auto li = static_cast<std::size_t>(c.line - 1);
    const auto pi = static_cast<std::size_t>(c.position - 1);
    if (c.line >= 1 && li < lines.size() && c.position >= 1 && pi < lines[li].size()) {
      lines[li][pi] = c.to;
    }
  }
  return lines;
}

documents::Bytes ToBytes(const std::string& s) {
  return documents::Bytes(s.begin(), s.end());
}

json DocumentJson(const documents::MrzResult& m, std::string_view source) {
  json checks = json::array();
  for (const auto& c : m.checks) {
    checks.push_back({{"field", c.field}, {"state", CheckStateName(c.state)}});
  }
  json corrections = json::array();
  for (const auto& c : m.corrections) {
    corrections.push_back({{"line", c.line},
                           {"position", c.position},
                           {"from", std::string(1, c.from)},
                           {"to", std::string(1, c.to)},
                           {"field", c.field}});
  }
  return {{"source", source},
          {"readable", true},
          {"format", documents::FormatName(m.format)},
          {"valid", m.valid},
          {"code", m.document_code},
          {"issuingState", m.issuing_state},
          {"number", m.document_number},
          {"surname", m.surname},
          {"givenNames", m.given_names},
          {"nationality", m.nationality},
          {"sex", m.sex},
          {"birth", DateJson(m.birth)},
          {"expiry", DateJson(m.expiry)},
          {"personalNumber", m.personal_number},
          {"optionalData", m.optional_data.empty() ? m.optional_data1 : m.optional_data},
          {"nameTruncated", m.name_truncated},
          {"checks", std::move(checks)},
          {"fieldErrors", m.field_errors},
          {"warnings", m.warnings},
          {"corrections", std::move(corrections)}};
}

json PaJson(const documents::PassiveAuthReport& r) {
  json steps = json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"step", documents::StepName(s.step)},
                     {"state", documents::StepStateName(s.state)},
                     {"reason", s.reason}});
  }
  return {{"status", documents::StatusName(r.status)},
          {"failedStep", r.failed_step ? json(documents::StepName(*r.failed_step)) : json()},
          {"steps", std::move(steps)},
          {"warnings", r.warnings},
          {"hashAlgorithm", r.hash_algorithm},
          {"signatureAlgorithm", r.signature_algorithm},
          {"documentSigner", {{"subject", r.ds_subject}, {"serial", r.ds_serial}}},
          {"csca", {{"subject", r.csca_subject}, {"fingerprint", r.csca_fingerprint}}},
          {"dataGroupsVerified", r.data_groups_verified},
          {"dataGroupsNotRead", r.data_groups_not_read}};
}

}  // namespace

TravellerInspector::TravellerInspector(TravellerOptions options, const risk::Watchlist& watchlist,
                                       const SharedAnchors& anchors)
    : options_(std::move(options)), watchlist_(watchlist), anchors_(anchors) {}

std::vector<Pending> TravellerInspector::OnEvent(const hal::DeviceEvent& e,
                                                 std::int64_t steady_ms) {
  const auto* mrz = std::get_if<hal::MrzRead>(&e.payload);
  const auto* chip = std::get_if<hal::ChipRead>(&e.payload);
  if (!mrz && !chip) return {};
  std::vector<Pending> out = Advance(steady_ms);
  Held read{e.device_id, e.wall_ms, steady_ms, std::nullopt, std::nullopt};
  if (mrz) read.mrz = *mrz;
  if (chip) read.chip = *chip;

  auto it = held_.find(e.booth);
  if (it != held_.end()) {
    Held& waiting = it->second;
    const bool partner = mrz ? waiting.chip.has_value() : waiting.mrz.has_value();
    if (partner) {
      out.push_back(mrz ? Inspect(e.booth, &read, &waiting) : Inspect(e.booth, &waiting, &read));
      held_.erase(it);
      return out;
    }
    // Same kind again: a new document is on the reader; the held one goes alone.
    out.push_back(waiting.mrz ? Inspect(e.booth, &waiting, nullptr)
                              : Inspect(e.booth, nullptr, &waiting));
    held_.erase(it);
  }
  if (mrz && !options_.chip_booths.contains(e.booth)) {
    out.push_back(Inspect(e.booth, &read, nullptr));
    return out;
  }
  held_.emplace(e.booth, std::move(read));
  return out;
}

std::vector<Pending> TravellerInspector::Advance(std::int64_t steady_ms) {
  std::vector<Pending> out;
  const std::int64_t window = options_.chip_window.count();
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.steady_ms + window <= steady_ms) {
      const Held& h = it->second;
      out.push_back(h.mrz ? Inspect(it->first, &h, nullptr) : Inspect(it->first, nullptr, &h));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<Pending> TravellerInspector::Flush() {
  std::vector<Pending> out;
  for (const auto& [booth, h] : held_) {
    out.push_back(h.mrz ? Inspect(booth, &h, nullptr) : Inspect(booth, nullptr, &h));
  }
  held_.clear();
  return out;
}

std::optional<std::int64_t> TravellerInspector::NextDeadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [booth, h] : held_) {
    const std::int64_t d = h.steady_ms + options_.chip_window.count();
    if (!next || d < *next) next = d;
  }
  return next;
}

std::size_t TravellerInspector::held() const {
  return held_.size();
}

Pending TravellerInspector::Inspect(const std::string& booth, const Held* mrz,
                                    const Held* chip) const {
  const auto t0 = std::chrono::steady_clock::now();
  Pending p;
  p.uuid = common::NewUuid();
  p.kind = "traveller";
  p.booth = booth;
  p.created_at_ms =
      std::min(mrz ? mrz->wall_ms : chip->wall_ms, chip ? chip->wall_ms : mrz->wall_ms);
  const std::int64_t at_ms = p.created_at_ms;
  const detail::Ymd ref = detail::UtcDate(at_ms);

  json sources = json::object();
  if (mrz) sources["mrz"] = {{"device", mrz->device_id}, {"readAtMs", mrz->wall_ms}};
  if (chip) sources["chip"] = {{"device", chip->device_id}, {"readAtMs", chip->wall_ms}};
  p.body["sources"] = std::move(sources);

  // The lines to parse: the printed MRZ, or DG1's when only the chip was read.
  std::vector<std::string> lines;
  std::string_view source = "printed";
  std::optional<std::vector<std::string>> dg1_lines;
  if (chip && !chip->chip->dg1.empty()) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(chip->chip->dg1.data());
    if (auto d = documents::ParseDg1({b, chip->chip->dg1.size()})) dg1_lines = std::move(*d);
  }
  if (mrz) {
    lines = mrz->mrz->lines;
  } else if (dg1_lines) {
    lines = *dg1_lines;
    source = "chip";
  }

  std::optional<documents::MrzResult> parsed;
  if (!lines.empty()) {
    std::vector<std::string_view> views(lines.begin(), lines.end());
    auto r = documents::ParseMrz(
        views, documents::ParseOptions{
                   .year = ref.year, .month = ref.month, .day = ref.day, .correct = true});
    if (r) parsed = std::move(*r);
  }

  risk::Facts& f = p.facts;
  if (parsed) {
    const auto& m = *parsed;
    p.body["document"] = DocumentJson(m, source);
    f.Set(fields::kDocumentValid, m.valid);
    if (auto e = ExpiredAt(m.expiry, ref)) f.Set(fields::kDocumentExpired, *e);
    if (!m.document_number.empty()) {
      f.Set(fields::kDocumentNumber, m.document_number);
      p.crossing_document = m.document_number;
    }
    if (!m.issuing_state.empty()) f.Set(fields::kDocumentIssuingState, m.issuing_state);
    if (!m.document_code.empty()) f.Set(fields::kDocumentCode, m.document_code);
    if (!m.nationality.empty()) f.Set(fields::kTravellerNationality, m.nationality);
    if (auto age = AgeAt(m.birth, ref)) f.Set(fields::kTravellerAge, *age);
  } else {
    // Not an MRZ at all (wrong shape or characters): still an inspection, so that the
    // officer sees the document could not be read.
    p.body["document"] = {{"source", source}, {"readable", false}, {"valid", false}};
    f.Set(fields::kDocumentValid, false);
  }

  // Passive authentication, with the printed lines as the parser corrected them.
  documents::PassiveAuthReport pa;
  if (chip) {
    documents::ChipData data;
    data.sod = ToBytes(chip->chip->sod);
    if (!chip->chip->dg1.empty()) data.data_groups[1] = ToBytes(chip->chip->dg1);
    if (!chip->chip->dg2.empty()) data.data_groups[2] = ToBytes(chip->chip->dg2);
    std::vector<std::string> printed;
    if (mrz) printed = parsed ? Corrected(mrz->mrz->lines, parsed->corrections) : mrz->mrz->lines;
    const auto anchors = anchors_.Get();
    pa = documents::VerifyPassive(
        data, printed, *anchors,
        std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms)));
    json chip_json = PaJson(pa);
    chip_json["dg2Bytes"] = chip->chip->dg2.size();
    if (mrz && dg1_lines) {
      const bool mismatch = *dg1_lines != printed;
      chip_json["dg1Mismatch"] = mismatch;
      f.Set(fields::kChipDg1Mismatch, mismatch);
    }
    p.body["chip"] = std::move(chip_json);
  } else {
    p.body["chip"] = {{"status", "no_chip"}};
  }
  f.Set(fields::kChipStatus, std::string(documents::StatusName(pa.status)));

  // Screening: the person and the document against the watchlists.
  json screening = {{"persons", json::array()}, {"documents", json::array()}};
  if (parsed) {
    const auto& m = *parsed;
    risk::PersonQuery q;
    q.surname = m.surname;
    q.given_names = m.given_names;
    if (auto b = risk::ParseMrzDate(m.birth.printed)) q.birth = *b;
    q.nationality = m.nationality;
    q.sex = m.sex.empty() ? '\0' : m.sex[0];
    risk::ScreeningOptions so = options_.screening;
    so.now_ms = at_ms;
    auto persons = watchlist_.ScreenPerson(q, so, at_ms);
    double max_score = 0;
    for (const auto& h : persons) max_score = std::max(max_score, h.score);
    f.Set(fields::kWatchlistPersonHits, static_cast<double>(persons.size()));
    f.Set(fields::kWatchlistMaxScore, max_score);
    screening["persons"] = detail::HitsJson(persons);
    if (!m.document_number.empty()) {
      auto docs = watchlist_.CheckDocument(m.document_number, m.issuing_state, at_ms);
      f.Set(fields::kWatchlistDocumentHit, !docs.empty());
      screening["documents"] = detail::HitsJson(docs);
    }
  }
  p.body["watchlist"] = std::move(screening);
  p.cpu_us = detail::ElapsedUs(t0);
  return p;
}

}  // namespace checkpoint::inspection
