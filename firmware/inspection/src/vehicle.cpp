#include "checkpoint/inspection/vehicle.hpp"

#include <algorithm>
#include <set>

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/common/random.hpp"
#include "checkpoint/risk/plate.hpp"
#include "util.hpp"

namespace checkpoint::inspection {

using nlohmann::json;
namespace fields = risk::fields;

namespace {

bool IsVehicleEvent(const hal::EventPayload& p) {
  return std::holds_alternative<hal::PlateRead>(p) ||
         std::holds_alternative<hal::ContainerCodeRead>(p) ||
         std::holds_alternative<hal::WeightReading>(p) ||
         std::holds_alternative<hal::RadiationReading>(p) ||
         std::holds_alternative<hal::SealRead>(p);
}

void AddHits(std::vector<risk::WatchlistHit>& all, std::vector<risk::WatchlistHit> more) {
  for (auto& h : more) {
    const bool seen = std::any_of(all.begin(), all.end(),
                                  [&](const auto& a) { return a.id == h.id && a.kind == h.kind; });
    if (!seen) all.push_back(std::move(h));
  }
}

struct ContainerResult {
  std::string code;  // normalised reading, or the corrected code
  bool valid = false;
  std::string corrected_from;  // the reading, when a candidate or OCR variant replaced it
  std::vector<std::string> errors;
};

// The camera's best reading; if it fails ISO 6346, the first valid candidate, or
// the only valid OCR variant of the reading (never a guess between several).
ContainerResult ResolveContainer(const hal::ContainerCodeRead& r) {
  const auto parsed = cargo::ParseContainerCode(r.code);
  ContainerResult out{parsed.code, parsed.valid, "", parsed.errors};
  if (parsed.valid) return out;
  for (const auto& c : r.candidates) {
    auto cp = cargo::ParseContainerCode(c.text);
    if (cp.valid) return {cp.code, true, parsed.code, parsed.errors};
  }
  auto variants = cargo::OcrVariants(r.code);
  if (variants.size() == 1) return {variants.front(), true, parsed.code, parsed.errors};
  return out;
}

}  // namespace

VehicleInspector::VehicleInspector(VehicleOptions options, const risk::Watchlist& watchlist,
                                   const DeclarationProvider& declarations)
    : options_(options), watchlist_(watchlist), declarations_(declarations) {}

std::vector<Pending> VehicleInspector::OnEvent(const hal::DeviceEvent& e, std::int64_t steady_ms) {
  if (!IsVehicleEvent(e.payload)) return {};
  std::vector<Pending> out = Advance(steady_ms);
  const bool is_plate = std::holds_alternative<hal::PlateRead>(e.payload);
  auto it = open_.find(e.booth);
  if (it != open_.end() && is_plate && it->second.plate) {
    out.push_back(Inspect(e.booth, it->second));  // a new vehicle closes the passage
    open_.erase(it);
    it = open_.end();
  }
  if (it == open_.end()) {
    it = open_.emplace(e.booth, Passage{steady_ms, e.wall_ms, std::nullopt, {}}).first;
  }
  if (is_plate) {
    it->second.plate = e;
  } else {
    it->second.others.push_back(e);
  }
  return out;
}

std::vector<Pending> VehicleInspector::Advance(std::int64_t steady_ms) {
  std::vector<Pending> out;
  const std::int64_t window = options_.passage_window.count();
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.first_steady_ms + window <= steady_ms) {
      out.push_back(Inspect(it->first, it->second));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<Pending> VehicleInspector::Flush() {
  std::vector<Pending> out;
  for (const auto& [lane, passage] : open_) out.push_back(Inspect(lane, passage));
  open_.clear();
  return out;
}

std::optional<std::int64_t> VehicleInspector::NextDeadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [lane, p] : open_) {
    const std::int64_t d = p.first_steady_ms + options_.passage_window.count();
    if (!next || d < *next) next = d;
  }
  return next;
}

