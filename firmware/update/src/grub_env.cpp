// GrubEnvSlots: the boot environment in GRUB's grubenv file, through grub-editenv.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "checkpoint/common/fd.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/update/errors.hpp"
#include "checkpoint/update/slots.hpp"
#include "program.hpp"

namespace checkpoint::update {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSignature = "# GRUB Environment Block\n";
constexpr std::array<std::string_view, 4> kOurs = {"boot_slot", "upgrade_available", "bootcount",
                                                   "bootlimit"};

Error Refused(const fs::path& file, std::string what) {
  return MakeError(UpdateErrc::kSlot, file.string() + ": " + std::move(what));
}

// GRUB's own names: letters, digits and '_' (grub-editenv takes more, GRUB's
// scripts cannot use them).
bool PlainName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Expected<std::vector<std::pair<std::string, std::string>>> ParseGrubEnvBlock(
    std::string_view block) {
  auto bad = [](std::string what) {
    return MakeError(UpdateErrc::kSlot, "not a GRUB environment block: " + std::move(what));
  };
  if (block.size() != kGrubEnvBlockSize) {
    return bad(std::to_string(block.size()) + " bytes, not " + std::to_string(kGrubEnvBlockSize));
  }
  if (!block.starts_with(kSignature)) return bad("no \"# GRUB Environment Block\" signature");
  if (block.find('\0') != std::string_view::npos) return bad("a NUL byte");
  std::vector<std::pair<std::string, std::string>> vars;
  std::string_view rest = block.substr(kSignature.size());
  while (!rest.empty()) {
    if (rest.front() == '#') {
      const auto nl = rest.find('\n');
      if (nl == std::string_view::npos) {
        // The padding: '#' to the end of the block.
        if (rest.find_first_not_of('#') != std::string_view::npos) {
          return bad("the padding is not '#'");
        }
        break;
      }
      rest.remove_prefix(nl + 1);  // a comment line
      continue;
    }
    const auto eq = rest.find('=');
    const auto nl0 = rest.find('\n');
    if (eq == std::string_view::npos || (nl0 != std::string_view::npos && nl0 < eq)) {
      return bad("a line is not name=value");
    }
    const std::string name(rest.substr(0, eq));
    if (!PlainName(name)) return bad("a variable name is not [A-Za-z0-9_]");
    rest.remove_prefix(eq + 1);
    std::string value;
    bool ended = false;
    while (!rest.empty()) {
      const char c = rest.front();
      rest.remove_prefix(1);
      if (c == '\\') {  // escapes '\' and newline
        if (rest.empty()) break;
        value.push_back(rest.front());
        rest.remove_prefix(1);
      } else if (c == '\n') {
        ended = true;
        break;
      } else {
        value.push_back(c);
      }
    }
    if (!ended) return bad("the last variable has no newline");
    for (const auto& [n, v] : vars) {
      if (n == name) return bad(name + " set twice");
    }
    vars.emplace_back(name, std::move(value));
  }
  return vars;
}

Expected<BootEnv> GrubEnvSlots::Read(const fs::path& file) {
  // grub-editenv creates a missing file and reads a truncated one: the file is
  // checked first, and never created here.
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return Refused(file,
                   "no GRUB environment file (provision it: grub-editenv FILE create, "
                   "then set the four variables; docs/update.md)");
  }
  auto raw = common::ReadFile(file, 2 * kGrubEnvBlockSize);
  if (!raw) return std::move(raw).error();
  auto vars = ParseGrubEnvBlock(*raw);
  if (!vars) return std::move(vars).error().WithContext(file.string());
  auto listed = detail::RunProgram({o_.grub_editenv, file.string(), "list"});
  if (!listed) {
    return std::move(listed).error().WithContext(
        "cannot read the GRUB environment with grub-editenv (Debian package grub-common)");
  }
  // What grub-editenv lists must be what the block says: a tool that reads the file
  // otherwise is not trusted with it.
  std::string expected;
  for (const auto& [n, v] : *vars) expected += n + "=" + v + "\n";
  if (*listed != expected) {
    return Refused(file, "grub-editenv lists other variables than the file holds");
  }
  std::string ours;
  for (std::string_view name : kOurs) {
    for (const auto& [n, v] : *vars) {
      if (n == name) ours += n + "=" + v + "\n";
    }
  }
  auto env = ParseBootEnv(ours);
  if (!env) return std::move(env).error().WithContext(file.string());
  return env;
}

Expected<BootEnv> GrubEnvSlots::ReadEnv() {
  return Read(o_.grubenv);
}

Status GrubEnvSlots::WriteEnv(const BootEnv& env) {
  const fs::path& file = o_.grubenv;
  // The file must be sound before it is changed: garbage is not overwritten.
  if (auto current = Read(file); !current) return std::move(current).error();
  auto raw = common::ReadFile(file, 2 * kGrubEnvBlockSize);
  if (!raw) return std::move(raw).error();
  const fs::path copy = file.parent_path() / ("." + file.filename().string() + ".new");
  if (auto s = common::WriteFileAtomic(copy, *raw, 0644); !s) return s;
  std::vector<std::string> argv = {o_.grub_editenv, copy.string(), "set"};
  const std::string text = BootEnvText(env);  // "name=value\n" each
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    argv.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  std::error_code ec;
  auto set = detail::RunProgram(argv);
  if (!set) {
    fs::remove(copy, ec);
    return std::move(set).error().WithContext(
        "cannot write the GRUB environment with grub-editenv (Debian package grub-common)");
  }
  auto written = Read(copy);
  if (!written || BootEnvText(*written) != text) {
    fs::remove(copy, ec);
    return written ? Refused(copy, "grub-editenv did not set the variables")
                   : std::move(written).error();
  }
  {
    const common::UniqueFd fd(::open(copy.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
      return ErrnoError("cannot fsync " + copy.string(), errno);
    }
  }
  if (::rename(copy.c_str(), file.c_str()) != 0) {
    return ErrnoError("cannot rename onto " + file.string(), errno);
  }
  return common::FsyncDirectory(file.parent_path());
}

}  // namespace checkpoint::update
