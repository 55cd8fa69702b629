#pragma once
// The update state machine: every transition in one table (src/machine.cpp),
// state × event → next state + the action to run on entering it. docs/update.md
// prints the same table.
//
// An action is idempotent: the updater persists (next state, pending action) before
// running it, and a process killed inside an action runs it again when it resumes.
// The action's result is the next event, or none when the state waits for the
// world (a reboot, a health check, the technician).

#include <optional>
#include <span>
#include <string_view>

namespace checkpoint::update {

enum class State {
  kIdle,         // nothing in progress
  kVerifying,    // checking an image: signature, hardware, version, hashes
  kInstalling,   // writing the inactive slot
  kInstalled,    // slot written and armed; waits for the reboot into it
  kTrial,        // running the new slot; waits for the health check to pass
  kCommitted,    // the new slot is the slot from now on
  kRollingBack,  // store schema back to the old slot's, boot selector to the old slot
  kRolledBack,   // back on the old slot
  kFailed,       // the image was refused or could not be written; nothing armed
};

enum class Event {
  kInstall,            // technician or pickup: install this image
  kVerified,           // the image passed every check
  kRejected,           // the image failed a check
  kWritten,            // the slot holds the image
  kWriteFailed,        // the slot could not be written
  kBootedNew,          // started from the new slot
  kFellBack,           // started from the old slot although a trial was armed or running
  kBootLimitExceeded,  // the trial's boots exceeded bootlimit (a crash loop)
  kHealthy,            // the health check passed
  kUnhealthy,          // the health check failed
  kDeadlinePassed,     // the health check did not pass before the trial's deadline
  kCommitRequested,    // technician: commit the trial now
  kRollbackRequested,  // technician: go back to the old slot
  kRolledBack,         // the rollback action finished
};

enum class Action {
  kNone,
  kVerify,      // verify the image; → kVerified | kRejected
  kWriteSlot,   // write the inactive slot; → kWritten | kWriteFailed
  kArmTrial,    // boot selector: next start is a counted trial of the new slot
  kStartTrial,  // note the trial's start and deadline
  kCommit,      // boot selector: the new slot, trial over; raise the version floor
  kRollback,    // store schema down to the old slot's, boot selector to the old slot;
                // → kRolledBack
};

struct Transition {
  State from;
  Event event;
  State to;
  Action action;
};

// The whole table.
std::span<const Transition> Transitions();
// The row for (from, event), or nullopt when the event is not allowed in `from`.
std::optional<Transition> Find(State from, Event event);

std::string_view StateName(State s) noexcept;
std::optional<State> ParseState(std::string_view name) noexcept;
std::string_view EventName(Event e) noexcept;
std::string_view ActionName(Action a) noexcept;
std::optional<Action> ParseAction(std::string_view name) noexcept;

}  // namespace checkpoint::update
