#include "watchlist_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "checkpoint/common/text.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string IsoMs(std::int64_t ms) {
  return common::FormatUtc(ms / 1000);
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Usage(const WatchlistContext& ctx, const std::string& what) {
  std::fprintf(ctx.err, "checkpointctl: %s\n", what.c_str());
  return 2;
}

int Fail(const WatchlistContext& ctx, const Error& e) {
  if (ctx.json) {
    std::fprintf(ctx.out, "%s\n",
                 json{{"ok", false}, {"error", e.message()}}
                     .dump(-1, ' ', false, json::error_handler_t::replace)
                     .c_str());
  }
  std::fprintf(ctx.err, "checkpointctl: %s\n", e.message().c_str());
  return 1;
}

json Counts(const store::WatchlistCounts& c) {
  return json{{"persons", c.persons},
              {"documents", c.documents},
              {"vehicles", c.vehicles},
              {"containers", c.containers}};
}

json VersionJson(const store::WatchlistVersion& v) {
  return json{{"version", v.version},
              {"kind", v.kind},
              {"importedAt", IsoMs(v.imported_at_ms)},
              {"importedAtMs", v.imported_at_ms},
              {"source", v.source},
              {"sha256", v.sha256},
              {"upserts", v.upserts},
              {"removals", v.removals},
              {"removed", v.removed},
              {"counts", Counts(v.counts)},
              {"total", v.counts.total()}};
}

std::string Mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

// Progress on stderr: on a terminal a bar redrawn at most ten times a second;
// otherwise (a log, a pipe) one plain line per quarter of the file, so logs stay short.
class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* err, std::uint64_t total)
      : err_(err), total_(total), tty_(::isatty(::fileno(err)) == 1), start_(Clock::now()) {}

  bool operator()(const risk::WatchlistProgress& p) {
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(p.entries) / seconds : 0.0;
    const int percent =
        total_ > 0 ? static_cast<int>(std::min<std::uint64_t>(100, p.bytes * 100 / total_)) : -1;
    if (tty_) {
      if (now - last_draw_ < std::chrono::milliseconds(100) && p.bytes < total_) return true;
      last_draw_ = now;
      if (percent >= 0) {
        constexpr int kWidth = 30;
        const int filled = percent * kWidth / 100;
        std::fprintf(err_, "\r[%s%s] %3d%%  %zu entries  %.0f entries/s ",
                     std::string(static_cast<std::size_t>(filled), '#').c_str(),
                     std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), percent,
                     p.entries, rate);
      } else {
        std::fprintf(err_, "\r%s  %zu entries  %.0f entries/s ", Mib(p.bytes).c_str(), p.entries,
                     rate);
      }
      drawn_ = true;
    } else {
      // A line when a new quarter is reached (or, size unknown, every 100 000 entries).
      const int step = percent >= 0 ? percent / 25 : static_cast<int>(p.entries / 100'000);
      if (step <= last_step_) return true;
      last_step_ = step;
      if (percent >= 0) {
        std::fprintf(err_, "watchlist import: %d%% (%s of %s), %zu entries, %.0f entries/s\n",
                     percent, Mib(p.bytes).c_str(), Mib(total_).c_str(), p.entries, rate);
      } else {
        std::fprintf(err_, "watchlist import: %s, %zu entries, %.0f entries/s\n",
                     Mib(p.bytes).c_str(), p.entries, rate);
      }
    }
    std::fflush(err_);
    return true;
  }

  // Ends the redrawn line, so that what follows starts on its own.
  void Finish() {
    if (drawn_) std::fputc('\n', err_);
  }

  double Seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  std::FILE* err_;
  std::uint64_t total_;
  bool tty_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
  int last_step_ = 0;
  bool drawn_ = false;
};

