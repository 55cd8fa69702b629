#include "support/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

extern char** environ;

namespace checkpoint::testing {

namespace {
// True when `path` is an ELF program built for the machine this test runs as (one of
// ours, cross-built like the test itself), not a script and not one of the host's own
// tools (tar, sh): only ours need the emulator; the host runs its own natively.
bool IsTargetElf(const std::string& path) {
#if defined(__aarch64__)
  constexpr std::uint16_t kMachine = 183;  // EM_AARCH64
#elif defined(__arm__)
  constexpr std::uint16_t kMachine = 40;  // EM_ARM
#elif defined(__x86_64__)
  constexpr std::uint16_t kMachine = 62;  // EM_X86_64
#else
  constexpr std::uint16_t kMachine = 0;
#endif
  unsigned char head[20] = {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool read = ::read(fd, head, sizeof head) == static_cast<ssize_t>(sizeof head);
  ::close(fd);
  if (!read || std::memcmp(head,
                           "\x7f"
                           "ELF",
                           4) != 0)
    return false;
  // e_machine at offset 18, in the file's byte order (EI_DATA: 1 little, 2 big).
  const std::uint16_t machine = head[5] == 2 ? static_cast<std::uint16_t>(head[18] << 8 | head[19])
                                             : static_cast<std::uint16_t>(head[19] << 8 | head[18]);
  return machine == kMachine;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

pid_t Spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            int* out_fd, bool merge_stderr, const std::string& stdin_file = "",
            const std::string& stderr_file = "") {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, stdin_file.empty() ? "/dev/null" : stdin_file.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  if (!stderr_file.empty()) {
    posix_spawn_file_actions_addopen(&fa, 2, stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                     0600);
  }

  std::map<std::string, std::string> merged;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  // Cross builds run tests under qemu-user; without binfmt_misc the kernel cannot
  // exec a foreign binary, so children are started through the same emulator. Not
  // scripts (scripts/pg.sh): they run on the host as they are.
  std::vector<std::string> argv_copy;
  if (std::string_view(CHECKPOINT_TEST_EMULATOR).size() > 0 && IsTargetElf(argv[0])) {
    argv_copy.emplace_back(CHECKPOINT_TEST_EMULATOR);
  }
  argv_copy.insert(argv_copy.end(), argv.begin(), argv.end());
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("cannot spawn " + argv[0] + ": " + std::strerror(rc));
  }
  *out_fd = fds[0];
  return pid;
}
}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                       bool merge_stderr) {
  pid_ = Spawn(argv, env, &out_fd_, merge_stderr);
}

Subprocess::Subprocess(std::vector<std::string> argv, std::map<std::string, std::string> env,
                       const std::filesystem::path& stderr_file) {
  pid_ = Spawn(argv, env, &out_fd_, false, "", stderr_file.string());
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool Subprocess::Fill(std::chrono::milliseconds timeout) {
  if (eof_) return false;
  pollfd p{out_fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (rc <= 0) return false;
  char buf[4096];
  ssize_t n = ::read(out_fd_, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && errno == EINTR) return true;
    eof_ = true;
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<std::string> Subprocess::ReadLine(std::chrono::milliseconds timeout) {
  const auto deadline = NowMs() + timeout.count();
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = deadline - NowMs();
    if (left <= 0 || eof_) return std::nullopt;
    Fill(std::chrono::milliseconds(left));
  }
}

std::string Subprocess::ReadAll(std::chrono::milliseconds timeout) {
  const auto deadline = NowMs() + timeout.count();
  while (!eof_) {
    auto left = deadline - NowMs();
    if (left <= 0) break;
    Fill(std::chrono::milliseconds(left));
  }
  return std::exchange(buffer_, {});
}

void Subprocess::Kill(int signo) {
  if (pid_ > 0 && !status_) ::kill(pid_, signo);
}

std::optional<int> Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = NowMs() + timeout.count();
  // A pidfd becomes readable when the child exits: no polling loop on waitpid.
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) throw std::runtime_error("pidfd_open failed");
  for (;;) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      ::close(pidfd);
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return status_;
    }
    auto left = deadline - NowMs();
    if (left <= 0) {
      ::close(pidfd);
      return std::nullopt;
    }
    // Keep draining stdout meanwhile, so a chatty child never blocks on a full pipe.
    pollfd p[2] = {{pidfd, POLLIN, 0}, {eof_ ? -1 : out_fd_, POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left)) > 0 && (p[1].revents & (POLLIN | POLLHUP))) {
      Fill(std::chrono::milliseconds(0));
    }
  }
}

std::pair<int, std::string> RunCommand(std::vector<std::string> argv,
                                       std::map<std::string, std::string> env,
                                       std::chrono::milliseconds timeout,
                                       const std::string& stdin_file) {
  int fd = -1;
  pid_t pid = Spawn(argv, env, &fd, true, stdin_file);
  std::string out;
  const auto deadline = NowMs() + timeout.count();
  char buf[4096];
  for (;;) {
    auto left = deadline - NowMs();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (NowMs() >= deadline) ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return {code, out};
}

std::string TokenIn(const std::string& out) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (std::regex_match(line, std::regex("[0-9a-f]{48}"))) return line;
  }
  return {};
}

}  // namespace checkpoint::testing
