#pragma once
// The inspection pipeline on the daemon's loop: every HAL event goes to the
// traveller and vehicle inspectors (on the loop thread: decoding, passive
// authentication and screening take well under a millisecond per inspection, and
// each one's time is measured and logged), one steady timer on the loop closes their
// windows, and the finished inspections are scored and written by the store worker
// (AssessAndRecord: rules, history counts, record, audit and outbox in one
// transaction).
//
// Threading: OnEvent, Flush, Drain and the timer on the loop thread. The rule
// engine, watchlist, anchors and declarations are thread-safe and shared with the
// store worker (reloads run there).
// Lifetimes: the service must outlive the loop's run; Stop() cancels the timer.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/daemon/store_faults.hpp"
#include "checkpoint/daemon/store_worker.hpp"
#include "checkpoint/hal/events.hpp"
#include "checkpoint/inspection/declarations.hpp"
#include "checkpoint/inspection/sources.hpp"
#include "checkpoint/inspection/traveller.hpp"
#include "checkpoint/inspection/vehicle.hpp"
#include "checkpoint/risk/rules.hpp"
#include "checkpoint/risk/watchlist.hpp"

namespace checkpoint::daemon {

struct InspectionStats {
  std::uint64_t recorded = 0;
  std::uint64_t dropped = 0;  // refused by the store (a bug), logged
  std::uint64_t alerts = 0;
  std::int64_t max_decode_us = 0;  // the longest the loop spent on one inspection
  std::int64_t total_decode_us = 0;
};

class InspectionService {
 public:
  struct Shared {
    const risk::RuleEngine& rules;
    const risk::Watchlist& watchlist;
    const inspection::SharedAnchors& anchors;
    const inspection::DeclarationProvider& declarations;
  };

  InspectionService(StoreWorker& worker, boost::asio::any_io_executor loop,
                    const common::Clock& clock, log::Logger log,
                    inspection::TravellerOptions traveller, inspection::VehicleOptions vehicle,
                    Shared shared);

  void OnEvent(const hal::DeviceEvent& e);
  // Inspects everything still held (windows not closed yet) and stops the timer: at
  // shutdown, after the devices have stopped.
  void Flush();
  // Calls `f` (on the loop) once every inspection so far has been written or given up.
  void Drain(std::function<void()> f);
  // At shutdown, when writing cannot finish (the disk is full): stops retrying, drops
  // what is still unwritten (counted in stats().dropped, logged; none of it was ever
  // reported recorded) and lets Drain's callers go.
  void GiveUp();
  const InspectionStats& stats() const { return stats_; }
  // Called on the store thread when recording fails because the disk is full; when
  // it returns true (it freed space: DiskPolicy::OnDiskFull) the write is retried at
  // once. Set before the first event.
  void SetDiskFullHandler(std::function<bool()> f) { on_disk_full_ = std::move(f); }
  // Where a failed or successful write is reported, so that a lasting store fault
  // is logged once (store_faults.hpp). Outlives this service.
  void SetStoreFaults(StoreFaults* faults) { faults_ = faults; }
  // Called on the loop after a batch with at least one new inspection was recorded
  // (the officer console's live queue). Set before the first event.
  void SetRecordedHandler(std::function<void()> f) { on_recorded_ = std::move(f); }

 private:
  void Take(std::vector<inspection::Pending> done);
  void Rearm();
  void Write();
  void NotifyIfIdle();

  StoreWorker& worker_;
  boost::asio::any_io_executor loop_;
  const common::Clock& clock_;
  log::Logger log_;
  Shared shared_;
  inspection::TravellerInspector traveller_;
  inspection::VehicleInspector vehicle_;
  boost::asio::steady_timer windows_;
  boost::asio::steady_timer retry_;
  std::deque<inspection::Pending> queue_;
  bool in_flight_ = false;
  bool stopped_ = false;
  bool given_up_ = false;
  InspectionStats stats_;
  std::vector<std::function<void()>> on_idle_;
  std::function<bool()> on_disk_full_;
  StoreFaults* faults_ = nullptr;
  std::function<void()> on_recorded_;
};

}  // namespace checkpoint::daemon
