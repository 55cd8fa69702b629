#pragma once
// Runs a program (no shell) and collects its standard output: for the bootloader
// environment tools (fw_printenv, fw_setenv).

#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::update::detail {

// argv[0] is looked up in PATH unless it contains a '/'. Standard input is
// /dev/null, standard error is inherited (the journal). An exit other than 0, or
// more than 64 KiB of output, is an error.
Expected<std::string> RunProgram(const std::vector<std::string>& argv);

}  // namespace checkpoint::update::detail
