#include "program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "checkpoint/update/errors.hpp"

extern char** environ;

namespace checkpoint::update::detail {

Expected<std::string> RunProgram(const std::vector<std::string>& argv) {
  if (argv.empty()) return MakeError(UpdateErrc::kSlot, "no program to run");
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return ErrnoError("cannot create a pipe", errno);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return ErrnoError("cannot run " + argv[0], rc);
  }
  std::string output;
  bool too_much = false;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() + static_cast<std::size_t>(n) > (64u << 10)) {
      too_much = true;
      break;
    }
    output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoError("cannot wait for " + argv[0], errno);
  }
  if (too_much) return MakeError(UpdateErrc::kSlot, argv[0] + " wrote more than 64 KiB");
  // POSIX lets posix_spawn report a program that cannot be executed as a child that
  // exits 127 instead of an error (qemu-user does so, where glibc natively returns
  // ENOENT): the same failure, said the same way.
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty()) {
    return MakeError(UpdateErrc::kSlot,
                     "cannot run " + argv[0] + ": not found or not executable (exit 127)");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return MakeError(
        UpdateErrc::kSlot,
        argv[0] + (WIFEXITED(status) ? " exited with " + std::to_string(WEXITSTATUS(status))
                                     : std::string(" was killed by a signal")));
  }
  return output;
}

}  // namespace checkpoint::update::detail
