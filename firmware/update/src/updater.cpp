#include "checkpoint/update/updater.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/database.hpp"
#include "checkpoint/store/migrations.hpp"
#include "checkpoint/update/errors.hpp"
#include "crash_point.hpp"

namespace checkpoint::update {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------- the record

std::string RecordJson(const UpdateRecord& r) {
  const auto opt = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return json{{"format", kRecordFormat},
              {"state", StateName(r.state)},
              {"pending_action", ActionName(r.pending)},
              {"image", r.image},
              {"target_slot", r.target ? json(SlotName(*r.target)) : json(nullptr)},
              {"target_version", r.target_version},
              {"previous_version", r.previous_version},
              {"floor", r.floor},
              {"previous_schema", r.previous_schema},
              {"trial_started_ms", r.trial_started_ms},
              {"trial_deadline_ms", r.trial_deadline_ms},
              {"hq_contact_at_start", opt(r.hq_contact_at_start)},
              {"last_event", r.last_event},
              {"error", r.error},
              {"findings", r.findings}}
             .dump(2) +
         "\n";
}

Expected<UpdateRecord> ParseRecord(std::string_view text) {
  auto bad = [](std::string what) {
    return MakeError(UpdateErrc::kState, "update state: " + std::move(what));
  };
  const json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("format") || !j["format"].is_number_integer()) return bad("no format version");
  if (j["format"].get<std::int64_t>() != kRecordFormat) {
    return bad("format " + j["format"].dump() + " is not this updater's (" +
               std::to_string(kRecordFormat) + ")");
  }
  try {
    UpdateRecord r;
    // Integers are checked as integers: a float where a count belongs is refused,
    // not converted.
    const auto integer = [&j](const char* key, std::int64_t& out) {
      if (!j.at(key).is_number_integer()) return false;
      out = j[key].get<std::int64_t>();
      return true;
    };
    auto state = ParseState(j.at("state").get<std::string>());
    auto pending = ParseAction(j.at("pending_action").get<std::string>());
    if (!state || !pending) return bad("unknown state or action");
    r.state = *state;
    r.pending = *pending;
    r.image = j.at("image").get<std::string>();
    if (!j.at("target_slot").is_null()) {
      r.target = ParseSlot(j["target_slot"].get<std::string>());
      if (!r.target) return bad("unknown target slot");
    }
    std::int64_t schema = 0;
    if (!integer("target_version", r.target_version) ||
        !integer("previous_version", r.previous_version) || !integer("floor", r.floor) ||
        !integer("previous_schema", schema) || !integer("trial_started_ms", r.trial_started_ms) ||
        !integer("trial_deadline_ms", r.trial_deadline_ms)) {
      return bad("a number is not an integer");
    }
    if (schema < -1 || schema > 1'000'000) return bad("previous_schema out of range");
    r.previous_schema = static_cast<int>(schema);
    if (!j.at("hq_contact_at_start").is_null()) {
      std::int64_t contact = 0;
      if (!integer("hq_contact_at_start", contact)) return bad("a number is not an integer");
      r.hq_contact_at_start = contact;
    }
    r.last_event = j.at("last_event").get<std::string>();
    r.error = j.at("error").get<std::string>();
    r.findings = j.at("findings").get<std::vector<std::string>>();
    // The target is chosen by the verification; every later state has one.
    if (r.state != State::kIdle && r.state != State::kFailed && r.state != State::kVerifying &&
        !r.target) {
      return bad(std::string(StateName(r.state)) + " without a target slot");
    }
    return r;
  } catch (const json::exception& e) {
    return bad(e.what());
  }
}

// ---------------------------------------------------------------- the updater

Updater::Updater(Slots& slots, HealthCheck& health, UpdaterOptions options, int lock_fd)
    : slots_(&slots), health_(&health), o_(std::move(options)), lock_fd_(lock_fd) {}

Updater::Updater(Updater&& o) noexcept
    : slots_(o.slots_),
      health_(o.health_),
      o_(std::move(o.o_)),
      lock_fd_(std::exchange(o.lock_fd_, -1)),
      rec_(std::move(o.rec_)) {}

Updater::~Updater() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

Expected<Updater> Updater::Open(Slots& slots, HealthCheck& health, UpdaterOptions options) {
  if (auto s = common::EnsurePrivateDirectory(options.state_dir); !s) return std::move(s).error();
  const fs::path lock = options.state_dir / "lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("cannot open " + lock.string(), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return MakeError(UpdateErrc::kNotAllowed, "another updater is running");
    }
    return ErrnoError("cannot lock " + lock.string(), err);
  }
  Updater u(slots, health, std::move(options), fd);
  const fs::path path = u.o_.state_dir / "state.json";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto text = common::ReadFile(path, 1u << 20);
    if (!text) return std::move(text).error();
    auto rec = ParseRecord(*text);
    if (!rec) return std::move(rec).error().WithContext(path.string());
    u.rec_ = std::move(*rec);
  }
  if (auto s = u.RunPending(); !s) return std::move(s).error().WithContext("while resuming");
  return u;
}

