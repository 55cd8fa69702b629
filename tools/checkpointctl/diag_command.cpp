#include "diag_command.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "agent_health.hpp"
#include "certificate_info.hpp"
#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/store/store.hpp"
#include "redact.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxLogLines = 2000;  // per source, the newest kept

// Runs a command of ours (`Status`, `Verify`) into a string, as JSON.
template <typename F>
std::string Capture(const Context& ctx, F&& command) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* mem = ::open_memstream(&buf, &size);
  if (!mem) return "{}";
  Context c = ctx;
  c.json = true;
  c.out = mem;
  c.err = mem;
  command(c);
  std::fclose(mem);
  std::string text(buf, size);
  std::free(buf);
  return text;
}

// The status JSON without fault details (a driver's detail may quote what it read).
std::string StatusJson(const Context& ctx) {
  json j = json::parse(Capture(ctx, [](const Context& c) { return Status(c); }), nullptr, false);
  if (j.is_discarded()) return "{\"error\":\"status unavailable\"}\n";
  if (j.contains("devices") && j["devices"].is_array()) {
    for (auto& d : j["devices"]) {
      if (d.is_object() && d.contains("last_fault") && d["last_fault"].is_string()) {
        const std::string f = d["last_fault"];
        d["last_fault"] = f.substr(0, f.find(':'));
      }
    }
  }
  return j.dump(2) + "\n";
}

// Row counts of every table of the store: names of tables, never of what is in them.
json StoreCounts(const Context& ctx) {
  auto st = store::Store::Open({.path = ctx.config.DatabasePath(),
                                .device_id = ctx.config.device_id,
                                .busy_timeout_ms = ctx.config.busy_timeout_ms,
                                .read_only = true});
  if (!st) return {{"error", st.error().message()}};
  json counts = json::object();
  auto tables = st->db().Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name");
  if (!tables) return {{"error", tables.error().message()}};
  std::vector<std::string> names;
  for (;;) {
    auto row = tables->Step();
    if (!row || !*row) break;
    names.push_back(tables->Text(0));
  }
  for (const auto& name : names) {
    std::string quoted = "\"";
    for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    auto n = st->db().QueryInt("SELECT count(*) FROM " + quoted + "\"");
    counts[name] = n ? json(*n) : json(nullptr);
  }
  return {{"tables", counts}};
}

// The newest lines of `lines`, filtered; the number dropped is added to `dropped`.
std::string FilteredLog(const std::vector<std::string>& lines, std::size_t& dropped) {
  std::string out;
  const std::size_t from = lines.size() > kMaxLogLines ? lines.size() - kMaxLogLines : 0;
  for (std::size_t i = from; i < lines.size(); ++i) {
    std::string kept = FilterLogLine(lines[i]);
    if (kept.empty() && !lines[i].empty()) {
      ++dropped;
      continue;
    }
    out += kept + "\n";
  }
  return out;
}

// journald's lines of the two services, when journalctl is there.
std::optional<std::string> JournalLines() {
  std::FILE* p = ::popen(
      "journalctl --no-pager -o short-iso -n 2000 -u checkpointd -u checkpoint-sync 2>/dev/null",
      "r");
  if (!p) return std::nullopt;
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0 && text.size() < (8u << 20)) {
    text.append(buf, n);
  }
  const int rc = ::pclose(p);
  if (rc != 0) return std::nullopt;
  return text;
}

class TarGz {
 public:
  explicit TarGz(int fd) : a_(archive_write_new(), archive_write_free) {
    ok_ = a_ && archive_write_add_filter_gzip(a_.get()) == ARCHIVE_OK &&
          archive_write_set_format_pax_restricted(a_.get()) == ARCHIVE_OK &&
          archive_write_open_fd(a_.get(), fd) == ARCHIVE_OK;
  }
  bool Add(const std::string& name, std::string_view content, std::int64_t mtime_s) {
    if (!ok_) return false;
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(),
                                                                    archive_entry_free);
    archive_entry_set_pathname(e.get(), ("checkpoint-diag/" + name).c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0600);
    archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime_s), 0);
    ok_ = archive_write_header(a_.get(), e.get()) == ARCHIVE_OK &&
          archive_write_data(a_.get(), content.data(), content.size()) ==
              static_cast<la_ssize_t>(content.size());
    return ok_;
  }
  bool Close() { return ok_ && archive_write_close(a_.get()) == ARCHIVE_OK; }
  std::string error() const {
    const char* e = a_ ? archive_error_string(a_.get()) : nullptr;
    return e ? e : "cannot write the archive";
  }

 private:
  std::unique_ptr<archive, decltype(&archive_write_free)> a_;
  bool ok_ = false;
};

}  // namespace

