#include "checkpoint/update/machine.hpp"

#include <array>

namespace checkpoint::update {

namespace {

using S = State;
using E = Event;
using A = Action;

// THE table. Anything not listed is refused (UpdateErrc::kNotAllowed).
constexpr Transition kTable[] = {
    // A new image, from any state with nothing in progress.
    {S::kIdle, E::kInstall, S::kVerifying, A::kVerify},
    {S::kCommitted, E::kInstall, S::kVerifying, A::kVerify},
    {S::kRolledBack, E::kInstall, S::kVerifying, A::kVerify},
    {S::kFailed, E::kInstall, S::kVerifying, A::kVerify},
    // Verify, write, arm.
    {S::kVerifying, E::kVerified, S::kInstalling, A::kWriteSlot},
    {S::kVerifying, E::kRejected, S::kFailed, A::kNone},
    {S::kInstalling, E::kWritten, S::kInstalled, A::kArmTrial},
    {S::kInstalling, E::kWriteFailed, S::kFailed, A::kNone},
    // The reboot.
    {S::kInstalled, E::kBootedNew, S::kTrial, A::kStartTrial},
    {S::kInstalled, E::kFellBack, S::kRollingBack, A::kRollback},
    {S::kInstalled, E::kRollbackRequested, S::kRollingBack, A::kRollback},
    // The trial.
    {S::kTrial, E::kHealthy, S::kCommitted, A::kCommit},
    {S::kTrial, E::kCommitRequested, S::kCommitted, A::kCommit},
    {S::kTrial, E::kUnhealthy, S::kRollingBack, A::kRollback},
    {S::kTrial, E::kDeadlinePassed, S::kRollingBack, A::kRollback},
    {S::kTrial, E::kBootLimitExceeded, S::kRollingBack, A::kRollback},
    {S::kTrial, E::kFellBack, S::kRollingBack, A::kRollback},
    {S::kTrial, E::kRollbackRequested, S::kRollingBack, A::kRollback},
    // After a commit the old slot is still there: the technician may go back.
    {S::kCommitted, E::kRollbackRequested, S::kRollingBack, A::kRollback},
    {S::kRollingBack, E::kRolledBack, S::kRolledBack, A::kNone},
};

constexpr std::array<std::string_view, 9> kStateNames = {
    "idle",      "verifying",    "installing",  "installed", "trial",
    "committed", "rolling-back", "rolled-back", "failed"};
constexpr std::array<std::string_view, 14> kEventNames = {
    "install",    "verified", "rejected",  "written",  "write-failed", "booted-new", "fell-back",
    "boot-limit", "healthy",  "unhealthy", "deadline", "commit",       "rollback",   "rolled-back"};
constexpr std::array<std::string_view, 7> kActionNames = {
    "none", "verify", "write-slot", "arm-trial", "start-trial", "commit", "rollback"};

}  // namespace

std::span<const Transition> Transitions() {
  return kTable;
}

std::optional<Transition> Find(State from, Event event) {
  for (const auto& t : kTable) {
    if (t.from == from && t.event == event) return t;
  }
  return std::nullopt;
}

std::string_view StateName(State s) noexcept {
  return kStateNames[static_cast<std::size_t>(s)];
}

std::optional<State> ParseState(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<State>(i);
  }
  return std::nullopt;
}

std::string_view EventName(Event e) noexcept {
  return kEventNames[static_cast<std::size_t>(e)];
}

std::string_view ActionName(Action a) noexcept {
  return kActionNames[static_cast<std::size_t>(a)];
}

std::optional<Action> ParseAction(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) return static_cast<Action>(i);
  }
  return std::nullopt;
}

}  // namespace checkpoint::update
