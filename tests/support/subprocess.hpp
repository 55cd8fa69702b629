#pragma once
// Runs a child process with a pipe on its stdout (and optionally stderr), for tests
// that need real processes: crash tests, daemons, CLIs.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace checkpoint::testing {

class Subprocess {
 public:
  // argv[0] is the program path. `env` entries are added to (or override) ours.
  // With merge_stderr, ReadLine reads the child's stderr too (a daemon's log).
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env = {},
             bool merge_stderr = false);
  // The child's stderr (a daemon's log) appended to `stderr_file`.
  Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env,
             const std::filesystem::path& stderr_file);
  ~Subprocess();  // SIGKILLs and reaps a child still running
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Next line of stdout without the newline; nullopt at EOF or after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Everything left on stdout until EOF (or timeout).
  std::string ReadAll(std::chrono::milliseconds timeout);
  void Kill(int signo);
  // Waits for exit; returns the exit code, or 128+signal when killed by a signal,
  // or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  bool Fill(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
};

// Runs to completion and returns (exit code, stdout+stderr). Standard input is
// `stdin_file` when given, /dev/null otherwise.
std::pair<int, std::string> RunCommand(std::vector<std::string> argv,
                                       std::map<std::string, std::string> env = {},
                                       std::chrono::milliseconds timeout = std::chrono::seconds(60),
                                       const std::string& stdin_file = "");

// The line of a command's output that is a whole token as checkpoint-hq prints one
// (48 hex digits), or "".
std::string TokenIn(const std::string& out);

}  // namespace checkpoint::testing
