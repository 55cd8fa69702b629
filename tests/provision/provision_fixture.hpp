#pragma once
// A new box for `checkpointctl provision` (the real binary, run as a process) against
// the real HQ of the sync tests (HTTPS on 127.0.0.1, its own CA): a data directory, a
// configuration path, a site file whose devices are real peers (a pseudo-terminal for
// the document reader, a loopback listener for the radiation portal), a token file.
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../hal/drivers/harness.hpp"
#include "../sync/sync_fixture.hpp"
#include "support/subprocess.hpp"

namespace checkpoint::testing {

inline unsigned ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

inline void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// The JSON object a `--json` command printed (stderr lines around it are skipped).
inline nlohmann::json JsonOf(const std::string& out) {
  const auto begin = out.find("{\n");
  const auto end = out.rfind("\n}");
  if (begin == std::string::npos || end == std::string::npos) {
    FAIL("no JSON in: " << out);
  }
  return nlohmann::json::parse(out.substr(begin, end + 2 - begin));
}

struct Box {
  explicit Box(std::string id = "CP-P1") : device_id(std::move(id)) {}
  std::string device_id;
  TempDir dir;
  std::filesystem::path data = dir / "data";
  std::filesystem::path sync = dir / "data" / "sync";
  std::filesystem::path config = dir / "etc" / "checkpoint.toml";
  std::filesystem::path site = dir / "site.toml";
  std::filesystem::path token = dir / "token";
  PtyDevice reader{dir / "ttyMRZ"};
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor portal{
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};

  std::string SiteText(const std::filesystem::path& reader_path) const {
    return "[device]\nid = \"" + device_id +
           "\"\nsite = \"UA-TEST\"\nname = \"Test crossing\"\n\n"
           "[[booths]]\nid = \"B1\"\nkind = \"booth\"\nagencies = [\"border_guard\"]\n\n"
           "[[booths]]\nid = \"L1\"\nkind = \"lane\"\nagencies = [\"customs\"]\n\n"
           "[[devices]]\nid = \"mrz-b1\"\nclass = \"document_reader\"\ndriver = \"mrz_serial\"\n"
           "booth = \"B1\"\nserial = { path = \"" +
           reader_path.string() +
           "\", baud = 9600 }\n\n"
           "[[devices]]\nid = \"rpm-l1\"\nclass = \"radiation_portal\"\ndriver = \"n42_tcp\"\n"
           "booth = \"L1\"\ntcp = { host = \"127.0.0.1\", port = " +
           std::to_string(portal.local_endpoint().port()) + " }\n";
  }
  void WriteSite() { WriteText(site, SiteText(reader.path())); }
  void NewToken(TestHq& hq) {
    last_token = Must(hq.service->CreateToken(device_id, 600'000));
    WriteText(token, last_token + "\n");
  }

  std::vector<std::string> Args(TestHq& hq, const std::filesystem::path& ca = {}) const {
    return {CHECKPOINTCTL_PATH,
            "--config",
            config.string(),
            "--data-dir",
            data.string(),
            "--json",
            "provision",
            "--hq",
            hq.url(),
            "--hq-ca",
            (ca.empty() ? hq.ca_file() : ca).string(),
            "--site",
            site.string(),
            "--token-file",
            token.string()};
  }
  std::pair<int, std::string> Provision(TestHq& hq, std::map<std::string, std::string> env = {},
                                        std::vector<std::string> extra = {},
                                        const std::filesystem::path& ca = {}) {
    auto args = Args(hq, ca);
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCommand(args, std::move(env), std::chrono::seconds(120));
  }
  std::string last_token;
};

}  // namespace checkpoint::testing
