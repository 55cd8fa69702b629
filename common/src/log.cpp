#include "checkpoint/common/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "checkpoint/common/clock.hpp"

namespace checkpoint::log {

std::string_view LevelName(Level level) noexcept {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kNotice:
      return "notice";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
    case Level::kCritical:
      return "critical";
  }
  return "unknown";
}

std::optional<Level> ParseLevel(std::string_view name) noexcept {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kNotice, Level::kWarning, Level::kError,
                  Level::kCritical}) {
    if (LevelName(l) == name) return l;
  }
  return std::nullopt;
}

int SyslogPriority(Level level) noexcept {
  switch (level) {
    case Level::kDebug:
      return 7;
    case Level::kInfo:
      return 6;
    case Level::kNotice:
      return 5;
    case Level::kWarning:
      return 4;
    case Level::kError:
      return 3;
    case Level::kCritical:
      return 2;
  }
  return 6;
}

Field::Field(std::string_view k, double v) : key(k) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  value.assign(buf, r.ptr);
}

namespace {

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void AppendValue(std::string& out, std::string_view v) {
  if (!NeedsQuoting(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Keys come from code, but keep them to a safe alphabet all the same.
void AppendKey(std::string& out, std::string_view k) {
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    out += ok ? c : '_';
  }
}

bool StderrIsJournal(int fd) {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

std::string FormatLine(Level level, std::string_view component, std::string_view msg,
                       const std::vector<Field>& fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  out += "level=";
  out += LevelName(level);
  if (!component.empty()) {
    out += " component=";
    AppendValue(out, component);
  }
  out += " msg=";
  AppendValue(out, msg);
  for (const auto& f : fields) {
    out += ' ';
    AppendKey(out, f.key);
    out += '=';
    AppendValue(out, f.value);
  }
  return out;
}

FdSink::FdSink(int fd) : fd_(fd), journald_(StderrIsJournal(fd)) {}

void FdSink::Write(Level level, std::string_view line) {
  std::string out;
  out.reserve(line.size() + 40);
  if (journald_) {
    out += '<';
    out += static_cast<char>('0' + SyslogPriority(level));
    out += '>';
  } else {
    out += "ts=";
    out += common::FormatUtcMs(common::SystemClock().WallMs());
    out += ' ';
  }
  out += line;
  out += '\n';
  // One write per line; retry on EINTR and short writes. Logging never fails the caller.
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void MemorySink::Write(Level, std::string_view line) {
  std::lock_guard lock(mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> MemorySink::Lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

Logger::Logger(std::shared_ptr<Sink> sink, std::string component, Level min_level)
    : sink_(std::move(sink)), component_(std::move(component)), min_(min_level) {}

Logger Logger::Null() {
  return Logger(nullptr, "", Level::kCritical);
}

Logger Logger::Child(std::string_view component) const {
  std::string c =
      component_.empty() ? std::string(component) : component_ + "." + std::string(component);
  return Logger(sink_, std::move(c), min_);
}

void Logger::Log(Level level, std::string_view msg, std::vector<Field> fields) const {
  if (!Enabled(level)) return;
  sink_->Write(level, FormatLine(level, component_, msg, fields));
}

}  // namespace checkpoint::log
