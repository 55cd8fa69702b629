// checkpoint-hq: the reference HQ receiver.
//   checkpoint-hq init  --data DIR [--name HOST]...   create the CA and server certificate
//   checkpoint-hq token --data DIR --device ID [--site SITE] [--ttl-hours H]   one-time token
//   checkpoint-hq api-token --data DIR --name NAME [--ttl-hours H]  token for the query API
//   checkpoint-hq api-revoke --data DIR --name NAME                 revoke NAME's API tokens
//   checkpoint-hq summary --data DIR [--site SITE] [--from MS] [--to MS]  summary as JSON
//   checkpoint-hq revoke --data DIR --device ID                  refuse the device's uploads
//   checkpoint-hq serve --data DIR [--listen ADDR:PORT] [--fault STATUS[:RETRY_AFTER],...]
//   checkpoint-hq publish --data DIR --kind K --file F [--version N] [--base N] ...
//   checkpoint-hq signing-key --data DIR [--rotate]   print (after rotating) the public keys
// Every command that uses the database takes --database SPEC (or the environment's
// CHECKPOINT_HQ_DATABASE): PostgreSQL as postgresql://... or key=value ...; the
// default is SQLite, DIR/hq.db.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/common/clock.hpp"
#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/common/systemd.hpp"
#include "checkpoint/hq/bundles.hpp"
#include "checkpoint/hq/ca.hpp"
#include "checkpoint/hq/database.hpp"
#include "checkpoint/hq/http.hpp"
#include "checkpoint/hq/query.hpp"
#include "checkpoint/hq/service.hpp"

namespace {
using namespace checkpoint;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

void Usage(std::FILE* out) {
  std::fprintf(out,
               "usage: checkpoint-hq init  --data DIR [--name HOST]...\n"
               "       checkpoint-hq token --data DIR --device ID [--site SITE] [--ttl-hours H]\n"
               "       checkpoint-hq api-token --data DIR --name NAME [--ttl-hours H]\n"
               "       checkpoint-hq api-revoke --data DIR --name NAME\n"
               "       checkpoint-hq summary --data DIR [--site SITE] [--from MS] [--to MS]\n"
               "       checkpoint-hq revoke --data DIR --device ID\n"
               "       checkpoint-hq serve --data DIR [--listen ADDR:PORT]\n"
               "                           [--fault STATUS[:RETRY_AFTER_S],...]\n"
               "       checkpoint-hq publish --data DIR --kind KIND --file FILE [--version N]\n"
               "                           [--base N] [--not-before-ms T] [--expires-ms T]\n"
               "       checkpoint-hq signing-key --data DIR [--rotate]\n"
               "  every command that uses the database also takes --database SPEC, or\n"
               "         CHECKPOINT_HQ_DATABASE from the environment: postgresql://USER@HOST/DB\n"
               "         or 'host=... dbname=...' for PostgreSQL (several instances may share\n"
               "         it), sqlite:PATH; default DIR/hq.db (SQLite)\n"
               "  init   creates the HQ CA and the server certificate for HOST names\n"
               "         (default 127.0.0.1 and localhost) in DIR (mode 0700)\n"
               "  token  prints a one-time enrollment token for device ID (default 24 h); the\n"
               "         device belongs to crossing point SITE\n"
               "  api-token  prints a token for the query and export API, named NAME\n"
               "         (default 90 days)\n"
               "  api-revoke  revokes every API token named NAME\n"
               "  summary  prints the summary per crossing point and agency (JSON)\n"
               "  revoke refuses the device's uploads until it enrolls again\n"
               "  serve  runs the HTTPS endpoints (default 127.0.0.1:8443); --fault answers\n"
               "         the first requests with the given statuses (fault tests)\n"
               "  publish signs FILE as the next version of KIND (watchlist, rules, csca,\n"
               "         crl, config, firmware; --base N: a watchlist delta on version N)\n"
               "         with HQ's content-signing key and offers it to every device\n"
               "  signing-key prints the content-signing public keys (PEM) to pin on the\n"
               "         devices; --rotate first adds a new key that signs from then on\n");
}

int Fail(const Error& e) {
  std::fprintf(stderr, "checkpoint-hq: %s\n", e.String().c_str());
  return kExitFailure;
}

bool ParseFaults(const std::string& text, std::vector<hq::Fault>& out) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    hq::Fault f;
    char* end = nullptr;
    f.status = static_cast<int>(std::strtol(item.c_str(), &end, 10));
    if (f.status < 400 || f.status > 599) return false;
    if (*end == ':') {
      f.retry_after_s = static_cast<int>(std::strtol(end + 1, &end, 10));
      if (f.retry_after_s < 0) return false;
    }
    if (*end != '\0') return false;
    out.push_back(f);
    pos = comma + 1;
  }
  return !out.empty();
}

