#include "checkpoint/daemon/event_journal.hpp"

#include <nlohmann/json.hpp>

#include "checkpoint/common/base64.hpp"

namespace checkpoint::daemon {

using nlohmann::json;

namespace {

json Candidates(const std::vector<hal::Candidate>& cs) {
  json a = json::array();
  for (const auto& c : cs) a.push_back({{"text", c.text}, {"confidence", c.confidence}});
  return a;
}

struct PayloadJson {
  json operator()(const hal::MrzRead& r) const { return {{"lines", r.lines}}; }
  json operator()(const hal::ChipRead& r) const {
    return {{"dg1", common::Base64Encode(r.dg1)},
            {"dg2", common::Base64Encode(r.dg2)},
            {"sod", common::Base64Encode(r.sod)}};
  }
  json operator()(const hal::PlateRead& r) const {
    return {{"plate", r.plate},
            {"region", r.region},
            {"confidence", r.confidence},
            {"candidates", Candidates(r.candidates)}};
  }
  json operator()(const hal::ContainerCodeRead& r) const {
    return {
        {"code", r.code}, {"confidence", r.confidence}, {"candidates", Candidates(r.candidates)}};
  }
  json operator()(const hal::WeightReading& r) const {
    return {{"gross_kg", r.gross_kg}, {"tare_kg", r.tare_kg}, {"net", r.net}};
  }
  json operator()(const hal::RadiationReading& r) const {
    json j{{"format", r.format},
           {"occupied", r.occupied},
           {"duration_s", r.duration_s},
           {"gamma_alarm", r.gamma_alarm},
           {"neutron_alarm", r.neutron_alarm},
           {"alarm_text", r.alarm_text}};
    j["gamma_cps"] = r.gamma_cps ? json(*r.gamma_cps) : json(nullptr);
    j["neutron_cps"] = r.neutron_cps ? json(*r.neutron_cps) : json(nullptr);
    j["dose_rate_usv_h"] = r.dose_rate_usv_h ? json(*r.dose_rate_usv_h) : json(nullptr);
    return j;
  }
  json operator()(const hal::SealRead& r) const {
    return {{"seal_id", r.seal_id},
            {"technology", r.technology},
            {"status", r.status ? json(*r.status) : json(nullptr)}};
  }
  json operator()(const hal::DeviceFault& r) const {
    return {{"kind", r.kind}, {"detail", r.detail}};
  }
};

struct KindOf {
  std::string_view operator()(const hal::MrzRead&) const { return "mrz"; }
  std::string_view operator()(const hal::ChipRead&) const { return "chip"; }
  std::string_view operator()(const hal::PlateRead&) const { return "plate"; }
  std::string_view operator()(const hal::ContainerCodeRead&) const { return "container"; }
  std::string_view operator()(const hal::WeightReading&) const { return "weight"; }
  std::string_view operator()(const hal::RadiationReading&) const { return "radiation"; }
  std::string_view operator()(const hal::SealRead&) const { return "seal"; }
  std::string_view operator()(const hal::DeviceFault&) const { return "fault"; }
};

}  // namespace

std::string_view EventKind(const hal::EventPayload& p) {
  return std::visit(KindOf{}, p);
}

store::DeviceEventRow ToRow(const hal::DeviceEvent& e) {
  store::DeviceEventRow r;
  r.device_id = e.device_id;
  r.device_class = std::string(hal::DeviceClassName(e.device_class));
  r.booth = e.booth;
  r.ts_ms = e.wall_ms;
  r.kind = std::string(EventKind(e.payload));
  r.quality = e.quality;
  // Replacement of invalid UTF-8 keeps a hostile byte from making the row unstorable.
  r.payload_json =
      std::visit(PayloadJson{}, e.payload).dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

void EventJournal::Record(const hal::DeviceEvent& e) {
  if (queue_.size() >= max_queue_) {
    // The store is far behind (disk trouble): keep the daemon alive and say so.
    ++dropped_;
    if (dropped_ == 1 || dropped_ % 1000 == 0) {
      log_.Error("device event journal queue full; events dropped",
                 {{"dropped", static_cast<std::int64_t>(dropped_)}});
    }
    return;
  }
  queue_.push_back(ToRow(e));
  Flush();
}

void EventJournal::Drain(std::function<void()> f) {
  on_idle_.push_back(std::move(f));
  NotifyIfIdle();
}

void EventJournal::GiveUp() {
  given_up_ = true;
  retry_.cancel();
  if (!queue_.empty()) {
    dropped_ += queue_.size();
    log_.Error("device events not written at shutdown; dropped",
               {{"events", static_cast<std::int64_t>(queue_.size())}});
    queue_.clear();
  }
  NotifyIfIdle();
}

void EventJournal::NotifyIfIdle() {
  if (!idle()) return;
  auto callbacks = std::move(on_idle_);
  on_idle_.clear();
  for (auto& f : callbacks) f();
}

void EventJournal::Flush() {
  if (in_flight_ || queue_.empty()) return;
  in_flight_ = true;
  auto batch = std::make_shared<std::vector<store::DeviceEventRow>>(std::move(queue_));
  queue_.clear();
  auto shed = std::make_shared<bool>(false);
  worker_.Post(
      [batch, shed, shed_when = shed_when_](store::Store& st) -> Status {
        if (shed_when && shed_when()) {
          *shed = true;
          return {};
        }
        auto r = st.device_events().Append(*batch);
        if (!r) return std::move(r).error();
        return {};
      },
      loop_,
      [this, batch, shed](Status s) {
        in_flight_ = false;
        // A full disk sheds them too: the space is the inspections'.
        if (!s && s.error().Is(store::StoreErrc::kFull)) *shed = true;
        if (*shed != shedding_) {
          shedding_ = *shed;
          if (shedding_) {
            log_.Warning("disk low or full: device events are shed, inspections still recorded");
          } else {
            log_.Notice("device events recorded again",
                        {{"shed", static_cast<std::int64_t>(shed_)}});
          }
        }
        if (*shed) {
          shed_ += batch->size();
          Flush();
          NotifyIfIdle();
          return;
        }
        if (s) {
          if (faults_) faults_->OnSuccess();
          written_ += batch->size();
          Flush();
          NotifyIfIdle();
          return;
        }
        const bool permanent =
            s.error().Is(store::StoreErrc::kConstraint) || s.error().Is(store::StoreErrc::kMisuse);
        if (permanent || !faults_ || faults_->OnFailure(s.error())) {
          log_.Error(permanent ? "device events refused by the store; dropped"
                               : "device events not stored yet; retrying",
                     {{"error", s.error().message()},
                      {"events", static_cast<std::int64_t>(batch->size())}});
        }
        if (permanent || given_up_) {
          dropped_ += batch->size();
          Flush();
          NotifyIfIdle();
          return;
        }
        // Transient (busy, disk full, I/O): keep the batch, in order, and retry.
        queue_.insert(queue_.begin(), std::make_move_iterator(batch->begin()),
                      std::make_move_iterator(batch->end()));
        retry_.expires_after(std::chrono::seconds(1));
        retry_.async_wait([this](const boost::system::error_code& ec) {
          if (!ec) Flush();
        });
      });
}

}  // namespace checkpoint::daemon
