#include "checkpoint/config/config.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/hal/driver_spec.hpp"

namespace checkpoint::config {

namespace {

class ConfigCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "config"; }
  std::string message(int c) const override {
    switch (static_cast<ConfigErrc>(c)) {
      case ConfigErrc::kSyntax:
        return "TOML syntax error";
      case ConfigErrc::kInvalid:
        return "invalid configuration";
      case ConfigErrc::kUnreadable:
        return "configuration unreadable";
    }
    return "unknown config error";
  }
};

std::string FormatNumber(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Collects every problem with its location, so one run shows them all.
class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}
  void Add(std::int64_t line, std::string_view key, std::string_view problem) {
    std::ostringstream os;
    os << source_ << ':' << line << ": " << key << ": " << problem;
    problems_.push_back(os.str());
  }
  bool empty() const { return problems_.empty(); }
  std::string Join() const {
    std::string s;
    for (const auto& p : problems_) {
      if (!s.empty()) s += '\n';
      s += p;
    }
    return s;
  }

 private:
  std::string source_;
  std::vector<std::string> problems_;
};

std::int64_t LineOf(const toml::node& n) {
  return static_cast<std::int64_t>(n.source().begin.line);
}

// Reads one table: typed getters that record which keys were used, then Finish()
// reports every key that nobody asked for.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string prefix, Diagnostics& d)
      : t_(t), prefix_(std::move(prefix)), d_(d) {}

  std::string Key(std::string_view k) const {
    return prefix_.empty() ? std::string(k) : prefix_ + "." + std::string(k);
  }
  std::int64_t line() const { return std::max<std::int64_t>(1, LineOf(t_)); }

  std::optional<std::string> String(std::string_view k, bool required) {
    const toml::node* n = Find(k, required);
    if (!n) return std::nullopt;
    if (auto v = n->value<std::string>()) return *v;
    d_.Add(LineOf(*n), Key(k), "must be a string");
    return std::nullopt;
  }

  std::optional<std::int64_t> Int(std::string_view k, bool required, std::int64_t lo,
                                  std::int64_t hi) {
    const toml::node* n = Find(k, required);
    if (!n) return std::nullopt;
    auto v = n->as_integer();
    if (!v) {
      d_.Add(LineOf(*n), Key(k), "must be an integer");
      return std::nullopt;
    }
    if (v->get() < lo || v->get() > hi) {
      d_.Add(LineOf(*n), Key(k),
             "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
      return std::nullopt;
    }
    return v->get();
  }

  std::optional<bool> Bool(std::string_view k, bool required) {
    const toml::node* n = Find(k, required);
    if (!n) return std::nullopt;
    if (auto v = n->value_exact<bool>()) return *v;
    d_.Add(LineOf(*n), Key(k), "must be true or false");
    return std::nullopt;
  }

  // An integer or a floating-point number.
  std::optional<double> Number(std::string_view k, bool required, double lo, double hi) {
    const toml::node* n = Find(k, required);
    if (!n) return std::nullopt;
    std::optional<double> v;
    if (auto i = n->as_integer()) v = static_cast<double>(i->get());
    if (auto f = n->as_floating_point()) v = f->get();
    if (!v) {
      d_.Add(LineOf(*n), Key(k), "must be a number");
      return std::nullopt;
    }
    if (!(*v >= lo && *v <= hi)) {  // also refuses NaN
      d_.Add(LineOf(*n), Key(k),
             "must be between " + FormatNumber(lo) + " and " + FormatNumber(hi));
      return std::nullopt;
    }
    return v;
  }

  bool Has(std::string_view k) const { return t_.get(k) != nullptr; }
  const toml::table& table() const { return t_; }
  Diagnostics& diagnostics() { return d_; }

  std::optional<std::vector<std::string>> StringArray(std::string_view k, bool required) {
    const toml::node* n = Find(k, required);
    if (!n) return std::nullopt;
    const toml::array* a = n->as_array();
    if (!a) {
      d_.Add(LineOf(*n), Key(k), "must be an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& e : *a) {
      auto s = e.value<std::string>();
      if (!s) {
        d_.Add(LineOf(e), Key(k), "must be an array of strings");
        return std::nullopt;
      }
      out.push_back(*s);
    }
    return out;
  }

  const toml::table* Table(std::string_view k, bool required) {
    const toml::node* n = Find(k, required);
    if (!n) return nullptr;
    if (auto* t = n->as_table()) return t;
    d_.Add(LineOf(*n), Key(k), "must be a table ([" + Key(k) + "])");
    return nullptr;
  }

  const toml::array* TableArray(std::string_view k) {
    const toml::node* n = Find(k, false);
    if (!n) return nullptr;
    if (auto* a = n->as_array(); a && a->is_array_of_tables()) return a;
    d_.Add(LineOf(*n), Key(k), "must be an array of tables ([[" + Key(k) + "]])");
    return nullptr;
  }

  // A problem with key `k`, reported at the key's line (or the table's when absent).
  void Error(std::string_view k, std::string_view problem) {
    const toml::node* n = t_.get(k);
    d_.Add(n ? LineOf(*n) : line(), Key(k), problem);
  }

  void Finish() {
    for (const auto& [k, v] : t_) {
      if (!used_.contains(std::string(k.str()))) {
        d_.Add(LineOf(v), Key(k.str()), "unknown key");
      }
    }
  }

 private:
  const toml::node* Find(std::string_view k, bool required) {
    used_.insert(std::string(k));
    const toml::node* n = t_.get(k);
    if (!n && required) d_.Add(line(), Key(k), "is required");
    return n;
  }

  const toml::table& t_;
  std::string prefix_;
  Diagnostics& d_;
  std::set<std::string> used_;
};

bool IsIdentifier(std::string_view s, std::size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

void ReadIdentifier(TableReader& r, std::string_view key, std::size_t max_len, std::string& out) {
  if (auto v = r.String(key, true)) {
    if (IsIdentifier(*v, max_len)) {
      out = *v;
    } else {
      r.Error(key, "must be 1 to " + std::to_string(max_len) + " characters of A-Z a-z 0-9 _ . -");
    }
  }
}

// "ADDRESS:PORT" with an IPv4 address or a bracketed IPv6 address, port 1-65535.
bool IsListenAddress(std::string_view s) {
  const auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return false;
  const std::string_view host = s.substr(0, colon), port = s.substr(colon + 1);
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return false;
  }
  const int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) return false;
  unsigned char buf[16];
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return ::inet_pton(AF_INET6, std::string(host.substr(1, host.size() - 2)).c_str(), buf) == 1;
  }
  return ::inet_pton(AF_INET, std::string(host).c_str(), buf) == 1;
}