Pending VehicleInspector::Inspect(const std::string& lane, const Passage& passage) const {
  const auto t0 = std::chrono::steady_clock::now();
  Pending p;
  p.uuid = common::NewUuid();
  p.kind = "vehicle";
  p.booth = lane;
  p.created_at_ms = passage.first_wall_ms;
  const std::int64_t at_ms = passage.first_wall_ms;
  risk::Facts& f = p.facts;
  std::vector<risk::WatchlistHit> hits;

  // Plate.
  std::string plate;
  if (passage.plate) {
    const auto& r = std::get<hal::PlateRead>(passage.plate->payload);
    std::string country = r.region;
    std::transform(country.begin(), country.end(), country.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    const auto n = risk::NormalisePlate(r.plate, country);
    plate = n.text;
    std::vector<risk::WatchlistHit> plate_hits = watchlist_.CheckVehicle(r.plate, country, at_ms);
    json screened = json::array({r.plate});
    for (const auto& c : r.candidates) {
      if (c.text == r.plate || c.confidence < options_.plate_candidate_min_confidence) continue;
      AddHits(plate_hits, watchlist_.CheckVehicle(c.text, country, at_ms));
      screened.push_back(c.text);
    }
    if (!plate.empty()) f.Set(fields::kVehiclePlate, plate);
    f.Set(fields::kVehiclePlateHit, !plate_hits.empty());
    json candidates = json::array();
    for (const auto& c : r.candidates) {
      candidates.push_back({{"text", c.text}, {"confidence", c.confidence}});
    }
    p.body["plate"] = {{"device", passage.plate->device_id},
                       {"readAtMs", passage.plate->wall_ms},
                       {"read", r.plate},
                       {"normalised", plate},
                       {"country", n.country},
                       {"format", n.format},
                       {"confidence", r.confidence},
                       {"candidates", std::move(candidates)},
                       {"screened", std::move(screened)},
                       {"errors", n.errors},
                       {"warnings", n.warnings}};
    AddHits(hits, std::move(plate_hits));
  } else {
    p.body["plate"] = nullptr;
  }

  // Everything else of the passage, in arrival order.
  std::vector<std::string> codes, invalid, listed, seals;
  json containers = json::array(), weights = json::array(), radiation = json::array(),
       seal_reads = json::array();
  std::optional<double> measured;
  std::optional<bool> gamma, neutron;
  for (const auto& e : passage.others) {
    if (const auto* c = std::get_if<hal::ContainerCodeRead>(&e.payload)) {
      const auto r = ResolveContainer(*c);
      const bool dup = std::find(codes.begin(), codes.end(), r.code) != codes.end();
      if (!dup && !r.code.empty()) {
        codes.push_back(r.code);
        if (!r.valid) invalid.push_back(r.code);
        if (r.valid) {
          auto container_hits = watchlist_.CheckContainer(r.code, at_ms);
          if (!container_hits.empty()) listed.push_back(r.code);
          AddHits(hits, std::move(container_hits));
        }
      }
      containers.push_back(
          {{"device", e.device_id},
           {"readAtMs", e.wall_ms},
           {"read", c->code},
           {"code", r.code},
           {"valid", r.valid},
           {"correctedFrom", r.corrected_from.empty() ? json() : json(r.corrected_from)},
           {"errors", r.errors},
           {"confidence", c->confidence}});
    } else if (const auto* w = std::get_if<hal::WeightReading>(&e.payload)) {
      // Drivers emit only stable, in-range readings; the heaviest is the whole
      // vehicle on the bridge.
      measured = std::max(measured.value_or(w->gross_kg), w->gross_kg);
      weights.push_back({{"device", e.device_id},
                         {"readAtMs", e.wall_ms},
                         {"grossKg", w->gross_kg},
                         {"tareKg", w->tare_kg},
                         {"net", w->net}});
    } else if (const auto* rr = std::get_if<hal::RadiationReading>(&e.payload)) {
      gamma = gamma.value_or(false) || rr->gamma_alarm;
      neutron = neutron.value_or(false) || rr->neutron_alarm;
      json j{{"device", e.device_id},
             {"readAtMs", e.wall_ms},
             {"format", rr->format},
             {"occupied", rr->occupied},
             {"durationS", rr->duration_s},
             {"gammaAlarm", rr->gamma_alarm},
             {"neutronAlarm", rr->neutron_alarm},
             {"alarmText", rr->alarm_text}};
      j["gammaCps"] = rr->gamma_cps ? json(*rr->gamma_cps) : json();
      j["neutronCps"] = rr->neutron_cps ? json(*rr->neutron_cps) : json();
      j["doseRateUsvH"] = rr->dose_rate_usv_h ? json(*rr->dose_rate_usv_h) : json();
      radiation.push_back(std::move(j));
    } else if (const auto* s = std::get_if<hal::SealRead>(&e.payload)) {
      if (std::find(seals.begin(), seals.end(), s->seal_id) == seals.end()) {
        seals.push_back(s->seal_id);
      }
      seal_reads.push_back({{"device", e.device_id},
                            {"readAtMs", e.wall_ms},
                            {"seal", s->seal_id},
                            {"technology", s->technology},
                            {"status", s->status ? json(*s->status) : json()}});
    }
  }
  if (!codes.empty()) {
    f.Set(fields::kContainerCodes, codes);
    f.Set(fields::kContainerInvalidCodes, invalid);
    f.Set(fields::kContainerListedCodes, listed);
  }
  if (measured) f.Set(fields::kCargoMeasuredWeightKg, *measured);
  if (gamma) f.Set(fields::kRadiationGammaAlarm, *gamma);
  if (neutron) f.Set(fields::kRadiationNeutronAlarm, *neutron);
  if (!seals.empty()) f.Set(fields::kSealRead, seals);

  // The declaration, when one is known.
  auto declaration = declarations_.Find(lane, plate, codes);
  if (declaration) {
    std::vector<std::string> declared_codes;
    for (const auto& c : declaration->container_codes) {
      auto cp = cargo::ParseContainerCode(c);
      declared_codes.push_back(cp.code);
    }
    f.Set(fields::kDeclarationContainerCodes, declared_codes);
    f.Set(fields::kSealExpected, declaration->seals);
    if (declaration->gross_weight_kg) {
      f.Set(fields::kCargoDeclaredWeightKg, *declaration->gross_weight_kg);
    }
    p.body["declaration"] = {
        {"id", declaration->id},
        {"plate", declaration->plate},
        {"containerCodes", declared_codes},
        {"grossWeightKg",
         declaration->gross_weight_kg ? json(*declaration->gross_weight_kg) : json()},
        {"seals", declaration->seals}};
  } else {
    p.body["declaration"] = nullptr;
  }

  p.body["containers"] = std::move(containers);
  p.body["weights"] = std::move(weights);
  p.body["radiation"] = std::move(radiation);
  p.body["seals"] = std::move(seal_reads);
  p.body["watchlist"] = detail::HitsJson(hits);
  p.body["passage"] = {{"firstReadAtMs", passage.first_wall_ms},
                       {"events", passage.others.size() + (passage.plate ? 1 : 0)}};
  p.cpu_us = detail::ElapsedUs(t0);
  return p;
}

}  // namespace checkpoint::inspection
