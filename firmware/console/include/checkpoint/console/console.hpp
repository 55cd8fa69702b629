#pragma once
// The officer console served by checkpointd (issue 8, docs/console.md, ADR 0015):
// HTTPS on the configured addresses, officer logins against the accounts in the
// store, the live queue of a booth's inspections with their reasons, the decision
// recorded as a linked record (inspection::RecordDecision: store and outbox), every
// page on the box.
//
// Threading: the console has its own threads (HttpsServer). Store work runs where
// the store lives: StoreRunner posts it there (the daemon's store worker) and the
// console's thread waits for the answer, so the daemon's loop never waits for the
// console and SQLite stays on one thread. Password hashing runs on the console's
// threads.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/config/config.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::console {

// Runs jobs on the thread that owns the store, in order. Jobs posted after the
// runner stopped may be dropped (destroyed without running).
class StoreRunner {
 public:
  virtual ~StoreRunner() = default;
  virtual void Post(std::function<void(store::Store&)> job) = 0;
};

class Console {
 public:
  struct Options {
    config::ConsoleConfig config;
    std::vector<config::Booth> booths;
    std::filesystem::path data_dir;  // the self-signed identity goes to data_dir/console
    std::string device_id;
    // What is wrong with the box now, as codes the page explains to the officer
    // ("storage.readOnly", "storage.corrupt", "storage.io", "disk.low", "disk.full");
    // empty when healthy. Called on the console's threads: must be thread-safe and
    // must not wait on the store (it reports the store's faults).
    std::function<std::vector<std::string>()> problems;
  };

  // Loads the pages, prepares the certificate and starts serving. Errors: an
  // unreadable page or certificate, an address that cannot be bound.
  static Expected<std::unique_ptr<Console>> Start(const Options& options, StoreRunner& store,
                                                  const common::Clock& clock, log::Logger logger);
  virtual ~Console() = default;

  // An inspection was recorded: the open pages are told at once. Thread-safe.
  virtual void NotifyRecorded() = 0;
  virtual std::vector<std::uint16_t> ports() const = 0;
  // The certificate the console serves (PEM), for pinning by tests and technicians.
  virtual const std::filesystem::path& certificate() const = 0;
  // Stops serving and joins the threads. Idempotent; call before the store runner
  // stops.
  virtual void Stop() = 0;
};

}  // namespace checkpoint::console
