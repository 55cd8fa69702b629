#pragma once
// The site file of `checkpointctl provision`: a checkpoint.toml without [paths] and
// [sync], which provision writes from its flags. Outside input (the technician's file).

#include <string>
#include <string_view>

#include "checkpoint/common/error.hpp"

namespace checkpoint::tools {

// What provision adds to the site file.
struct ProvisionedTables {
  std::string data_dir;
  std::string hq_url;
  std::string proxy;  // empty: none
  std::string group;  // [paths] group; empty: none
};

// Refuses a [paths] or [sync] table in the site file, naming its line
// ("site.toml:12: [sync] is written by checkpointctl provision (--hq, --proxy); ...").
Status CheckSiteTables(std::string_view text, const std::string& name);

// The configuration: the site file as given (its line numbers unchanged in errors),
// then [paths] and [sync]. Control characters in `tables` are refused.
Expected<std::string> ComposeConfig(std::string_view site_text, const ProvisionedTables& tables);

}  // namespace checkpoint::tools