Status Updater::Persist() {
  return common::WriteFileAtomic(o_.state_dir / "state.json", RecordJson(rec_), 0600);
}

Status Updater::Dispatch(Event e) {
  const auto t = Find(rec_.state, e);
  if (!t) {
    return MakeError(UpdateErrc::kNotAllowed, std::string(EventName(e)) + " is not allowed in " +
                                                  std::string(StateName(rec_.state)));
  }
  rec_.state = t->to;
  rec_.pending = t->action;
  rec_.last_event = std::string(EventName(e));
  if (auto s = Persist(); !s) return s;
  detail::CrashPoint(StateName(rec_.state));
  return RunPending();
}

Status Updater::RunPending() {
  while (rec_.pending != Action::kNone) {
    auto next = Run(rec_.pending);
    if (!next) return std::move(next).error();  // pending stays: the next run retries
    if (*next) return Dispatch(**next);
    rec_.pending = Action::kNone;
    if (auto s = Persist(); !s) return s;
  }
  return {};
}

Expected<std::optional<Event>> Updater::Run(Action a) {
  switch (a) {
    case Action::kNone:
      return std::optional<Event>();
    case Action::kVerify:
      return Verify();
    case Action::kWriteSlot:
      return WriteSlot();
    case Action::kArmTrial:
      if (auto s = slots_->ArmTrial(*rec_.target); !s) return std::move(s).error();
      return std::optional<Event>();
    case Action::kStartTrial:
      if (rec_.trial_started_ms == 0) {
        rec_.trial_started_ms = o_.now_ms();
        rec_.trial_deadline_ms = rec_.trial_started_ms + o_.trial_timeout_ms;
        rec_.hq_contact_at_start = health_->LastHqContactMs();
      }
      return std::optional<Event>();
    case Action::kCommit: {
      if (auto s = slots_->Commit(*rec_.target); !s) return std::move(s).error();
      rec_.floor = std::max(rec_.floor, rec_.target_version);
      std::error_code ec;
      fs::remove(rec_.image, ec);
      return std::optional<Event>();
    }
    case Action::kRollback: {
      // The store first: the old slot must never start on a schema it does not know.
      if (auto s = RollBackStore(); !s) return std::move(s).error();
      detail::CrashPoint("store-rolled-back");
      if (auto s = slots_->MarkBad(*rec_.target); !s) return std::move(s).error();
      std::error_code ec;
      fs::remove(rec_.image, ec);
      return std::optional<Event>(Event::kRolledBack);
    }
  }
  return MakeError(UpdateErrc::kState, "unknown action");
}

namespace {
Expected<std::vector<PublicKey>> PinnedKeys(const fs::path& keys) {
  auto pem = common::ReadFile(keys, 64u << 10);
  if (!pem) return std::move(pem).error().WithContext("firmware-signing keys");
  return ParsePublicKeysPem(*pem);
}
}  // namespace

Expected<Updater::Checked> Updater::CheckImage(const fs::path& image) {
  auto keys = PinnedKeys(o_.keys);
  if (!keys) return std::move(keys).error();
  auto h = VerifyImageFile(image, *keys);
  if (!h) return std::move(h).error();
  // Any failure refuses the image (fails closed): a store or slot that cannot be
  // read now must not block every command.
  auto booted = slots_->Booted();
  if (!booted) return std::move(booted).error();
  auto running = slots_->Info(*booted);
  if (!running) return std::move(running).error();
  const std::int64_t floor = std::max(running->version, rec_.floor);
  if (auto s = CheckPolicy(h->manifest, {.hardware = o_.hardware, .floor = floor}); !s) {
    return std::move(s).error();
  }
  return Checked{std::move(*h), *booted, *running};
}

Status Updater::Admissible(const fs::path& image) {
  auto c = CheckImage(image);
  if (!c) return std::move(c).error();
  return {};
}

Expected<std::optional<Event>> Updater::Verify() {
  auto reject = [this](const Error& e) {
    rec_.error = e.message();
    return std::optional<Event>(Event::kRejected);
  };
  auto c = CheckImage(rec_.image);
  if (!c) return reject(c.error());
  rec_.target = Other(c->booted);
  rec_.target_version = c->header.manifest.version;
  rec_.previous_version = c->running.version;
  rec_.previous_schema = -1;
  std::error_code ec;
  if (!o_.database.empty() && fs::exists(o_.database, ec)) {
    auto db = store::Connection::Open({.path = o_.database, .read_only = true, .create = false});
    auto v = db ? store::SchemaVersion(*db) : Expected<int>(db.error());
    if (!v) return reject(v.error().WithContext("cannot read the store's schema version"));
    rec_.previous_schema = *v;
  }
  return std::optional<Event>(Event::kVerified);
}

