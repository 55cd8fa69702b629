#include "checkpoint/update/slots.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/update/errors.hpp"
#include "crash_point.hpp"
#include "file_io.hpp"
#include "program.hpp"

namespace checkpoint::update {

namespace fs = std::filesystem;

std::string_view SlotName(Slot s) noexcept {
  return s == Slot::kA ? "a" : "b";
}

std::optional<Slot> ParseSlot(std::string_view name) noexcept {
  if (name == "a") return Slot::kA;
  if (name == "b") return Slot::kB;
  return std::nullopt;
}

std::string BootEnvText(const BootEnv& env) {
  return "boot_slot=" + std::string(SlotName(env.boot_slot)) +
         "\nupgrade_available=" + (env.upgrade_available ? "1" : "0") +
         "\nbootcount=" + std::to_string(env.bootcount) +
         "\nbootlimit=" + std::to_string(env.bootlimit) + "\n";
}

Expected<BootEnv> ParseBootEnv(std::string_view text) {
  auto bad = [](std::string what) {
    return MakeError(UpdateErrc::kSlot, "boot environment: " + std::move(what));
  };
  if (text.size() > 4096) return bad("too large");
  BootEnv env;
  unsigned seen = 0;
  auto small = [](std::string_view v, int& out) {
    if (v.empty() || v.size() > 3) return false;
    out = 0;
    for (char c : v) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return bad("the last line has no newline");
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return bad("a line is not name=value");
    const std::string_view name = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    unsigned bit = 0;
    bool ok = false;
    if (name == "boot_slot") {
      bit = 1;
      auto s = ParseSlot(value);
      ok = s.has_value();
      if (ok) env.boot_slot = *s;
    } else if (name == "upgrade_available") {
      bit = 2;
      ok = value == "0" || value == "1";
      env.upgrade_available = value == "1";
    } else if (name == "bootcount") {
      bit = 4;
      ok = small(value, env.bootcount);
    } else if (name == "bootlimit") {
      bit = 8;
      ok = small(value, env.bootlimit) && env.bootlimit >= 1;
    } else {
      return bad("unknown variable " + std::string(name.substr(0, 32)));
    }
    if (!ok) return bad("bad value for " + std::string(name));
    if (seen & bit) return bad(std::string(name) + " set twice");
    seen |= bit;
  }
  if (seen != 15) return bad("boot_slot, upgrade_available, bootcount and bootlimit are required");
  return env;
}

bool CountBoot(BootEnv& env) {
  if (!env.upgrade_available) return false;
  ++env.bootcount;
  if (env.bootcount > env.bootlimit) {  // altbootcmd: back to the other slot
    env.boot_slot = Other(env.boot_slot);
    env.upgrade_available = false;
    env.bootcount = 0;
  }
  return true;
}

Status Slots::ArmTrial(Slot s) {
  auto env = ReadEnv();
  if (!env) return std::move(env).error();
  env->boot_slot = s;
  env->upgrade_available = true;
  env->bootcount = 0;
  return WriteEnv(*env);
}

Status Slots::Commit(Slot s) {
  auto env = ReadEnv();
  if (!env) return std::move(env).error();
  env->boot_slot = s;
  env->upgrade_available = false;
  env->bootcount = 0;
  return WriteEnv(*env);
}

Status Slots::MarkBad(Slot bad) {
  return Commit(Other(bad));
}

// ---------------------------------------------------------------- DirectorySlots

namespace {

using common::FsyncDirectory;

// Points `link` at `target` atomically: a new symlink renamed over the old one.
Status SwapSymlink(const fs::path& link, const std::string& target) {
  const fs::path tmp = link.parent_path() / ("." + link.filename().string() + ".new");
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) {
    return ErrnoError("cannot create symlink " + tmp.string(), errno);
  }
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    return ErrnoError("cannot rename onto " + link.string(), errno);
  }
  return FsyncDirectory(link.parent_path());
}

Error SlotError(const std::string& what, const std::error_code& ec) {
  return MakeError(UpdateErrc::kSlot, what + ": " + ec.message());
}

