#pragma once
// Structured logging: one logfmt line per event,
//   level=info component=store msg="database opened" schema=3 path=/var/lib/checkpoint/store.db
// written with a single write(2) so that lines from several threads never interleave.
// Under journald (JOURNAL_STREAM names our stderr) each line starts with the
// kernel-style priority prefix "<6>" and carries no timestamp (journald adds one);
// elsewhere it starts with ts=<UTC ISO 8601 with milliseconds>.
//
// Never log secrets or personal data (names, document numbers, plates): log record
// identifiers instead. Loggers are cheap values; there is no global logger.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint::log {

enum class Level : std::uint8_t { kDebug, kInfo, kNotice, kWarning, kError, kCritical };

std::string_view LevelName(Level level) noexcept;
// Parses "debug", "info", "notice", "warning", "error", "critical".
std::optional<Level> ParseLevel(std::string_view name) noexcept;
// syslog(3) priority of a level (debug=7 ... critical=2).
int SyslogPriority(Level level) noexcept;

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <typename I>
  requires std::is_integral_v<I> Field(std::string_view k, I v)
      : key(k), value(std::to_string(v)) {}
  Field(std::string_view k, double v);

  std::string_view key;
  std::string value;
};

// Formats one logfmt line without prefix or newline. Values containing spaces,
// quotes, '=' or control characters are quoted and escaped, so a hostile value
// cannot forge a second line or another field.
std::string FormatLine(Level level, std::string_view component, std::string_view msg,
                       const std::vector<Field>& fields);

class Sink {
 public:
  virtual ~Sink() = default;
  // Thread-safe. `line` has no trailing newline.
  virtual void Write(Level level, std::string_view line) = 0;
};

// Writes to a file descriptor (stderr by default), journald-aware as described above.
class FdSink final : public Sink {
 public:
  explicit FdSink(int fd = 2);
  // True when JOURNAL_STREAM in the environment names this descriptor.
  bool journald() const noexcept { return journald_; }
  void Write(Level level, std::string_view line) override;

 private:
  int fd_;
  bool journald_;
};

// Keeps lines in memory; for tests and for `checkpointctl diag`.
class MemorySink final : public Sink {
 public:
  void Write(Level level, std::string_view line) override;
  std::vector<std::string> Lines() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class Logger {
 public:
  Logger(std::shared_ptr<Sink> sink, std::string component, Level min_level = Level::kInfo);
  // A logger that drops everything.
  static Logger Null();

  Logger Child(std::string_view component) const;
  Level min_level() const noexcept { return min_; }
  bool Enabled(Level level) const noexcept { return sink_ && level >= min_; }

  void Log(Level level, std::string_view msg, std::vector<Field> fields = {}) const;
  void Debug(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kDebug, msg, std::move(fields));
  }
  void Info(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kInfo, msg, std::move(fields));
  }
  void Notice(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kNotice, msg, std::move(fields));
  }
  void Warning(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kWarning, msg, std::move(fields));
  }
  void Error(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kError, msg, std::move(fields));
  }
  void Critical(std::string_view msg, std::vector<Field> fields = {}) const {
    Log(Level::kCritical, msg, std::move(fields));
  }

 private:
  std::shared_ptr<Sink> sink_;
  std::string component_;
  Level min_;
};

}  // namespace checkpoint::log
