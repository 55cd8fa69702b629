#include "officer_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/console/accounts.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::tools {

namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> ReadLine(std::FILE* in) {
  std::string line;
  int c = 0;
  while ((c = std::fgetc(in)) != EOF && c != '\n') {
    if (line.size() > console::kMaxPasswordBytes) return std::nullopt;
    line.push_back(static_cast<char>(c));
  }
  if (c == EOF && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// From the terminal without echo, asked twice; else the first line of `in`.
std::optional<std::string> ReadPassword(const OfficerContext& ctx) {
  const int fd = ::fileno(ctx.in);
  if (!::isatty(fd)) return ReadLine(ctx.in);
  termios old{};
  if (::tcgetattr(fd, &old) != 0) return std::nullopt;
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(fd, TCSAFLUSH, &quiet);
  std::fputs("password: ", ctx.err);
  auto first = ReadLine(ctx.in);
  std::fputs("\nagain: ", ctx.err);
  auto second = ReadLine(ctx.in);
  std::fputs("\n", ctx.err);
  ::tcsetattr(fd, TCSAFLUSH, &old);
  if (!first || !second || *first != *second) {
    std::fputs("checkpointctl: the passwords differ\n", ctx.err);
    return std::nullopt;
  }
  return first;
}

int Fail(const OfficerContext& ctx, const std::string& what) {
  std::fprintf(ctx.err, "checkpointctl: %s\n", what.c_str());
  return 1;
}

int Usage(const OfficerContext& ctx) {
  std::fputs(
      "usage: checkpointctl officer add ID --name NAME --agency border_guard|customs|police\n"
      "                             [--role officer|supervisor|technician] [--language en|uk|ru]\n"
      "       checkpointctl officer passwd ID | disable ID | enable ID | list\n"
      "the password is read from the terminal, or from the first line of stdin\n",
      ctx.err);
  return 2;
}

std::optional<std::string> HashFromInput(const OfficerContext& ctx) {
  auto password = ReadPassword(ctx);
  if (!password) {
    Fail(ctx, "no password given");
    return std::nullopt;
  }
  auto hash = console::HashPassword(*password);
  if (!hash) {
    Fail(ctx, hash.error().message());
    return std::nullopt;
  }
  return *hash;
}

}  // namespace

int OfficerCommand(const std::vector<std::string>& args, const OfficerContext& ctx) {
  if (args.empty()) return Usage(ctx);
  const std::string& verb = args[0];
  auto st = store::Store::Open({.path = ctx.database, .device_id = ctx.device_id});
  if (!st) return Fail(ctx, "cannot open the store: " + st.error().message());
  console::OfficerRepository repo(st->db());
  const auto audit = [&](const std::string& action, const std::string& id) -> Status {
    auto a = st->audit().Append(
        store::AuditEvent{NowMs(), "technician:checkpointctl", action, id, "{}"});
    if (!a) return std::move(a).error();
    return {};
  };

  if (verb == "list" && args.size() == 1) {
    auto all = repo.List();
    if (!all) return Fail(ctx, all.error().message());
    const std::int64_t now = NowMs();
    for (const auto& o : *all) {
      nlohmann::json j{{"id", o.id},
                       {"name", o.name},
                       {"agency", o.agency},
                       {"role", o.role},
                       {"language", o.language},
                       {"disabled", o.disabled},
                       {"locked", o.locked_until_ms > now}};
      if (ctx.json) {
        std::fprintf(ctx.out, "%s\n", j.dump().c_str());
      } else {
        std::fprintf(ctx.out, "%-20s %-13s %-11s %-3s %s%s%s\n", o.id.c_str(), o.agency.c_str(),
                     o.role.c_str(), o.language.c_str(), o.name.c_str(),
                     o.disabled ? " [disabled]" : "", o.locked_until_ms > now ? " [locked]" : "");
      }
    }
    return 0;
  }
  if (args.size() < 2) return Usage(ctx);
  const std::string& id = args[1];
  if (verb == "add") {
    console::Officer o;
    o.id = id;
    for (std::size_t i = 2; i < args.size(); ++i) {
      if (i + 1 >= args.size()) return Usage(ctx);
      const std::string& k = args[i];
      const std::string& v = args[++i];
      if (k == "--name") {
        o.name = v;
      } else if (k == "--agency") {
        o.agency = v;
      } else if (k == "--role") {
        o.role = v;
      } else if (k == "--language") {
        o.language = v;
      } else {
        return Usage(ctx);
      }
    }
    if (!console::IsOfficerId(o.id) || o.name.empty() || o.agency.empty()) return Usage(ctx);
    auto hash = HashFromInput(ctx);
    if (!hash) return 1;
    o.password_hash = *hash;
    auto done = store::InTransaction(st->db(), [&]() -> Status {
      if (auto s = repo.Add(o, NowMs()); !s) return std::move(s).error();
      return audit("officer.added", o.id);
    });
    if (!done) return Fail(ctx, "officer " + o.id + " not added: " + done.error().message());
    std::fprintf(ctx.out, "officer %s added (%s, %s)\n", o.id.c_str(), o.agency.c_str(),
                 o.role.c_str());
    return 0;
  }
  if (args.size() != 2) return Usage(ctx);
  if (verb == "passwd") {
    auto hash = HashFromInput(ctx);
    if (!hash) return 1;
    auto done = store::InTransaction(st->db(), [&]() -> Status {
      if (auto s = repo.SetPassword(id, *hash, NowMs()); !s) return std::move(s).error();
      return audit("officer.password_set", id);
    });
    if (!done) return Fail(ctx, "password not set: " + done.error().message());
    std::fprintf(ctx.out, "officer %s: password set\n", id.c_str());
    return 0;
  }
  if (verb == "disable" || verb == "enable") {
    const bool disable = verb == "disable";
    auto done = store::InTransaction(st->db(), [&]() -> Status {
      if (auto s = repo.SetDisabled(id, disable, NowMs()); !s) return std::move(s).error();
      return audit(disable ? "officer.disabled" : "officer.enabled", id);
    });
    if (!done) return Fail(ctx, verb + " failed: " + done.error().message());
    std::fprintf(ctx.out, "officer %s %s\n", id.c_str(), disable ? "disabled" : "enabled");
    return 0;
  }
  return Usage(ctx);
}

}  // namespace checkpoint::tools