// Copies file `f` of the image open as `in` into a new file `out`, checking its
// SHA-256 as it goes; the file is fsync'd.
Status CopyChecked(int in, const PayloadFile& f, const fs::path& out, bool crash_halfway) {
  const detail::Fd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoError("cannot create " + out.string(), errno);
  std::uint64_t done = 0;
  auto write = [&](std::string_view chunk) -> Status {
    for (std::size_t w = 0; w < chunk.size();) {
      const ssize_t k = ::write(fd.get(), chunk.data() + w, chunk.size() - w);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0) return ErrnoError("cannot write " + out.string(), errno);
      w += static_cast<std::size_t>(k);
    }
    done += chunk.size();
    if (crash_halfway && done >= f.size / 2) detail::CrashPoint("slot-write");
    return {};
  };
  if (auto s = detail::StreamChecked(in, f, write); !s) return s;
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync " + out.string(), errno);
  return {};
}

// The slot.json in `dir`; version 0 when there is none.
Expected<SlotInfo> ReadSlotInfo(const fs::path& dir) {
  const fs::path p = dir / "slot.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return SlotInfo{};
  auto text = common::ReadFile(p, 4096);
  if (!text) return std::move(text).error();
  const auto j = nlohmann::json::parse(*text, nullptr, false);
  SlotInfo info;
  if (!j.is_object() || !j.contains("version") || !j["version"].is_number_integer() ||
      !j.contains("hardware") || !j["hardware"].is_string() || !j.contains("manifest_sha256") ||
      !j["manifest_sha256"].is_string() || j["version"].get<std::int64_t>() < 1) {
    return MakeError(UpdateErrc::kSlot, p.string() + " is malformed");
  }
  info.version = j["version"].get<std::int64_t>();
  info.hardware = j["hardware"].get<std::string>();
  info.manifest_sha256 = j["manifest_sha256"].get<std::string>();
  return info;
}

// Writes slot `s` as the directory `parent/name` (built beside it as
// `parent/.name.new`, then swapped in); `booted` is refused.
Status WriteSlotDirectory(Slot booted, Slot s, const fs::path& parent, const std::string& name,
                          const fs::path& image, const ImageHeader& h) {
  if (booted == s) {
    return MakeError(UpdateErrc::kSlot,
                     "refusing to write slot " + std::string(SlotName(s)) + ": it is running");
  }
  const fs::path dest = parent / name;
  const fs::path tmp = parent / ("." + name + ".new");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!ec) fs::create_directory(tmp, ec);
  if (ec) return SlotError("cannot prepare " + tmp.string(), ec);
  const detail::Fd in(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return ErrnoError("cannot open " + image.string(), errno);
  bool first = true;
  for (const auto& f : h.manifest.files) {
    if (auto st = CopyChecked(in.get(), f, tmp / f.name, first); !st) {
      return std::move(st).error().WithContext("while writing slot " + std::string(SlotName(s)));
    }
    first = false;
  }
  const nlohmann::json info{
      {"version", h.manifest.version},
      {"hardware", h.manifest.hardware},
      {"manifest_sha256", common::ToHex(common::Sha256::Of(h.manifest_text))}};
  if (auto st = common::WriteFileAtomic(tmp / "slot.json", info.dump() + "\n", 0644); !st) {
    return st;
  }
  // The new content and the old swap names in one step, then the old goes: a crash
  // leaves the slot whole, old or new. (A missing slot is simply renamed into place.)
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != ENOENT) return ErrnoError("cannot swap " + tmp.string(), errno);
    if (::rename(tmp.c_str(), dest.c_str()) != 0) {
      return ErrnoError("cannot rename " + tmp.string(), errno);
    }
  }
  if (auto st = FsyncDirectory(parent); !st) return st;
  fs::remove_all(tmp, ec);
  return {};
}

}  // namespace

Expected<std::unique_ptr<DirectorySlots>> DirectorySlots::Open(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root / "a", ec);
  if (!ec) fs::create_directories(root / "b", ec);
  if (ec) return SlotError("cannot create slots under " + root.string(), ec);
  std::unique_ptr<DirectorySlots> slots(new DirectorySlots(root));
  if (!fs::is_symlink(root / "current", ec)) {
    if (auto s = SwapSymlink(root / "current", "a"); !s) return std::move(s).error();
  }
  if (!fs::exists(root / "bootenv", ec)) {
    if (auto s = slots->WriteEnv(BootEnv{}); !s) return std::move(s).error();
  }
  return slots;
}

