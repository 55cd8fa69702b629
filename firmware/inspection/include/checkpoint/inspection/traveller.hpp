#pragma once
// Travellers at a booth: an MRZ read and, from a chip-capable reader of the same
// booth, a chip read (DG1, DG2, EF.SOD) become one inspection.
//
// Pairing (per booth): a read is held for `chip_window` waiting for its partner,
// whichever comes first. An MRZ at a booth without a chip reader is inspected at once.
//  - MRZ held, chip arrives within the window  → one inspection with both;
//  - MRZ held, another MRZ arrives             → the held one is inspected alone
//                                                (a new document is on the reader);
//  - MRZ held, the window closes               → inspected alone (chip.status no_chip);
//  - chip held, MRZ arrives within the window  → one inspection with both;
//  - chip held, the window closes or another chip arrives → inspected from DG1 alone
//    (no printed MRZ to compare: the mrz_match step is not checked).
// A read belongs to the window when t_partner < t_first + chip_window (steady ms).
//
// Nothing here blocks or sleeps: time is passed in (steady milliseconds), and the
// owner calls Advance() at NextDeadline() (the daemon with a timer on its loop, tests
// by hand). Decoding, passive authentication and screening run inside these calls on
// the caller's thread (well under a millisecond for a traveller; docs/inspection.md).
//
// Thread-safety: one thread at a time. The Watchlist and SharedAnchors it reads are
// thread-safe and may be swapped meanwhile.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/inspection/pipeline.hpp"
#include "checkpoint/inspection/sources.hpp"
#include "checkpoint/risk/watchlist.hpp"

namespace checkpoint::inspection {

struct TravellerOptions {
  std::chrono::milliseconds chip_window{10'000};
  risk::ScreeningOptions screening{};  // person match threshold and limits
  std::set<std::string> chip_booths;   // booths with a chip reader: an MRZ waits there
};

class TravellerInspector {
 public:
  // `watchlist` and `anchors` must outlive the inspector.
  TravellerInspector(TravellerOptions options, const risk::Watchlist& watchlist,
                     const SharedAnchors& anchors);

  // Document reader events (MrzRead, ChipRead); others are ignored. Returns the
  // inspections completed by this event or by windows closed up to `steady_ms`.
  std::vector<Pending> OnEvent(const hal::DeviceEvent& event, std::int64_t steady_ms);
  // Closes the windows that ended at or before `steady_ms`.
  std::vector<Pending> Advance(std::int64_t steady_ms);
  // Inspects everything held, now (shutdown).
  std::vector<Pending> Flush();
  // When Advance() next has something to do; nullopt when nothing is held.
  std::optional<std::int64_t> NextDeadline() const;
  std::size_t held() const;

  const TravellerOptions& options() const noexcept { return options_; }

  struct Held {
    std::string device_id;
    std::int64_t wall_ms = 0;
    std::int64_t steady_ms = 0;
    std::optional<hal::MrzRead> mrz;
    std::optional<hal::ChipRead> chip;
  };
  // The decoding itself, without windows: either or both reads (at least one).
  Pending Inspect(const std::string& booth, const Held* mrz, const Held* chip) const;

 private:
  TravellerOptions options_;
  const risk::Watchlist& watchlist_;
  const SharedAnchors& anchors_;
  std::map<std::string, Held> held_;  // per booth: the read waiting for its partner
};

}  // namespace checkpoint::inspection
