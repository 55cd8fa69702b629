#pragma once
// The console's own TLS identity when none is provisioned: a P-256 key and a
// self-signed certificate made once in data_dir/console and kept (private 0600).

#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/common/error.hpp"

namespace checkpoint::console {

struct Identity {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::string fingerprint;  // SHA-256 of the certificate (DER), hex
  bool created = false;
};

// `cn`: the device id; `addresses`: the listen addresses ("ADDRESS:PORT"), whose IP
// addresses join localhost in the certificate's subject alternative names.
Expected<Identity> EnsureSelfSigned(const std::filesystem::path& dir, const std::string& cn,
                                    const std::vector<std::string>& addresses);
// The SHA-256 fingerprint of a PEM certificate file.
Expected<std::string> Fingerprint(const std::filesystem::path& certificate);

}  // namespace checkpoint::console