int Import(store::WatchlistStore& wl, const std::string& path, bool delta,
           const WatchlistContext& ctx) {
  auto file = OpenListFile(path);
  if (!file) return Fail(ctx, file.error());
  ProgressPrinter printer(ctx.err, file->size);
  const store::WatchlistSource source{.name = std::filesystem::path(path).filename().string(),
                                      .read = file->read};
  const risk::WatchlistProgressFn progress = [&](const risk::WatchlistProgress& p) {
    return printer(p);
  };
  auto v =
      delta ? wl.ApplyDelta(source, NowMs(), progress) : wl.ImportFull(source, NowMs(), progress);
  printer.Finish();
  if (!v) {
    return Fail(ctx, std::move(v).error().WithContext(
                         delta ? "delta refused, the store is unchanged"
                               : "list refused, the store keeps the previous list"));
  }
  const double seconds = printer.Seconds();
  const std::int64_t entries = v->upserts + v->removals;
  const double rate = seconds > 0 ? static_cast<double>(entries) / seconds : 0.0;
  if (ctx.json) {
    json j = VersionJson(*v);
    j["ok"] = true;
    j["seconds"] = static_cast<double>(static_cast<std::int64_t>(seconds * 1000)) / 1000.0;
    std::fprintf(ctx.out, "%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }
  if (delta) {
    std::fprintf(
        ctx.out, "applied delta as version %lld: %lld upserted, %lld removed (%lld not found)\n",
        static_cast<long long>(v->version), static_cast<long long>(v->upserts),
        static_cast<long long>(v->removed), static_cast<long long>(v->removals - v->removed));
  } else {
    std::fprintf(ctx.out, "imported list as version %lld: %lld entries\n",
                 static_cast<long long>(v->version), static_cast<long long>(v->upserts));
  }
  std::fprintf(ctx.out,
               "  now %lld persons, %lld documents, %lld vehicles, %lld containers\n"
               "  %.2f s, %.0f entries/s, sha256 %s\n",
               static_cast<long long>(v->counts.persons),
               static_cast<long long>(v->counts.documents),
               static_cast<long long>(v->counts.vehicles),
               static_cast<long long>(v->counts.containers), seconds, rate, v->sha256.c_str());
  return 0;
}

int Status(store::WatchlistStore& wl, const WatchlistContext& ctx) {
  auto cur = wl.Current();
  if (!cur) return Fail(ctx, cur.error());
  if (ctx.json) {
    json j = *cur ? VersionJson(**cur) : json{{"version", 0},          {"kind", nullptr},
                                              {"importedAt", nullptr}, {"importedAtMs", nullptr},
                                              {"source", nullptr},     {"sha256", nullptr},
                                              {"counts", Counts({})},  {"total", 0}};
    std::fprintf(ctx.out, "%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }
  if (!*cur) {
    std::fprintf(ctx.out, "no watchlist imported\n");
    return 0;
  }
  const auto& v = **cur;
  std::fprintf(ctx.out,
               "watchlist version %lld (%s), imported %s from %s\n"
               "  %lld persons, %lld documents, %lld vehicles, %lld containers (%lld entries)\n"
               "  sha256 %s\n",
               static_cast<long long>(v.version), v.kind.c_str(), IsoMs(v.imported_at_ms).c_str(),
               v.source.c_str(), static_cast<long long>(v.counts.persons),
               static_cast<long long>(v.counts.documents),
               static_cast<long long>(v.counts.vehicles),
               static_cast<long long>(v.counts.containers),
               static_cast<long long>(v.counts.total()), v.sha256.c_str());
  return 0;
}

}  // namespace

Expected<ListFile> OpenListFile(const std::string& path) {
  ListFile f;
  if (path == "-") {
    f.file = std::shared_ptr<std::FILE>(stdin, [](std::FILE*) {});
  } else {
    std::FILE* raw = std::fopen(path.c_str(), "rb");
    if (!raw) return ErrnoError("cannot open " + path, errno);
    f.file = std::shared_ptr<std::FILE>(raw, [](std::FILE* p) { std::fclose(p); });
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) {
      f.size = std::filesystem::file_size(path, ec);
      if (ec) f.size = 0;
    }
  }
  f.read = [file = f.file, path](std::span<char> buffer) -> Expected<std::size_t> {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n == 0 && std::ferror(file.get())) return ErrnoError("cannot read " + path, errno);
    return n;
  };
  return f;
}

int WatchlistCommand(const std::vector<std::string>& args, const WatchlistContext& ctx) {
  if (args.empty()) return Usage(ctx, "watchlist: import FILE [--delta] | status");
  const std::string& sub = args[0];
  std::optional<std::string> file;
  bool delta = false;
  if (sub == "import") {
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--delta") {
        delta = true;
      } else if (args[i].starts_with("--") || file) {
        return Usage(ctx, "watchlist import: wrong arguments (FILE [--delta])");
      } else {
        file = args[i];
      }
    }
    if (!file) return Usage(ctx, "watchlist import: FILE missing");
  } else if (sub != "status" || args.size() != 1) {
    return Usage(ctx, "watchlist: import FILE [--delta] | status");
  }
  auto st = store::Store::Open({.path = ctx.database,
                                .device_id = ctx.device_id,
                                .busy_timeout_ms = 5000,
                                .read_only = false});
  if (!st) return Fail(ctx, st.error());
  auto wl = st->watchlist();
  return file ? Import(wl, *file, delta, ctx) : Status(wl, ctx);
}

}  // namespace checkpoint::tools
