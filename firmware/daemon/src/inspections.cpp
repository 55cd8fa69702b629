#include "checkpoint/daemon/inspections.hpp"

#include "checkpoint/inspection/recording.hpp"

namespace checkpoint::daemon {

namespace {
// One inspection's decoding beyond this is worth a warning: the loop also serves
// the devices and the console.
constexpr std::int64_t kSlowDecodeUs = 50'000;
}  // namespace

InspectionService::InspectionService(StoreWorker& worker, boost::asio::any_io_executor loop,
                                     const common::Clock& clock, log::Logger log,
                                     inspection::TravellerOptions traveller,
                                     inspection::VehicleOptions vehicle, Shared shared)
    : worker_(worker),
      loop_(loop),
      clock_(clock),
      log_(std::move(log)),
      shared_(shared),
      traveller_(std::move(traveller), shared.watchlist, shared.anchors),
      vehicle_(vehicle, shared.watchlist, shared.declarations),
      windows_(loop),
      retry_(loop) {}

void InspectionService::OnEvent(const hal::DeviceEvent& e) {
  if (stopped_) return;
  const std::int64_t now = clock_.SteadyMs();
  Take(traveller_.OnEvent(e, now));
  Take(vehicle_.OnEvent(e, now));
  Rearm();
}

void InspectionService::Flush() {
  stopped_ = true;
  windows_.cancel();
  Take(traveller_.Flush());
  Take(vehicle_.Flush());
}

void InspectionService::Rearm() {
  if (stopped_) return;
  std::optional<std::int64_t> next = traveller_.NextDeadline();
  if (auto v = vehicle_.NextDeadline(); v && (!next || *v < *next)) next = v;
  if (!next) {
    windows_.cancel();
    return;
  }
  const std::int64_t wait = std::max<std::int64_t>(0, *next - clock_.SteadyMs());
  windows_.expires_after(std::chrono::milliseconds(wait));
  windows_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    const std::int64_t now = clock_.SteadyMs();
    Take(traveller_.Advance(now));
    Take(vehicle_.Advance(now));
    Rearm();
  });
}

void InspectionService::Take(std::vector<inspection::Pending> done) {
  for (auto& p : done) {
    stats_.max_decode_us = std::max(stats_.max_decode_us, p.cpu_us);
    stats_.total_decode_us += p.cpu_us;
    if (p.cpu_us > kSlowDecodeUs) {
      log_.Warning("inspection decoding held the loop",
                   {{"inspection", p.uuid}, {"kind", p.kind}, {"decode_us", p.cpu_us}});
    }
    queue_.push_back(std::move(p));
  }
  Write();
}

void InspectionService::Write() {
  if (in_flight_ || queue_.empty()) return;
  in_flight_ = true;
  auto batch = std::make_shared<std::vector<inspection::Pending>>(
      std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  // The bundle in force now scores the whole batch.
  auto bundle = shared_.rules.Active();
  struct Result {
    std::vector<Expected<inspection::Recorded>> results;
  };
  worker_.Post(
      [batch, bundle, on_full = on_disk_full_](store::Store& st) {
        auto r = std::make_shared<Result>();
        for (const auto& p : *batch) {
          auto res = inspection::AssessAndRecord(st, p, bundle.get());
          // Nothing was written (one transaction): with space freed, write it now.
          if (!res && res.error().Is(store::StoreErrc::kFull) && on_full && on_full()) {
            res = inspection::AssessAndRecord(st, p, bundle.get());
          }
          r->results.push_back(std::move(res));
        }
        return r;
      },
      loop_,
      [this, batch](std::shared_ptr<Result> r) {
        in_flight_ = false;
        std::vector<inspection::Pending> again;
        const auto recorded_before = stats_.recorded;
        for (std::size_t i = 0; i < batch->size(); ++i) {
          const auto& p = (*batch)[i];
          auto& res = r->results[i];
          if (res) {
            if (faults_) faults_->OnSuccess();
            ++stats_.recorded;
            if (res->outcome.record.level == "alert") ++stats_.alerts;
            // Identifiers and the verdict only: the record holds the personal data.
            log_.Info("inspection recorded", {{"inspection", p.uuid},
                                              {"kind", p.kind},
                                              {"booth", p.booth},
                                              {"level", res->outcome.record.level},
                                              {"score", res->outcome.assessment.score},
                                              {"lane", static_cast<int>(res->outcome.lane)},
                                              {"seq", res->stored.seq},
                                              {"decode_us", p.cpu_us}});
            continue;
          }
          const auto& err = res.error();
          const bool permanent =
              err.Is(store::StoreErrc::kConstraint) || err.Is(store::StoreErrc::kMisuse);
          // While a store fault lasts (read-only, corrupt), its first failure is logged
          // and the retries are not: the fault's own line says what is wrong.
          if (permanent || !faults_ || faults_->OnFailure(err)) {
            log_.Error(permanent ? "inspection refused by the store; dropped"
                                 : "inspection not stored yet; retrying",
                       {{"inspection", p.uuid}, {"kind", p.kind}, {"error", err.message()}});
          }
          if (permanent || given_up_) {
            ++stats_.dropped;
          } else {
            again.push_back(p);
          }
        }
        if (stats_.recorded != recorded_before && on_recorded_) on_recorded_();
        if (!again.empty()) {
          queue_.insert(queue_.begin(), std::make_move_iterator(again.begin()),
                        std::make_move_iterator(again.end()));
          retry_.expires_after(std::chrono::seconds(1));
          retry_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) Write();
          });
          return;
        }
        Write();
        NotifyIfIdle();
      });
}

void InspectionService::Drain(std::function<void()> f) {
  on_idle_.push_back(std::move(f));
  NotifyIfIdle();
}

void InspectionService::GiveUp() {
  given_up_ = true;
  retry_.cancel();
  if (!queue_.empty()) {
    stats_.dropped += queue_.size();
    log_.Error("inspections not stored at shutdown; dropped",
               {{"inspections", static_cast<std::int64_t>(queue_.size())}});
    queue_.clear();
  }
  NotifyIfIdle();
}

void InspectionService::NotifyIfIdle() {
  if (in_flight_ || !queue_.empty()) return;
  auto callbacks = std::move(on_idle_);
  on_idle_.clear();
  for (auto& f : callbacks) f();
}

}  // namespace checkpoint::daemon