// A path from the config: relative ones are taken from the config file's directory.
std::filesystem::path ConfigRelative(const std::string& value, std::string_view source_name) {
  std::filesystem::path path(value);
  if (path.is_relative()) path = std::filesystem::path(source_name).parent_path() / path;
  return path.lexically_normal();
}

void ReadConsole(TableReader& top, Diagnostics& d, std::string_view source_name, Config& c) {
  const toml::table* t = top.Table("console", false);
  if (!t) return;
  TableReader r(*t, "console", d);
  ConsoleConfig& k = c.console;
  if (auto v = r.Bool("enabled", false)) k.enabled = *v;
  if (auto listen = r.StringArray("listen", false)) {
    k.listen.clear();
    for (const auto& a : *listen) {
      if (IsListenAddress(a)) {
        k.listen.push_back(a);
      } else {
        r.Error("listen", "'" + a + "' is not ADDRESS:PORT (IPv4, or IPv6 in brackets)");
      }
    }
    if (listen->empty()) r.Error("listen", "must name at least one address");
  }
  const auto cert = r.String("certificate", false);
  const auto key = r.String("private_key", false);
  if (cert.has_value() != key.has_value() || (cert && (cert->empty() || key->empty()))) {
    r.Error(cert ? "private_key" : "certificate",
            "certificate and private_key go together (neither: the box's own identity)");
  } else if (cert) {
    k.certificate = ConfigRelative(*cert, source_name);
    k.private_key = ConfigRelative(*key, source_name);
  }
  if (auto assets = r.String("assets", false)) {
    if (assets->empty()) {
      r.Error("assets", "must be the directory of the console's pages");
    } else {
      k.assets = ConfigRelative(*assets, source_name);
    }
  }
  if (auto v = r.Int("session_idle_s", false, 10, 86'400))
    k.session_idle = std::chrono::seconds(*v);
  if (auto v = r.Int("session_max_s", false, 300, 7 * 86'400)) {
    k.session_max = std::chrono::seconds(*v);
  }
  if (auto v = r.Int("lockout_failures", false, 1, 100)) k.lockout_failures = static_cast<int>(*v);
  if (auto v = r.Int("lockout_s", false, 10, 86'400)) k.lockout_duration = std::chrono::seconds(*v);
  if (auto v = r.Int("threads", false, 1, 8)) k.threads = static_cast<int>(*v);
  if (auto agencies = r.StringArray("restricted_agencies", false)) {
    for (const auto& a : *agencies) {
      if (auto parsed = ParseAgency(a)) {
        k.restricted_agencies.push_back(*parsed);
      } else {
        r.Error("restricted_agencies",
                "unknown agency '" + a + "' (border_guard, customs, police)");
      }
    }
  }
  if (auto codes = r.StringArray("reason_codes", false)) {
    std::set<std::string> seen;
    const auto code_ok = [](const std::string& code) {
      return !code.empty() && code.size() <= 32 &&
             std::all_of(code.begin(), code.end(), [](char x) {
               return (x >= 'a' && x <= 'z') || (x >= '0' && x <= '9') || x == '_';
             });
    };
    for (const auto& code : *codes) {
      if (!code_ok(code)) {
        r.Error("reason_codes", "'" + code + "' is not a reason code (1 to 32 of a-z 0-9 _)");
      } else if (!seen.insert(code).second) {
        r.Error("reason_codes", "duplicate reason code '" + code + "'");
      }
    }
    if (codes->empty() || codes->size() > 64) r.Error("reason_codes", "must name 1 to 64 codes");
    k.reason_codes = *codes;
  }
  if (k.session_idle > k.session_max) r.Error("session_idle_s", "must not exceed session_max_s");
  r.Finish();
}

void ReadBooths(TableReader& root, Diagnostics& d, Config& c) {
  const toml::array* booths = root.TableArray("booths");
  if (!booths) return;
  std::set<std::string> seen;
  std::size_t index = 0;
  for (const auto& node : *booths) {
    TableReader r(*node.as_table(), "booths[" + std::to_string(index++) + "]", d);
    Booth b;
    ReadIdentifier(r, "id", 32, b.id);
    if (!b.id.empty() && !seen.insert(b.id).second) {
      r.Error("id", "duplicate booth id '" + b.id + "'");
    }
    if (auto kind = r.String("kind", true)) {
      if (*kind == "booth") {
        b.kind = Booth::Kind::kBooth;
      } else if (*kind == "lane") {
        b.kind = Booth::Kind::kLane;
      } else {
        r.Error("kind", "must be \"booth\" or \"lane\"");
      }
    }
    if (auto agencies = r.StringArray("agencies", true)) {
      for (const auto& a : *agencies) {
        if (auto parsed = ParseAgency(a)) {
          b.agencies.push_back(*parsed);
        } else {
          r.Error("agencies", "unknown agency '" + a + "' (border_guard, customs, police)");
        }
      }
      if (agencies->empty()) r.Error("agencies", "must name at least one agency");
    }
    r.Finish();
    c.booths.push_back(std::move(b));
  }
}

void ReadSerial(TableReader& r, hal::SerialSettings& s) {
  if (auto v = r.String("path", true)) {
    if (v->empty() || (*v)[0] != '/') {
      r.Error("path", "must be an absolute device path");
    } else {
      s.path = *v;
    }
  }
  if (auto v = r.Int("baud", false, 50, 4'000'000)) s.baud = static_cast<unsigned>(*v);
  if (auto v = r.String("parity", false)) {
    if (*v == "none") {
      s.parity = hal::SerialSettings::Parity::kNone;
    } else if (*v == "even") {
      s.parity = hal::SerialSettings::Parity::kEven;
    } else if (*v == "odd") {
      s.parity = hal::SerialSettings::Parity::kOdd;
    } else {
      r.Error("parity", "must be none, even or odd");
    }
  }
  if (auto v = r.Int("data_bits", false, 5, 8)) s.char_size = static_cast<unsigned>(*v);
  if (auto v = r.Int("stop_bits", false, 1, 2)) s.stop_bits = static_cast<unsigned>(*v);
  if (auto v = r.String("flow", false)) {
    if (*v == "none") {
      s.flow = hal::SerialSettings::Flow::kNone;
    } else if (*v == "hardware") {
      s.flow = hal::SerialSettings::Flow::kHardware;
    } else if (*v == "software") {
      s.flow = hal::SerialSettings::Flow::kSoftware;
    } else {
      r.Error("flow", "must be none, hardware or software");
    }
  }
}

void ReadTcp(TableReader& r, hal::TcpSettings& t) {
  if (auto v = r.String("host", true)) {
    if (v->empty() || v->size() > 253) {
      r.Error("host", "must be a host name or address");
    } else {
      t.host = *v;
    }
  }
  if (auto v = r.Int("port", true, 1, 65535)) t.port = static_cast<std::uint16_t>(*v);
}

void ReadListen(TableReader& r, hal::ListenSettings& l) {
  if (auto v = r.String("address", false)) l.address = *v;
  if (auto v = r.Int("port", true, 0, 65535)) l.port = static_cast<std::uint16_t>(*v);
  if (auto v = r.String("path", false)) {
    if (v->empty() || (*v)[0] != '/') {
      r.Error("path", "must start with /");
    } else {
      l.path = *v;
    }
  }
}

void ReadOptions(TableReader& r, const hal::DriverSpec& spec, hal::DeviceConfig& dev) {
  for (const auto& [k, node] : r.table()) {
    const std::string key(k.str());
    const hal::OptionSpec* o = spec.Option(key);
    if (!o) continue;  // reported as unknown by Finish()
    switch (o->type) {
      case hal::OptionSpec::Type::kBool:
        if (auto v = r.Bool(key, false)) dev.options[key] = *v;
        break;
      case hal::OptionSpec::Type::kInt:
        if (auto v = r.Int(key, false, static_cast<std::int64_t>(o->min),
                           static_cast<std::int64_t>(o->max))) {
          dev.options[key] = *v;
        }
        break;
      case hal::OptionSpec::Type::kDouble:
        if (auto v = r.Number(key, false, o->min, o->max)) dev.options[key] = *v;
        break;
      case hal::OptionSpec::Type::kString:
        if (auto v = r.String(key, false)) dev.options[key] = *v;
        break;
    }
  }
  // Defaults make every option present, so drivers read one typed value.
  for (const auto& o : spec.options) dev.options.try_emplace(std::string(o.key), o.default_value);
  r.Finish();
}

void ReadDevices(TableReader& root, Diagnostics& d, Config& c) {
  const toml::array* devices = root.TableArray("devices");
  if (!devices) return;
  std::set<std::string> seen;
  std::set<std::string> booths;
  for (const auto& b : c.booths) booths.insert(b.id);
  std::size_t index = 0;
  for (const auto& node : *devices) {
    TableReader r(*node.as_table(), "devices[" + std::to_string(index++) + "]", d);
    hal::DeviceConfig dev;
    ReadIdentifier(r, "id", 32, dev.id);
    if (!dev.id.empty() && !seen.insert(dev.id).second) {
      r.Error("id", "duplicate device id '" + dev.id + "'");
    }
    std::optional<hal::DeviceClass> cls;
    if (auto v = r.String("class", true)) {
      cls = hal::ParseDeviceClass(*v);
      if (!cls) {
        r.Error("class", "unknown device class '" + *v +
                             "' (document_reader, plate_camera, container_camera, weighbridge, "
                             "radiation_portal, seal_reader)");
      } else {
        dev.device_class = *cls;
      }
    }
    const hal::DriverSpec* spec = nullptr;
    if (auto v = r.String("driver", true)) {
      spec = hal::FindDriver(*v);
      if (!spec) {
        std::string names;
        for (const auto& s : hal::Drivers())
          names += (names.empty() ? "" : ", ") + std::string(s.name);
        r.Error("driver", "unknown driver '" + *v + "' (" + names + ")");
      } else if (cls && !spec->Serves(*cls)) {
        r.Error("driver", "driver '" + *v + "' does not serve class '" +
                              std::string(hal::DeviceClassName(*cls)) + "'");
      } else {
        dev.driver = *v;
      }
    }
    if (auto v = r.String("booth", true)) {
      if (!booths.contains(*v)) {
        r.Error("booth", "no [[booths]] entry with id '" + *v + "'");
      } else {
        dev.booth = *v;
      }
    }
    const int transports = int{r.Has("serial")} + int{r.Has("tcp")} + int{r.Has("listen")};
    if (transports != 1) {
      r.Error("serial", "exactly one of serial, tcp or listen must be given");
    }
    if (const toml::table* t = r.Table("serial", false)) {
      TableReader tr(*t, r.Key("serial"), d);
      hal::SerialSettings s;
      ReadSerial(tr, s);
      tr.Finish();
      dev.transport = s;
      if (spec && spec->transport != hal::TransportKind::kStream) {
        r.Error("serial", "driver '" + dev.driver + "' takes listen, not serial");
      }
    }
    if (const toml::table* t = r.Table("tcp", false)) {
      TableReader tr(*t, r.Key("tcp"), d);
      hal::TcpSettings s;
      ReadTcp(tr, s);
      tr.Finish();
      dev.transport = s;
      if (spec && spec->transport != hal::TransportKind::kStream) {
        r.Error("tcp", "driver '" + dev.driver + "' takes listen, not tcp");
      }
    }
    if (const toml::table* t = r.Table("listen", false)) {
      TableReader tr(*t, r.Key("listen"), d);
      hal::ListenSettings s;
      ReadListen(tr, s);
      tr.Finish();
      dev.transport = s;
      if (spec && spec->transport != hal::TransportKind::kListen) {
        r.Error("listen", "driver '" + dev.driver + "' takes serial or tcp, not listen");
      }
    }
    if (const toml::table* t = r.Table("options", false); t && spec) {
      TableReader tr(*t, r.Key("options"), d);
      ReadOptions(tr, *spec, dev);
    } else if (spec) {
      for (const auto& o : spec->options)
        dev.options.try_emplace(std::string(o.key), o.default_value);
    }
    r.Finish();
    c.devices.push_back(std::move(dev));
  }
}

Error Invalid(std::string message) {
  return Error(make_error_condition(ConfigErrc::kInvalid), std::move(message));
}

}  // namespace

const std::error_category& ConfigCategory() noexcept {
  static const ConfigCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(ConfigErrc e) noexcept {
  return {static_cast<int>(e), ConfigCategory()};
}

std::optional<Agency> ParseAgency(std::string_view s) noexcept {
  for (Agency a : {Agency::kBorderGuard, Agency::kCustoms, Agency::kPolice}) {
    if (AgencyName(a) == s) return a;
  }
  return std::nullopt;
}

std::string_view AgencyName(Agency a) noexcept {
  switch (a) {
    case Agency::kBorderGuard:
      return "border_guard";
    case Agency::kCustoms:
      return "customs";
    case Agency::kPolice:
      return "police";
  }
  return "unknown";
}

Expected<Config> ParseConfig(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << source_name << ':' << e.source().begin.line << ':' << e.source().begin.column << ": "
       << e.description();
    return Error(make_error_condition(ConfigErrc::kSyntax), os.str());
  } catch (const std::exception& e) {
    return Error(make_error_condition(ConfigErrc::kSyntax),
                 std::string(source_name) + ": " + e.what());
  }

  Config c;
  c.source = std::filesystem::path(source_name);
  Diagnostics d{std::string(source_name)};
  TableReader top(root, "", d);

  if (const toml::table* t = top.Table("device", true)) {
    TableReader r(*t, "device", d);
    ReadIdentifier(r, "id", 64, c.device_id);
    ReadIdentifier(r, "site", 64, c.site_id);
    if (auto name = r.String("name", false)) c.site_name = *name;
    r.Finish();
  }
  if (const toml::table* t = top.Table("paths", true)) {
    TableReader r(*t, "paths", d);
    if (auto dir = r.String("data_dir", true)) {
      if (dir->empty() || (*dir)[0] != '/') {
        r.Error("data_dir", "must be an absolute path");
      } else {
        c.data_dir = *dir;
      }
    }
    if (auto group = r.String("group", false)) {
      // A POSIX portable user or group name, as adduser accepts it.
      const bool ok = !group->empty() && group->size() <= 32 &&
                      std::all_of(group->begin(), group->end(),
                                  [](char ch) {
                                    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                                           ch == '_' || ch == '-';
                                  }) &&
                      (*group)[0] != '-' && !((*group)[0] >= '0' && (*group)[0] <= '9');
      if (ok) {
        c.data_group = *group;
      } else {
        r.Error("group", "must be a group name (a-z 0-9 _ -, not starting with a digit or -)");
      }
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("log", false)) {
    TableReader r(*t, "log", d);
    if (auto level = r.String("level", false)) {
      if (auto parsed = log::ParseLevel(*level)) {
        c.log_level = *parsed;
      } else {
        r.Error("level", "must be one of debug, info, notice, warning, error, critical");
      }
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("store", false)) {
    TableReader r(*t, "store", d);
    if (auto v = r.Int("busy_timeout_ms", false, 1, 600'000))
      c.busy_timeout_ms = static_cast<int>(*v);
    if (auto v = r.Int("disk_low_mib", false, 1, 1 << 20)) c.disk_low_mib = *v;
    if (auto v = r.Int("disk_critical_mib", false, 0, 1 << 20)) c.disk_critical_mib = *v;
    if (auto v = r.Int("disk_reserve_mib", false, 0, 4096)) c.disk_reserve_mib = *v;
    if (c.disk_critical_mib >= c.disk_low_mib) {
      r.Error("disk_critical_mib",
              "must be below disk_low_mib (" + std::to_string(c.disk_low_mib) + ")");
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("daemon", false)) {
    TableReader r(*t, "daemon", d);
    if (auto v = r.Int("heartbeat_interval_s", false, 1, 3600)) {
      c.heartbeat_interval = std::chrono::seconds(*v);
    }
    if (auto v = r.Int("telemetry_interval_s", false, 0, 86'400)) {
      c.telemetry_interval = std::chrono::seconds(*v);
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("risk", false)) {
    TableReader r(*t, "risk", d);
    if (auto rules = r.String("rules", false)) {
      if (rules->empty()) {
        r.Error("rules", "must be a path to a rule bundle");
      } else {
        std::filesystem::path path(*rules);
        if (path.is_relative()) {
          path = std::filesystem::path(source_name).parent_path() / path;
        }
        c.risk.rules = path.lexically_normal();
      }
    }
    if (auto decl = r.String("declarations", false); decl && !decl->empty()) {
      std::filesystem::path path(*decl);
      if (path.is_relative()) path = std::filesystem::path(source_name).parent_path() / path;
      c.risk.declarations = path.lexically_normal();
    }
    if (auto v = r.Number("person_match_threshold", false, 0.5, 1.0)) {
      c.risk.person_match_threshold = *v;
    }
    if (auto v = r.Int("chip_window_s", false, 1, 120)) {
      c.risk.chip_window = std::chrono::seconds(*v);
    }
    if (auto v = r.Int("passage_window_s", false, 5, 1800)) {
      c.risk.passage_window = std::chrono::seconds(*v);
    }
    if (auto v = r.Number("plate_candidate_min_confidence", false, 0.0, 1.0)) {
      c.risk.plate_candidate_min_confidence = *v;
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("sync", false)) {
    TableReader r(*t, "sync", d);
    if (auto url = r.String("hq_url", false)) {
      if (url->rfind("https://", 0) != 0 || url->size() <= 8) {
        r.Error("hq_url", "must be an https:// URL");
      } else {
        c.sync.hq_url = *url;
      }
    }
    if (auto v = r.Int("batch_records", false, 1, 10'000)) {
      c.sync.batch_records = static_cast<std::size_t>(*v);
    }
    if (auto v = r.Int("batch_bytes", false, 1024, 8 << 20)) {
      c.sync.batch_bytes = static_cast<std::size_t>(*v);
    }
    if (auto v = r.Int("retention_days", false, 0, 3650)) {
      c.sync.retention = std::chrono::hours(24 * *v);
    }
    if (auto proxy = r.String("proxy", false)) {
      if (!proxy->empty() && proxy->rfind("http://", 0) != 0) {
        r.Error("proxy", "must be an http:// URL (HTTPS goes through it with CONNECT)");
      } else {
        c.sync.proxy = *proxy;
      }
    }
    if (auto v = r.Int("max_send_bytes_per_s", false, 0, std::int64_t{1} << 40)) {
      c.sync.max_send_bytes_per_s = *v;
    }
    if (auto v = r.Int("heartbeat_interval_s", false, 5, 86'400)) {
      c.sync.heartbeat_interval = std::chrono::seconds(*v);
    }
    r.Finish();
  }
  if (const toml::table* t = top.Table("update", false)) {
    TableReader r(*t, "update", d);
    if (auto v = r.Bool("auto_install", false)) c.update.auto_install = *v;
    if (auto w = r.String("maintenance_window", false); w && !w->empty()) {
      if (auto parsed = ParseMaintenanceWindow(*w)) {
        c.update.window_start_min = parsed->first;
        c.update.window_end_min = parsed->second;
      } else {
        r.Error("maintenance_window",
                "must be \"HH:MM-HH:MM\" (UTC, start and end differ), or \"\" for any time");
      }
    }
    r.Finish();
  }
  ReadConsole(top, d, source_name, c);
  ReadBooths(top, d, c);
  ReadDevices(top, d, c);
  top.Finish();

  if (!d.empty()) return Invalid(d.Join());
  return c;
}

std::optional<std::pair<int, int>> ParseMaintenanceWindow(std::string_view text) {
  // "HH:MM-HH:MM", exactly 11 characters.
  if (text.size() != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':') return std::nullopt;
  auto minutes = [](std::string_view hhmm) -> std::optional<int> {
    for (std::size_t i : {0u, 1u, 3u, 4u}) {
      if (hhmm[i] < '0' || hhmm[i] > '9') return std::nullopt;
    }
    const int h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
    const int m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
  };
  const auto start = minutes(text.substr(0, 5));
  const auto end = minutes(text.substr(6, 5));
  if (!start || !end || *start == *end) return std::nullopt;
  return std::pair{*start, *end};
}

Expected<Config> LoadConfig(const std::filesystem::path& path) {
  auto text = common::ReadFile(path, 1u << 20);
  if (!text) {
    return Error(make_error_condition(ConfigErrc::kUnreadable),
                 "cannot read configuration: " + text.error().message());
  }
  return ParseConfig(*text, path.string());
}

}  // namespace checkpoint::config
