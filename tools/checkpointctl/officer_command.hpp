#pragma once
// `checkpointctl officer ...` (alias `user`): the officer console's accounts
// (docs/console.md). Passwords are read from the terminal (twice, not echoed) or,
// without one, from the first line of standard input; never from the command line.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace checkpoint::tools {

struct OfficerContext {
  std::filesystem::path database;
  std::string device_id = "local";
  bool json = false;
  std::FILE* in = stdin;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

// args: what follows "officer":
//   add ID --name NAME --agency AGENCY [--role ROLE] [--language LANG]
//   passwd ID | disable ID | enable ID | list
// Exit 0 done, 1 refused or failed, 2 usage.
int OfficerCommand(const std::vector<std::string>& args, const OfficerContext& ctx);

}  // namespace checkpoint::tools