Expected<std::optional<Event>> Updater::WriteSlot() {
  auto keys = PinnedKeys(o_.keys);
  if (!keys) return std::move(keys).error();
  // Verified again: the staged image is ours, but a resumed install trusts nothing.
  auto h = VerifyImageFile(rec_.image, *keys);
  auto written = h ? slots_->Write(*rec_.target, rec_.image, *h) : Status(h.error());
  if (!written) {
    rec_.error = written.error().message();
    return std::optional<Event>(Event::kWriteFailed);
  }
  return std::optional<Event>(Event::kWritten);
}

Status Updater::RollBackStore() {
  std::error_code ec;
  if (o_.database.empty() || rec_.previous_schema < 0 || !fs::exists(o_.database, ec)) return {};
  auto db = store::Connection::Open({.path = o_.database, .create = false});
  if (!db) return std::move(db).error();
  auto v = store::SchemaVersion(*db);
  if (!v) return std::move(v).error();
  if (*v <= rec_.previous_schema) return {};
  // Down with the rollback SQL stored in the database; the migrations this
  // firmware knows up to the old schema are only checked for edits.
  auto known = store::ProductMigrations();
  const auto keep =
      std::min<std::size_t>(known.size(), static_cast<std::size_t>(rec_.previous_schema));
  auto m = store::Migrate(*db, known.first(keep), rec_.previous_schema);
  if (!m) {
    return std::move(m).error().WithContext("while taking the store back to schema " +
                                            std::to_string(rec_.previous_schema));
  }
  return {};
}

Status Updater::Install(const fs::path& image) {
  if (!Find(rec_.state, Event::kInstall)) {
    return MakeError(UpdateErrc::kNotAllowed, "an update is in progress (state " +
                                                  std::string(StateName(rec_.state)) +
                                                  "): commit or roll it back first");
  }
  // Staged into our own directory (a hard link where possible): the agent may remove
  // the bundle's payload when a newer one arrives.
  const fs::path staged = o_.state_dir / "image.bin";
  std::error_code ec;
  fs::remove(staged, ec);
  // A file of another user (the agent's staged bundle) is copied, never linked: its
  // owner could otherwise change the bytes the updater keeps.
  struct stat st {};
  if (::stat(image.c_str(), &st) == 0 && st.st_uid == ::geteuid()) {
    fs::create_hard_link(image, staged, ec);
  } else {
    ec = std::make_error_code(std::errc::operation_not_permitted);
  }
  if (ec) {
    ec.clear();
    fs::copy_file(image, staged, ec);
    if (ec)
      return MakeError(CommonErrc::kIo, "cannot stage " + image.string() + ": " + ec.message());
  }
  const std::int64_t floor = rec_.floor;
  rec_ = UpdateRecord{};
  rec_.floor = floor;
  rec_.image = staged.string();
  if (auto s = Dispatch(Event::kInstall); !s) return s;
  if (rec_.state == State::kFailed) {
    fs::remove(staged, ec);
    return MakeError(UpdateErrc::kBadImage, rec_.error);
  }
  return {};
}

Status Updater::TrialCheck() {
  if (rec_.state != State::kInstalled && rec_.state != State::kTrial) return {};
  auto booted = slots_->Booted();
  if (!booted) return std::move(booted).error();
  auto env = slots_->ReadEnv();
  if (!env) return std::move(env).error();
  if (rec_.state == State::kInstalled) {
    if (*booted == *rec_.target) {
      if (auto s = Dispatch(Event::kBootedNew); !s) return s;
    } else if (!env->upgrade_available && env->boot_slot != *rec_.target) {
      rec_.error = "the bootloader fell back to the previous slot before the trial ran";
      return Dispatch(Event::kFellBack);
    } else {
      return {};  // the reboot has not happened yet
    }
  }
  if (*booted != *rec_.target) {
    rec_.error = "the bootloader fell back to the previous slot (crash loop)";
    return Dispatch(Event::kFellBack);
  }
  if (env->upgrade_available && env->bootcount > env->bootlimit) {
    rec_.error = "the trial started " + std::to_string(env->bootcount) + " times (bootlimit " +
                 std::to_string(env->bootlimit) + ")";
    return Dispatch(Event::kBootLimitExceeded);
  }
  auto report = health_->Check(rec_.trial_started_ms, rec_.hq_contact_at_start);
  rec_.findings = report.findings;
  using V = HealthReport::Verdict;
  if (report.verdict == V::kPassed) return Dispatch(Event::kHealthy);
  std::string why;
  for (const auto& f : report.findings) why += (why.empty() ? "" : "; ") + f;
  if (report.verdict == V::kFailed) {
    rec_.error = "health check failed: " + why;
    return Dispatch(Event::kUnhealthy);
  }
  if (o_.now_ms() > rec_.trial_deadline_ms) {
    rec_.error = "health check did not pass before the trial's deadline: " + why;
    return Dispatch(Event::kDeadlinePassed);
  }
  return Persist();  // still a trial; the findings are kept for status
}

Status Updater::Commit() {
  return Dispatch(Event::kCommitRequested);
}

Status Updater::Rollback() {
  if (Find(rec_.state, Event::kRollbackRequested)) rec_.error = "rolled back by the technician";
  return Dispatch(Event::kRollbackRequested);
}

}  // namespace checkpoint::update