int Diag(const Context& ctx, const DiagOptions& options) {
  common::SystemClock clock;
  const std::int64_t now_s = clock.WallMs() / 1000;
  std::filesystem::path out = options.out;
  if (out.empty()) {
    std::string stamp = UtcText(now_s);
    for (char& c : stamp) {
      if (c == ':') c = '-';
    }
    out = "checkpoint-diag-" + ctx.config.device_id + "-" + stamp + ".tar.gz";
  }
  std::vector<std::pair<std::string, std::string>> files;

  utsname u{};
  ::uname(&u);
  json versions{{"firmware", FirmwareVersion()},
                {"kernel", std::string(u.sysname) + " " + u.release},
                {"machine", u.machine},
                {"bundles", InstalledBundles(ctx.config)},
                {"created", UtcText(now_s)}};
  files.emplace_back("versions.json", versions.dump(2) + "\n");
  files.emplace_back("status.json", StatusJson(ctx));
  files.emplace_back("integrity.json", Capture(ctx, [](const Context& c) { return Verify(c); }));
  files.emplace_back("counts.json", StoreCounts(ctx).dump(2) + "\n");
  files.emplace_back("agent.json", AgentHealth(ctx.config, clock.WallMs()).dump(2) + "\n");
  if (auto text = common::ReadFile(ctx.config.source, 1u << 20)) {
    files.emplace_back("config.toml", RedactConfig(*text));
  }
  // The provisioning journal: steps, paths and self-test results (no key, no token).
  if (auto journal = common::ReadFile(ctx.config.data_dir / "provision.json", 1u << 20)) {
    files.emplace_back("provision.json", *journal);
  }

  std::size_t dropped = 0;
  json logs = json::array();
  if (options.log_files.empty()) {
    if (auto journal = JournalLines()) {
      files.emplace_back("logs/journal.txt", FilteredLog(SplitLines(*journal), dropped));
      logs.push_back("journald (checkpointd, checkpoint-sync)");
    }
  }
  for (std::size_t i = 0; i < options.log_files.size(); ++i) {
    auto text = common::ReadFile(options.log_files[i], 64u << 20);
    if (!text) continue;
    files.emplace_back(
        "logs/" + std::to_string(i + 1) + "-" + options.log_files[i].filename().string(),
        FilteredLog(SplitLines(*text), dropped));
    logs.push_back(options.log_files[i].filename().string());
  }
  json manifest{{"device", ctx.config.device_id},
                {"site", ctx.config.site_id},
                {"logs", logs},
                {"log_lines_dropped", dropped},
                {"never_included",
                 "record contents, names, document numbers, plates, keys, certificates' keys, "
                 "tokens, the database itself"}};
  files.emplace_back("manifest.json", manifest.dump(2) + "\n");

  // Written 0600 beside the target, then renamed: never a half-written bundle.
  const std::filesystem::path tmp = out.string() + ".partial";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(ctx.err, "checkpointctl diag: cannot create %s\n", tmp.c_str());
    return 1;
  }
  bool ok = true;
  std::string error;
  {
    TarGz tar(fd);
    for (const auto& [name, content] : files) ok = ok && tar.Add(name, content, now_s);
    ok = ok && tar.Close();
    if (!ok) error = tar.error();
  }
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, out, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    std::fprintf(ctx.err, "checkpointctl diag: %s\n",
                 error.empty() ? "cannot write" : error.c_str());
    return 1;
  }
  if (ctx.json) {
    std::fprintf(
        ctx.out, "%s\n",
        json{{"ok", true}, {"bundle", out.string()}, {"files", files.size()}}.dump(2).c_str());
  } else {
    std::fprintf(ctx.out, "support bundle %s (%zu files; %zu log lines withheld)\n", out.c_str(),
                 files.size(), dropped);
  }
  return 0;
}

int DiagCommand(const Context& ctx, const std::vector<std::string>& args) {
  DiagOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) {
      o.out = args[++i];
    } else if (args[i] == "--log-file" && i + 1 < args.size()) {
      o.log_files.emplace_back(args[++i]);
    } else {
      std::fprintf(ctx.err, "checkpointctl diag: unknown argument '%s'\n", args[i].c_str());
      return 2;
    }
  }
  return Diag(ctx, o);
}

}  // namespace checkpoint::tools