// Opens the database `spec` names (see OpenSpec) and says which, without a password.
checkpoint::Expected<hq::HqDatabase> OpenDatabase(const std::string& spec,
                                                  const std::filesystem::path& data,
                                                  const log::Logger& log) {
  auto db = hq::HqDatabase::OpenSpec(spec, data);
  if (!db) return std::move(db).error().WithContext(hq::HqDatabase::Describe(spec, data));
  log.Debug("database open", {{"database", hq::HqDatabase::Describe(spec, data)}});
  return db;
}

int Serve(const std::filesystem::path& data, const std::string& database, const std::string& listen,
          std::vector<hq::Fault> faults, const log::Logger& log) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "checkpoint-hq: --listen needs ADDR:PORT\n");
    return kExitUsage;
  }
  const long port = std::strtol(listen.c_str() + colon + 1, nullptr, 10);
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "checkpoint-hq: bad port\n");
    return kExitUsage;
  }
  if (auto s = common::EnsurePrivateDirectory(data); !s) return Fail(s.error());
  auto ca = hq::CertificateAuthority::Load(data);
  if (!ca) return Fail(ca.error().WithContext("run `checkpoint-hq init` first"));
  auto db = OpenDatabase(database, data, log);
  if (!db) return Fail(db.error());
  static common::SystemClock clock;
  hq::HqService service(std::move(*db), std::move(*ca), clock, log.Child("service"), {});
  service.InjectFaults(std::move(faults));

  // Signals are taken by sigwait in this thread; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  common::SystemdNotifier notifier;

  const hq::CaFiles files(data);
  hq::HttpsServer::Options o;
  o.address = listen.substr(0, colon);
  o.port = static_cast<std::uint16_t>(port);
  o.cert_chain_file = files.server_cert;
  o.key_file = files.server_key;
  o.client_ca_file = files.ca_cert;
  auto server = hq::HttpsServer::Start(
      o, [&service](const hq::HttpRequest& r) { return service.Handle(r); }, log.Child("https"));
  if (!server) return Fail(server.error());
  log.Info("listening", {{"address", o.address},
                         {"port", (*server)->port()},
                         {"database", hq::HqDatabase::Describe(database, data)}});
  std::printf("listening %s:%u\n", o.address.c_str(), static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  const int sig = common::WaitForSignal(set, notifier, "serving on " + listen);
  log.Info("stopping", {{"signal", sig}});
  (*server)->Stop();
  return kExitOk;
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2) {
    Usage(stderr);
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h") {
    Usage(stdout);
    return kExitOk;
  }
  std::filesystem::path data;
  std::string device, site, name, listen = "127.0.0.1:8443";
  // Never logged as given: a PostgreSQL URL may hold a password.
  std::string database;
  if (const char* env = std::getenv("CHECKPOINT_HQ_DATABASE")) database = env;
  std::optional<std::int64_t> from_ms, to_ms;
  std::vector<std::string> names;
  std::vector<hq::Fault> faults;
  long ttl_hours = 0;  // 0: the command's default
  std::string kind, file;
  std::optional<std::int64_t> version, base, not_before, expires;
  bool rotate = false;
  auto number = [](const char* text, std::optional<std::int64_t>& out) {
    char* end = nullptr;
    const long long v = std::strtoll(text, &end, 10);
    if (!end || *end != '\0' || v <= 0) return false;
    out = v;
    return true;
  };
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--data" && has) {
      data = argv[++i];
    } else if (a == "--database" && has) {
      database = argv[++i];
    } else if (a == "--device" && has) {
      device = argv[++i];
    } else if (a == "--site" && has) {
      site = argv[++i];
    } else if (a == "--name" && has && (cmd == "api-token" || cmd == "api-revoke")) {
      name = argv[++i];
    } else if ((a == "--from" || a == "--to") && has) {
      char* end = nullptr;
      const long long v = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || v < 0) {
        std::fprintf(stderr, "checkpoint-hq: %s needs milliseconds since the epoch\n", a.c_str());
        return kExitUsage;
      }
      (a == "--from" ? from_ms : to_ms) = v;
    } else if (a == "--name" && has) {
      names.emplace_back(argv[++i]);
    } else if (a == "--listen" && has) {
      listen = argv[++i];
    } else if (a == "--ttl-hours" && has) {
      ttl_hours = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--kind" && has) {
      kind = argv[++i];
    } else if (a == "--file" && has) {
      file = argv[++i];
    } else if (a == "--rotate") {
      rotate = true;
    } else if ((a == "--version" || a == "--base" || a == "--not-before-ms" ||
                a == "--expires-ms") &&
               has) {
      auto& out = a == "--version"         ? version
                  : a == "--base"          ? base
                  : a == "--not-before-ms" ? not_before
                                           : expires;
      if (!number(argv[++i], out)) {
        std::fprintf(stderr, "checkpoint-hq: %s needs a positive integer\n", a.c_str());
        return kExitUsage;
      }
    } else if (a == "--fault" && has) {
      if (!ParseFaults(argv[++i], faults)) {
        std::fprintf(stderr, "checkpoint-hq: --fault needs STATUS[:RETRY_AFTER_S],...\n");
        return kExitUsage;
      }
    } else {
      std::fprintf(stderr, "checkpoint-hq: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return kExitUsage;
    }
  }
  if (data.empty()) {
    std::fprintf(stderr, "checkpoint-hq: --data DIR is required\n");
    return kExitUsage;
  }
  log::Logger log(std::make_shared<log::FdSink>(2), "checkpoint-hq");
  common::SystemClock clock;
  if (cmd == "init") {
    if (auto s = hq::CertificateAuthority::Initialize(data, names, clock.WallMs() / 1000); !s) {
      return Fail(s.error());
    }
    std::printf("HQ CA: %s\n", hq::CaFiles(data).ca_cert.c_str());
    return kExitOk;
  }
  if (ttl_hours < 0) {
    std::fprintf(stderr, "checkpoint-hq: --ttl-hours must be positive\n");
    return kExitUsage;
  }
  if (cmd == "token" || cmd == "api-token") {
    const bool api = cmd == "api-token";
    if (api ? name.empty() : device.empty()) {
      std::fprintf(stderr, "checkpoint-hq: %s needs %s\n", cmd.c_str(),
                   api ? "--name NAME" : "--device ID");
      return kExitUsage;
    }
    const std::int64_t ttl_ms =
        std::int64_t{ttl_hours > 0 ? ttl_hours : (api ? 90 * 24 : 24)} * 3'600'000;
    auto ca = hq::CertificateAuthority::Load(data);
    if (!ca) return Fail(ca.error());
    auto db = OpenDatabase(database, data, log);
    if (!db) return Fail(db.error());
    hq::HqService service(std::move(*db), std::move(*ca), clock, log.Child("service"), {});
    auto token =
        api ? service.CreateApiToken(name, ttl_ms) : service.CreateToken(device, ttl_ms, site);
    if (!token) return Fail(token.error());
    std::printf("%s\n", token->c_str());
    return kExitOk;
  }
  if (cmd == "api-revoke") {
    if (name.empty()) {
      std::fprintf(stderr, "checkpoint-hq: api-revoke needs --name NAME\n");
      return kExitUsage;
    }
    auto db = OpenDatabase(database, data, log);
    if (!db) return Fail(db.error());
    auto n = hq::RevokeApiTokens(db->db(), name);
    if (!n) return Fail(n.error());
    log.Notice("API tokens revoked", {{"name", name}, {"count", *n}});
    std::printf("%lld revoked\n", static_cast<long long>(*n));
    return *n > 0 ? kExitOk : kExitFailure;
  }
  if (cmd == "summary") {
    auto db = OpenDatabase(database, data, log);
    if (!db) return Fail(db.error());
    auto s = hq::Summarise(db->db(), from_ms, to_ms,
                           site.empty() ? std::nullopt : std::optional<std::string>(site));
    if (!s) return Fail(s.error());
    std::printf("%s\n", hq::SummaryJson(*s, from_ms, to_ms).c_str());
    return kExitOk;
  }
  if (cmd == "revoke") {
    if (device.empty()) {
      std::fprintf(stderr, "checkpoint-hq: revoke needs --device ID\n");
      return kExitUsage;
    }
    auto db = OpenDatabase(database, data, log);
    if (!db) return Fail(db.error());
    auto revoked = db->RevokeDevice(device);
    if (!revoked) return Fail(revoked.error());
    if (!*revoked) {
      std::fprintf(stderr, "checkpoint-hq: no device %s\n", device.c_str());
      return kExitFailure;
    }
    log.Notice("device revoked", {{"device", device}});
    return kExitOk;
  }
  if (cmd == "publish") {
    if (kind.empty() || file.empty()) {
      std::fprintf(stderr, "checkpoint-hq: publish needs --kind KIND and --file FILE\n");
      return kExitUsage;
    }
    if (!protocol::IsBundleKind(kind)) {
      std::fprintf(stderr, "checkpoint-hq: unknown bundle kind '%s'\n", kind.c_str());
      return kExitUsage;
    }
    auto payload = common::ReadFile(file, static_cast<std::size_t>(protocol::kMaxBundleBytes));
    if (!payload) return Fail(payload.error());
    if (auto s = common::EnsurePrivateDirectory(data); !s) return Fail(s.error());
    auto keys = hq::SigningKeys::LoadOrCreate(data / "signing");
    if (!keys) return Fail(keys.error());
    auto db = OpenDatabase(database, data, log);
    if (!db) return Fail(db.error());
    hq::PublishRequest req{kind,
                           std::move(*payload),
                           std::filesystem::path(file).filename().string(),
                           version,
                           base,
                           not_before,
                           expires};
    auto m = hq::PublishBundle(db->db(), keys->current(), req, clock.WallMs());
    if (!m) return Fail(m.error());
    log.Notice("bundle published", {{"kind", m->kind},
                                    {"version", m->version},
                                    {"bytes", m->size},
                                    {"key", protocol::KeyId(m->key)}});
    std::printf("published %s version %lld\n", m->kind.c_str(), static_cast<long long>(m->version));
    return kExitOk;
  }
  if (cmd == "signing-key") {
    if (auto s = common::EnsurePrivateDirectory(data); !s) return Fail(s.error());
    auto keys = hq::SigningKeys::LoadOrCreate(data / "signing");
    if (!keys) return Fail(keys.error());
    if (rotate) {
      if (auto s = keys->Rotate(); !s) return Fail(s.error());
      log.Notice("signing key rotated", {{"key", protocol::KeyId(keys->current().Public())}});
    }
    for (const auto& k : keys->publics()) std::printf("%s", protocol::PublicKeyPem(k).c_str());
    return kExitOk;
  }
  if (cmd == "serve") return Serve(data, database, listen, std::move(faults), log);
  Usage(stderr);
  return kExitUsage;
} catch (const std::exception& e) {
  std::fprintf(stderr, "checkpoint-hq: %s\n", e.what());
  return 1;
}
