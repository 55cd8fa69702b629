#include "provision_command.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "certificate_info.hpp"
#include "checkpoint/agent/downlink.hpp"
#include "checkpoint/agent/enrollment.hpp"
#include "checkpoint/agent/errors.hpp"
#include "checkpoint/agent/http_client.hpp"
#include "checkpoint/agent/trusted_time.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/config/config.hpp"
#include "checkpoint/hal/drivers/self_test.hpp"
#include "checkpoint/protocol/keys.hpp"
#include "checkpoint/protocol/messages.hpp"
#include "site_file.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

constexpr int kJournalVersion = 1;
constexpr const char* kJournalFile = "provision.json";
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDeviceFailed = 3;

// The deterministic crash hook of the tests: right after `step`'s effects, before its
// journal entry, so that a re-run must find the effects themselves.
void CrashPoint(const char* step) {
  const char* at = std::getenv(kProvisionCrashEnv);
  if (at && std::string_view(at) == step) ::_exit(86);
}

// Runs `fn` as `user` (its uid, primary and supplementary groups) in a child process,
// so that what it creates belongs to that user; without a user, here. The child's error
// comes back through a pipe ("tls" or "other", a newline, the message); the test crash
// hook's exit is passed on.
Status AsUser(const std::string& user, const std::function<Status()>& fn) {
  if (user.empty()) return fn();
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return MakeError(CommonErrc::kNotFound, "no user " + user + " (--sync-user)");
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return MakeError(CommonErrc::kIo, "cannot make a pipe");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return MakeError(CommonErrc::kIo, "cannot fork");
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string answer;
    if (::initgroups(user.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
      answer = "other\ncannot become user " + user;
    } else {
      try {
        if (auto st = fn(); !st) {
          answer = std::string(st.error().Is(agent::SyncErrc::kTls) ? "tls" : "other") + "\n" +
                   st.error().message();
        }
      } catch (const std::exception& e) {  // never back into the parent's code
        answer = std::string("other\n") + e.what();
      }
    }
    std::size_t done = 0;
    while (done < answer.size()) {
      const ssize_t n = ::write(fds[1], answer.data() + done, answer.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(answer.empty() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string answer;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 86) ::_exit(86);  // the crash hook
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  const auto nl = answer.find('\n');
  const std::string message =
      nl == std::string::npos ? "the step as " + user + " failed" : answer.substr(nl + 1);
  if (answer.starts_with("tls\n")) return agent::MakeError(agent::SyncErrc::kTls, message);
  return MakeError(CommonErrc::kInternal, message);
}

class Journal {
 public:
  explicit Journal(std::filesystem::path path) : path_(std::move(path)) {}
  // Absent: a fresh journal. A journal of another version or device is an error.
  Status Load() {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec)) return {};
    auto text = common::ReadFile(path_, 1u << 20);
    if (!text) return std::move(text).error();
    j_ = json::parse(*text, nullptr, false);
    if (j_.is_discarded() || !j_.is_object()) return Damaged();
    const bool shaped = (!j_.contains("steps") || j_["steps"].is_object()) &&
                        (!j_.contains("device_id") || j_["device_id"].is_string()) &&
                        (!j_.contains("version") || j_["version"].is_number_integer());
    if (shaped && j_.contains("steps")) {
      for (const auto& [name, step] : j_["steps"].items()) {
        if (!step.is_object()) return Damaged();
      }
    }
    if (!shaped) return Damaged();
    if (j_.value("version", 0) != kJournalVersion) {
      return MakeError(CommonErrc::kInvalidArgument,
                       path_.string() + " was written by another version of checkpointctl");
    }
    return {};
  }
  Error Damaged() const {
    return MakeError(CommonErrc::kInvalidArgument,
                     path_.string() +
                         " is not a provisioning journal; move it away to start "
                         "over (the device key and certificate stay)");
  }
  bool Done(const std::string& step) const {
    return j_.contains("steps") && j_["steps"].is_object() && j_["steps"].contains(step);
  }
  const json& Step(const std::string& step) const { return j_["steps"][step]; }
  std::string Get(const std::string& key) const {
    return j_.contains(key) && j_[key].is_string() ? j_[key].get<std::string>() : std::string();
  }
  void Set(const std::string& key, const std::string& value) { j_[key] = value; }
  void Forget(const std::string& step) {
    if (j_.contains("steps") && j_["steps"].is_object()) j_["steps"].erase(step);
  }
  Status Record(const std::string& step, json details) {
    common::SystemClock clock;
    details["at_ms"] = clock.WallMs();
    j_["version"] = kJournalVersion;
    j_["steps"][step] = std::move(details);
    return common::WriteFileAtomic(path_, j_.dump(2) + "\n", 0600);
  }

 private:
  std::filesystem::path path_;
  json j_ = json::object();
};

struct Failure {
  std::string step;
  Error error;
  std::string hint;  // what the technician does next
  int code = kExitFailed;
};

class Provisioner {
 public:
  explicit Provisioner(const ProvisionOptions& o)
      : o_(o),
        files_(o.data_dir / "sync"),
        journal_(o.data_dir / kJournalFile),
        log_(std::make_shared<log::FdSink>(2), "provision", log::Level::kWarning) {}

  int Run() {
    if (auto f = Validate()) return Report(*f);
    if (auto f = Keys()) return Report(*f);
    if (auto f = Enrolled()) return Report(*f);
    if (auto f = WriteConfig()) return Report(*f);
    if (auto f = SelfTest()) return Report(*f);
    return Complete();
  }

 private:
  std::optional<Failure> Fail(std::string step, Error e, std::string hint = {},
                              int code = kExitFailed) {
    return Failure{std::move(step), std::move(e), std::move(hint), code};
  }

  // The site file, and the configuration it makes, checked before any effect.
  std::optional<Failure> Validate() {
    auto site = common::ReadFile(o_.site_file, 1u << 20);
    if (!site) return Fail("validate", std::move(site).error(), {}, kExitUsage);
    site_text_ = *site;
    if (auto s = CheckSiteTables(site_text_, o_.site_file.string()); !s) {
      return Fail("validate", std::move(s).error(), {}, kExitUsage);
    }
    auto composed =
        ComposeConfig(site_text_, {o_.data_dir.string(), o_.hq_url, o_.proxy, o_.group});
    if (!composed) return Fail("validate", std::move(composed).error(), {}, kExitUsage);
    config_text_ = std::move(*composed);
    // Named after the site file, so that errors point at its lines.
    auto cfg = config::ParseConfig(config_text_, o_.site_file.string());
    if (!cfg) {
      return Fail("validate", std::move(cfg).error(), "correct the site file and run again",
                  kExitUsage);
    }
    device_id_ = cfg->device_id;
    site_id_ = cfg->site_id;
    devices_ = cfg->devices;
    if (auto s = journal_.Load(); !s) return Fail("journal", std::move(s).error());
    const std::string was = journal_.Get("device_id");
    if (!was.empty() && was != device_id_) {
      return Fail(
          "validate",
          MakeError(CommonErrc::kInvalidArgument,
                    "this box is provisioned as " + was + ", the site file names " + device_id_),
          "use the site file of this box; to make it another device, remove " +
              (o_.data_dir / kJournalFile).string() + " and " + files_.cert.string(),
          kExitUsage);
    }
    return std::nullopt;
  }

  // The data directory, the agent's directory, the pinned HQ CA and the device key.
  std::optional<Failure> Keys() {
    if (o_.group.empty()) {
      if (auto s = common::EnsurePrivateDirectory(o_.data_dir); !s) return Fail("keys", s.error());
    } else if (std::error_code ec; !std::filesystem::is_directory(o_.data_dir, ec)) {
      // Shared through a group (ADR 0012): its mode and group are the package's to set.
      return Fail("keys",
                  MakeError(CommonErrc::kNotFound, o_.data_dir.string() + " does not exist"),
                  "with --group the data directory is the package's: install checkpoint-edge "
                  "first",
                  kExitUsage);
    }
    auto ca = common::ReadFile(o_.hq_ca, 65536);
    if (!ca) return Fail("keys", std::move(ca).error().WithContext("--hq-ca"), {}, kExitUsage);
    if (!ca->starts_with("-----BEGIN CERTIFICATE-----")) {
      return Fail("keys",
                  MakeError(CommonErrc::kInvalidArgument, "--hq-ca is not a PEM certificate"), {},
                  kExitUsage);
    }
    auto pinned = common::ReadFile(files_.hq_ca, 65536);
    if (InstalledCertificate()) {
      // Enrolled already: the certificate was checked against the pinned CA, which stays.
      if (pinned && *pinned != *ca) {
        return Fail("keys",
                    MakeError(CommonErrc::kInvalidArgument,
                              "this box is enrolled with the HQ whose CA is pinned in " +
                                  files_.hq_ca.string() + "; --hq-ca names another CA"),
                    "give the CA of the HQ this box is enrolled with");
      }
    }
    const bool pin_ca = !InstalledCertificate();
    std::optional<std::string> signing_pem;
    if (!o_.signing_keys.empty()) {
      auto keys = agent::LoadPinnedSigningKeys(o_.signing_keys);
      if (!keys) return Fail("keys", std::move(keys).error(), {}, kExitUsage);
      auto pem = common::ReadFile(o_.signing_keys, 65536);
      if (!pem) return Fail("keys", std::move(pem).error());
      signing_pem = *pem;
    }
    // The agent's directory and files, as the agent's user when there is one.
    auto made = AsUser(o_.sync_user, [&]() -> Status {
      const auto dir = files_.key.parent_path();
      if (auto st = common::EnsurePrivateDirectory(dir); !st) return st;
      if (pin_ca) {
        if (auto st = common::WriteFileAtomic(files_.hq_ca, *ca, 0644); !st) return st;
      }
      if (signing_pem) {
        if (auto st = common::WriteFileAtomic(dir / agent::kSigningKeysFile, *signing_pem, 0644);
            !st) {
          return st;
        }
      }
      auto key = protocol::DeviceKey::LoadOrCreate(files_.key);
      if (!key) return std::move(key).error();
      CrashPoint("keys");
      return {};
    });
    if (!made) return Fail("keys", made.error());
    journal_.Set("device_id", device_id_);
    if (auto s = journal_.Record("keys", {{"key", files_.key.string()}}); !s) {
      return Fail("journal", s.error());
    }
    return std::nullopt;
  }

  // The installed certificate when it is this device's, for this key, from the pinned CA.
  std::optional<std::string> InstalledCertificate() const {
    auto pem = common::ReadFile(files_.cert, 65536);
    auto ca = common::ReadFile(files_.hq_ca, 65536);
    auto key = protocol::DeviceKey::Load(files_.key);
    if (!pem || !ca || !key) return std::nullopt;
    auto cn = protocol::CertificateCommonName(*pem);
    auto pub = protocol::PublicKeyOfCertificate(*pem);
    if (!cn || *cn != device_id_ || !pub || *pub != key->Public() ||
        !protocol::CertificateIssuedBy(*pem, *ca)) {
      return std::nullopt;
    }
    return *pem;
  }

  agent::HttpClientOptions Http(bool with_cert) const {
    agent::HttpClientOptions h;
    h.base_url = o_.hq_url;
    h.ca_file = files_.hq_ca;
    h.proxy = o_.proxy;
    h.connect_timeout = std::chrono::seconds(10);
    h.timeout = std::chrono::seconds(30);
    if (with_cert) {
      h.cert_file = files_.cert;
      h.key_file = files_.key;
    }
    return h;
  }

  // CSR and token to HQ, the certificate installed. A certificate already installed
  // for this key is kept: the token was used for it and is not needed again.
  std::optional<Failure> Enrolled() {
    if (!InstalledCertificate()) {
      if (o_.token_file.empty()) {
        return Fail("enroll", MakeError(agent::SyncErrc::kNotEnrolled, "not enrolled yet"),
                    "give the one-time token from HQ with --token-file FILE", kExitUsage);
      }
      auto token = common::ReadFile(o_.token_file, 4096);
      if (!token) return Fail("enroll", std::move(token).error().WithContext("--token-file"));
      while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
      auto s = AsUser(o_.sync_user, [&]() -> Status {
        common::SystemClock clock;
        agent::TrustedTime trusted(clock);  // no HQ time yet: the device clock, floored
        auto http = Http(false);
        http.verify_time_s = [&trusted] { return trusted.NowMs() / 1000; };
        auto client = agent::MakeCurlHttpClient(http);
        if (!client) return std::move(client).error();
        return agent::Enroll(**client, files_.key.parent_path(), device_id_, *token, log_);
      });
      if (!s) {
        const std::string m = s.error().message();
        if (m.find("bad_token") != std::string::npos) {
          return Fail("enroll", s.error(),
                      "HQ refused the token (used already, expired, or for another device) and "
                      "this box holds no certificate: ask HQ for a new token "
                      "(checkpoint-hq token --device " +
                          device_id_ + ") and run provision again");
        }
        if (s.error().Is(agent::SyncErrc::kTls)) {
          return Fail("enroll", s.error(),
                      "HQ's certificate is not from the CA given with --hq-ca: check the CA file "
                      "and the HQ address; nothing was sent");
        }
        return Fail("enroll", s.error(), "check the HQ address and the network, then run again");
      }
      if (!InstalledCertificate()) {
        return Fail("enroll", MakeError(agent::SyncErrc::kProtocol, "no usable certificate"));
      }
    }
    CrashPoint("enrolled");
    if (!journal_.Done("enrolled")) {
      if (auto s = journal_.Record("enrolled", {{"certificate", files_.cert.string()}}); !s) {
        return Fail("journal", s.error());
      }
    }
    return std::nullopt;
  }

  // The configuration into place: validated as checkpointd validates it, an existing
  // different file backed up first, then one atomic rename.
  std::optional<Failure> WriteConfig() {
    auto cfg = config::ParseConfig(config_text_, o_.config_path.string());
    if (!cfg) return Fail("config", std::move(cfg).error(), {}, kExitUsage);
    std::error_code ec;
    std::filesystem::create_directories(o_.config_path.parent_path(), ec);
    if (ec) {
      return Fail("config", MakeError(CommonErrc::kIo, "cannot create " +
                                                           o_.config_path.parent_path().string() +
                                                           ": " + ec.message()));
    }
    // The new file gets the old one's mode, owner and group (the package's is 0640
    // root:checkpoint, so that checkpointd reads it); a first one is 0644, or 0640 with
    // the shared group.
    unsigned mode = o_.group.empty() ? 0644 : 0640;
    std::optional<uid_t> owner;
    std::optional<gid_t> group;
    if (!o_.group.empty()) {
      const struct group* g = ::getgrnam(o_.group.c_str());
      if (!g) return Fail("config", MakeError(CommonErrc::kNotFound, "no group " + o_.group));
      group = g->gr_gid;
    }
    auto existing = common::ReadFile(o_.config_path, 1u << 20);
    if (existing) {
      struct stat st {};
      if (::stat(o_.config_path.c_str(), &st) == 0) {
        mode = st.st_mode & 0777;
        owner = st.st_uid;
        if (!group) group = st.st_gid;
      }
    }
    if (existing && *existing != config_text_) {
      common::SystemClock clock;
      backup_ = o_.config_path.string() + ".before-provision-" + UtcText(clock.WallMs() / 1000);
      if (auto s = common::WriteFileAtomic(backup_, *existing, 0600); !s) {
        return Fail("config", s.error().WithContext("backing up the existing configuration"));
      }
      // Remembered at once: a run cut before the journal's config entry still reports it.
      if (auto s = journal_.Record("config_backup", {{"path", backup_}}); !s) {
        return Fail("journal", s.error());
      }
    } else if (!existing && std::filesystem::exists(o_.config_path, ec)) {
      return Fail("config", std::move(existing).error());
    }
    if (!existing || *existing != config_text_) {
      if (auto s = common::WriteFileAtomic(o_.config_path, config_text_, mode); !s) {
        return Fail("config", s.error());
      }
      if ((owner || group) &&
          ::chown(o_.config_path.c_str(), owner.value_or(static_cast<uid_t>(-1)),
                  group.value_or(static_cast<gid_t>(-1))) != 0) {
        return Fail("config", MakeError(CommonErrc::kPermission,
                                        "cannot give " + o_.config_path.string() +
                                            " its owner and group: " + std::strerror(errno)));
      }
    }
    if (backup_.empty() && journal_.Done("config_backup") &&
        (!journal_.Done("config") || journal_.Step("config").value("sha256", "") !=
                                         common::ToHex(common::Sha256::Of(config_text_)))) {
      backup_ = journal_.Step("config_backup").value("path", "");
    }
    CrashPoint("config");
    const std::string digest = common::ToHex(common::Sha256::Of(config_text_));
    if (!journal_.Done("config") || journal_.Step("config").value("sha256", "") != digest) {
      journal_.Forget("selftest");  // another configuration: its devices are tested again
      journal_.Forget("complete");
      json details{{"path", o_.config_path.string()}, {"sha256", digest}};
      if (!backup_.empty()) details["backup"] = backup_;
      if (auto s = journal_.Record("config", details); !s) return Fail("journal", s.error());
    }
    return std::nullopt;
  }

  std::optional<Failure> SelfTest() {
    if (journal_.Done("selftest") && !o_.retest) return std::nullopt;
    json results = json::array();
    for (const auto& d : devices_) {
      auto r = hal::drivers::SelfTest(d, {}, log_);
      results.push_back({{"id", r.device_id},
                         {"class", r.device_class},
                         {"driver", r.driver},
                         {"booth", d.booth},
                         {"ok", r.ok},
                         {"opened", r.opened},
                         {"frame", r.frame ? json(r.frame_kind) : json(nullptr)},
                         {"detail", r.detail},
                         {"elapsed_ms", r.elapsed_ms}});
    }
    CrashPoint("selftest");
    journal_.Forget("complete");
    if (auto s = journal_.Record("selftest", {{"devices", results}}); !s) {
      return Fail("journal", s.error());
    }
    return std::nullopt;
  }

  // HQ with the installed certificate (mutual TLS): reached, and the clock offset.
  json HqCheck() const {
    common::SystemClock clock;
    json hq{{"url", o_.hq_url}, {"reached", false}, {"clock_offset_ms", nullptr}};
    auto client = agent::MakeCurlHttpClient(Http(true));
    if (!client) {
      hq["error"] = client.error().message();
      return hq;
    }
    protocol::HeartbeatRequest hb;
    hb.device_time_ms = clock.WallMs();
    auto res = (*client)->Post("/v1/heartbeat", "application/json", protocol::ToJson(hb));
    if (!res) {
      hq["error"] = res.error().message();
    } else if (res->status != 200) {
      hq["error"] = "HTTP " + std::to_string(res->status);
    } else if (auto answer = protocol::ParseHeartbeatResponse(res->body); answer) {
      hq["reached"] = true;
      hq["clock_offset_ms"] = answer->offset_ms;
    } else {
      hq["error"] = answer.error().message();
    }
    return hq;
  }

  int Complete() {
    json report = journal_.Done("complete") && !o_.retest ? journal_.Step("complete")["report"]
                                                          : json(nullptr);
    if (report.is_null()) {
      report = BuildReport();
      CrashPoint("complete");
      if (auto s = journal_.Record("complete", {{"report", report}}); !s) {
        return Report(Failure{"journal", s.error(), {}, kExitFailed});
      }
    } else {
      report["reprinted"] = true;
    }
    Print(report);
    return report.value("ok", false) ? kExitOk : kExitDeviceFailed;
  }

  json BuildReport() const {
    json cert = nullptr;
    if (auto pem = InstalledCertificate()) {
      if (auto info = ReadCertificateInfo(*pem)) {
        common::SystemClock clock;
        cert = {{"subject", info->subject},
                {"issuer", info->issuer},
                {"not_after", info->not_after},
                {"days_left", (info->not_after_s - clock.WallMs() / 1000) / 86'400},
                {"sha256", info->sha256}};
      }
    }
    const json devices = journal_.Step("selftest")["devices"];
    bool all_ok = true;
    for (const auto& d : devices) all_ok = all_ok && d.value("ok", false);
    const json& config_step = journal_.Step("config");
    json next = json::array();
    if (!all_ok) {
      next.push_back(
          "fix the devices that failed (cable, port, address, baud rate in the site file), "
          "then run provision again with --retest");
    }
    next.push_back("systemctl enable --now checkpointd checkpoint-sync");
    next.push_back("checkpointctl status   (daemon, agent, devices, backlog)");
    return {{"ok", all_ok},
            {"device_id", device_id_},
            {"site_id", site_id_},
            {"data_dir", o_.data_dir.string()},
            {"certificate", cert},
            {"hq", HqCheck()},
            {"config",
             {{"path", config_step.value("path", "")},
              {"backup", config_step.contains("backup") ? config_step["backup"] : json(nullptr)}}},
            {"devices", devices},
            {"next_steps", next}};
  }

  void Print(const json& r) const {
    if (o_.json) {
      std::fprintf(o_.out, "%s\n", r.dump(2).c_str());
      return;
    }
    std::fprintf(o_.out, "provisioning report%s\n",
                 r.value("reprinted", false) ? " (as of the "
                                               "completed run)"
                                             : "");
    std::fprintf(o_.out, "  device       %s at site %s\n", r.value("device_id", "").c_str(),
                 r.value("site_id", "").c_str());
    if (r["certificate"].is_object()) {
      const auto& c = r["certificate"];
      std::fprintf(o_.out, "  certificate  %s, until %s (%lld days)\n  fingerprint  SHA-256 %s\n",
                   c.value("subject", "").c_str(), c.value("not_after", "").c_str(),
                   static_cast<long long>(c.value("days_left", 0)), c.value("sha256", "").c_str());
    }
    const auto& hq = r["hq"];
    if (hq.value("reached", false)) {
      std::fprintf(o_.out, "  HQ           %s reached, clock offset %lld ms\n",
                   hq.value("url", "").c_str(),
                   static_cast<long long>(hq.value("clock_offset_ms", std::int64_t{0})));
    } else {
      std::fprintf(o_.out, "  HQ           %s NOT reached: %s\n", hq.value("url", "").c_str(),
                   hq.value("error", "").c_str());
    }
    std::fprintf(
        o_.out, "  config       %s%s%s\n", r["config"].value("path", "").c_str(),
        r["config"]["backup"].is_string() ? ", previous one kept as " : "",
        r["config"]["backup"].is_string() ? r["config"]["backup"].get<std::string>().c_str() : "");
    std::fprintf(o_.out, "  devices      %zu\n", r["devices"].size());
    for (const auto& d : r["devices"]) {
      std::fprintf(o_.out, "    %-4s %-12s %-17s %-14s %s\n", d.value("ok", false) ? "ok" : "FAIL",
                   d.value("id", "").c_str(), d.value("class", "").c_str(),
                   d.value("driver", "").c_str(), d.value("detail", "").c_str());
    }
    std::fprintf(o_.out, "next steps\n");
    for (const auto& n : r["next_steps"])
      std::fprintf(o_.out, "  - %s\n", n.get<std::string>().c_str());
  }

  int Report(const Failure& f) const {
    if (o_.json) {
      json j{{"ok", false}, {"step", f.step}, {"error", f.error.message()}};
      if (!f.hint.empty()) j["next"] = f.hint;
      std::fprintf(o_.out, "%s\n", j.dump(2).c_str());
    } else {
      std::fprintf(o_.err, "checkpointctl provision: %s failed:\n%s\n", f.step.c_str(),
                   f.error.message().c_str());
      if (!f.hint.empty()) std::fprintf(o_.err, "next: %s\n", f.hint.c_str());
    }
    return f.code;
  }

  const ProvisionOptions& o_;
  agent::AgentFiles files_;
  Journal journal_;
  log::Logger log_;
  std::string site_text_, config_text_, device_id_, site_id_, backup_;
  std::vector<hal::DeviceConfig> devices_;
};

}  // namespace

int ProvisionCommand(const std::vector<std::string>& args, ProvisionOptions o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has = i + 1 < args.size();
    if (a == "--hq" && has) {
      o.hq_url = args[++i];
    } else if (a == "--hq-ca" && has) {
      o.hq_ca = args[++i];
    } else if (a == "--hq-signing-keys" && has) {
      o.signing_keys = args[++i];
    } else if (a == "--token-file" && has) {
      o.token_file = args[++i];
    } else if (a == "--site" && has) {
      o.site_file = args[++i];
    } else if (a == "--proxy" && has) {
      o.proxy = args[++i];
    } else if (a == "--sync-user" && has) {
      o.sync_user = args[++i];
    } else if (a == "--group" && has) {
      o.group = args[++i];
    } else if (a == "--retest") {
      o.retest = true;
    } else {
      std::fprintf(o.err, "checkpointctl provision: unknown argument '%s'\n", a.c_str());
      return kExitUsage;
    }
  }
  return Provision(o);
}

int Provision(const ProvisionOptions& options) {
  if (options.hq_url.empty() || options.hq_ca.empty() || options.site_file.empty() ||
      options.config_path.empty() || options.data_dir.empty()) {
    std::fprintf(options.err,
                 "checkpointctl provision: needs --hq URL, --hq-ca FILE, --site FILE and "
                 "--token-file FILE (the first time)\n");
    return kExitUsage;
  }
  try {
    return Provisioner(options).Run();
  } catch (const std::exception& e) {
    std::fprintf(options.err, "checkpointctl provision: %s\n", e.what());
    return kExitFailed;
  }
}

}  // namespace checkpoint::tools
