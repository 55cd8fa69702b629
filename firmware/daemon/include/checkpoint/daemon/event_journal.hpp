#pragma once
// Turns HAL device events into rows of the device event journal, and batches the
// writes: events arrive on the loop, are queued, and are written by the store
// worker in one transaction per batch, so a flooding device costs one fsync per
// batch rather than per event.
//
// Threading: Record() and Flush() on the loop thread.

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <vector>

#include "checkpoint/common/log.hpp"
#include "checkpoint/daemon/store_faults.hpp"
#include "checkpoint/daemon/store_worker.hpp"
#include "checkpoint/hal/events.hpp"
#include "checkpoint/store/device_events.hpp"

namespace checkpoint::daemon {

// The journal row of an event. Binary data (chip data groups) is base64.
store::DeviceEventRow ToRow(const hal::DeviceEvent& e);
// "mrz", "chip", "plate", "container", "weight", "radiation", "seal", "fault".
std::string_view EventKind(const hal::EventPayload& p);

class EventJournal {
 public:
  EventJournal(StoreWorker& worker, boost::asio::any_io_executor loop, log::Logger log,
               std::size_t max_queue = 10000)
      : worker_(worker), loop_(loop), retry_(loop), log_(std::move(log)), max_queue_(max_queue) {}

  void Record(const hal::DeviceEvent& e);
  std::uint64_t written() const { return written_; }
  std::uint64_t dropped() const { return dropped_; }
  bool idle() const { return !in_flight_ && queue_.empty(); }
  // Calls `f` (on the loop) once everything recorded so far has been written or
  // given up on: at once if idle.
  void Drain(std::function<void()> f);
  // At shutdown, when writing cannot finish (the disk is full): stops retrying, drops
  // what is queued (counted in dropped(), logged) and lets Drain's callers go.
  void GiveUp();
  // Asked on the store thread before each write: true while the disk is low, so the
  // raw device events (diagnostics; every reading also reaches its inspection) are
  // shed, counted and logged, leaving the space and the reserve to inspections.
  // Set before the first event.
  void SetShedWhen(std::function<bool()> f) { shed_when_ = std::move(f); }
  // Where a failed or successful write is reported (store_faults.hpp). Outlives this.
  void SetStoreFaults(StoreFaults* faults) { faults_ = faults; }
  std::uint64_t shed() const { return shed_; }

 private:
  void Flush();
  void NotifyIfIdle();

  StoreWorker& worker_;
  boost::asio::any_io_executor loop_;
  boost::asio::steady_timer retry_;
  log::Logger log_;
  std::size_t max_queue_;
  std::vector<store::DeviceEventRow> queue_;
  bool in_flight_ = false;
  bool given_up_ = false;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t shed_ = 0;
  bool shedding_ = false;  // logged at each change
  std::function<bool()> shed_when_;
  StoreFaults* faults_ = nullptr;
  std::vector<std::function<void()>> on_idle_;
};

}  // namespace checkpoint::daemon