Expected<Slot> DirectorySlots::Booted() {
  std::error_code ec;
  const fs::path target = fs::read_symlink(root_ / "current", ec);
  if (ec) return SlotError("cannot read " + (root_ / "current").string(), ec);
  auto s = ParseSlot(target.string());
  if (!s) return MakeError(UpdateErrc::kSlot, "current points at neither a nor b");
  return *s;
}

Expected<BootEnv> DirectorySlots::ReadEnv() {
  auto text = common::ReadFile(root_ / "bootenv", 4096);
  if (!text) return std::move(text).error();
  return ParseBootEnv(*text);
}

Status DirectorySlots::WriteEnv(const BootEnv& env) {
  return common::WriteFileAtomic(root_ / "bootenv", BootEnvText(env), 0644);
}

Expected<SlotInfo> DirectorySlots::Info(Slot s) {
  return ReadSlotInfo(root_ / SlotName(s));
}

Status DirectorySlots::Write(Slot s, const fs::path& image, const ImageHeader& h) {
  auto booted = Booted();
  if (!booted) return std::move(booted).error();
  return WriteSlotDirectory(*booted, s, root_, std::string(SlotName(s)), image, h);
}

Status DirectorySlots::SimulateBoot() {
  auto env = ReadEnv();
  if (!env) return std::move(env).error();
  if (CountBoot(*env)) {
    if (auto s = WriteEnv(*env); !s) return s;
  }
  return SwapSymlink(root_ / "current", std::string(SlotName(env->boot_slot)));
}

}  // namespace checkpoint::update

// ---------------------------------------------------------------- PartitionSlots

namespace checkpoint::update {

Expected<Slot> PartitionSlots::Booted() {
  auto cmdline = common::ReadFile(cmdline_, 4096);
  if (!cmdline) return std::move(cmdline).error();
  constexpr std::string_view kKey = "checkpoint.slot=";
  std::optional<Slot> found;
  std::string_view rest = *cmdline;
  while (!rest.empty()) {
    const auto end = rest.find_first_of(" \t\n");
    const std::string_view word = rest.substr(0, end);
    if (word.starts_with(kKey)) {
      auto s = ParseSlot(word.substr(kKey.size()));
      if (!s || (found && *found != *s)) {
        return MakeError(UpdateErrc::kSlot, "the kernel command line names no single slot");
      }
      found = s;
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (!found) {
    return MakeError(UpdateErrc::kSlot,
                     "no checkpoint.slot= on the kernel command line (" + cmdline_.string() + ")");
  }
  return *found;
}

Expected<SlotInfo> PartitionSlots::Info(Slot s) {
  return ReadSlotInfo(Mount(s) / "firmware");
}

Status PartitionSlots::Write(Slot s, const fs::path& image, const ImageHeader& h) {
  auto booted = Booted();
  if (!booted) return std::move(booted).error();
  return WriteSlotDirectory(*booted, s, Mount(s), "firmware", image, h);
}

// ---------------------------------------------------------------- UBootEnvSlots

Expected<BootEnv> UBootEnvSlots::ReadEnv() {
  auto out = detail::RunProgram(
      {o_.fw_printenv, "boot_slot", "upgrade_available", "bootcount", "bootlimit"});
  if (!out) return std::move(out).error().WithContext("cannot read the U-Boot environment");
  return ParseBootEnv(*out);
}

Status UBootEnvSlots::WriteEnv(const BootEnv& env) {
  // fw_setenv's script: "name value" a line, all written in one environment update.
  std::string script = BootEnvText(env);
  for (char& c : script) {
    if (c == '=') c = ' ';
  }
  char path[] = "/tmp/checkpoint-fw_setenv-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return ErrnoError("cannot create the fw_setenv script", errno);
  const detail::Fd closer(fd);
  const bool written =
      ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  auto out = written
                 ? detail::RunProgram({o_.fw_setenv, "-s", path})
                 : Expected<std::string>(ErrnoError("cannot write the fw_setenv script", errno));
  ::unlink(path);
  if (!out) return std::move(out).error().WithContext("cannot write the U-Boot environment");
  return {};
}

}  // namespace checkpoint::update
