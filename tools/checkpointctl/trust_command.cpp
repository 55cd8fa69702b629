#include "trust_command.hpp"

#include <ctime>
#include <nlohmann/json.hpp>

#include "checkpoint/common/fs.hpp"
#include "checkpoint/common/text.hpp"
#include "checkpoint/documents/csca.hpp"
#include "checkpoint/documents/passive_auth.hpp"
#include "checkpoint/store/store.hpp"

namespace checkpoint::tools {

namespace {

using documents::Bytes;
using nlohmann::json;

std::chrono::system_clock::time_point When(const TrustContext& ctx) {
  return ctx.at.value_or(std::chrono::system_clock::now());
}

void Print(const TrustContext& ctx, const json& j) {
  std::fprintf(ctx.out, "%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
}

int Fail(const TrustContext& ctx, const Error& e) {
  if (ctx.json) {
    Print(ctx, json{{"ok", false}, {"error", e.message()}});
  } else {
    std::fprintf(ctx.err, "checkpointctl: %s\n", e.message().c_str());
  }
  return 1;
}

int Usage(const TrustContext& ctx, const std::string& what) {
  std::fprintf(ctx.err, "checkpointctl: %s\n", what.c_str());
  return 2;
}

Expected<Bytes> ReadBytes(const std::string& path, std::size_t max) {
  auto text = common::ReadFile(path, max);
  if (!text) return std::move(text).error();
  return Bytes(text->begin(), text->end());
}

Expected<store::Store> Open(const TrustContext& ctx) {
  return store::Store::Open({.path = ctx.database,
                             .device_id = ctx.device_id,
                             .busy_timeout_ms = 5000,
                             .read_only = false});
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int List(store::TrustStore& trust, const TrustContext& ctx) {
  auto cscas = trust.ListCscas();
  if (!cscas) return Fail(ctx, cscas.error());
  auto crls = trust.ListCrls();
  if (!crls) return Fail(ctx, crls.error());
  if (ctx.json) {
    json jc = json::array(), jr = json::array();
    for (const auto& c : *cscas) {
      jc.push_back({{"fingerprint", c.fingerprint},
                    {"subject", c.subject},
                    {"issuer", c.issuer},
                    {"country", c.country},
                    {"serial", c.serial},
                    {"notBefore", common::FormatUtc(c.not_before)},
                    {"notAfter", common::FormatUtc(c.not_after)},
                    {"kind", c.kind},
                    {"source", c.source},
                    {"addedAtMs", c.added_at_ms}});
    }
    for (const auto& c : *crls) {
      jr.push_back({{"fingerprint", c.fingerprint},
                    {"issuer", c.issuer},
                    {"country", c.country},
                    {"thisUpdate", common::FormatUtc(c.this_update)},
                    {"nextUpdate", common::FormatUtc(c.next_update)},
                    {"revoked", c.revoked_count},
                    {"source", c.source},
                    {"addedAtMs", c.added_at_ms}});
    }
    Print(ctx, json{{"cscas", jc}, {"crls", jr}});
    return 0;
  }
  std::fprintf(ctx.out, "%zu CSCA certificate(s)\n", cscas->size());
  for (const auto& c : *cscas) {
    std::fprintf(ctx.out, "  %-3s %-4s %s .. %s  %s  %s  (%s)\n", c.country.c_str(), c.kind.c_str(),
                 common::FormatUtc(c.not_before).substr(0, 10).c_str(),
                 common::FormatUtc(c.not_after).substr(0, 10).c_str(),
                 c.fingerprint.substr(0, 16).c_str(), c.subject.c_str(), c.source.c_str());
  }
  std::fprintf(ctx.out, "%zu CRL(s)\n", crls->size());
  for (const auto& c : *crls) {
    std::fprintf(ctx.out, "  %-3s %s .. %s  %s  %lld revoked  %s  (%s)\n", c.country.c_str(),
                 common::FormatUtc(c.this_update).substr(0, 10).c_str(),
                 common::FormatUtc(c.next_update).substr(0, 10).c_str(),
                 c.fingerprint.substr(0, 16).c_str(), static_cast<long long>(c.revoked_count),
                 c.issuer.c_str(), c.source.c_str());
  }
  return 0;
}

int Added(const TrustContext& ctx, const char* what, const store::AddResult& r) {
  if (ctx.json) {
    Print(ctx, json{{"ok", true}, {"fingerprint", r.fingerprint}, {"added", r.added}});
  } else {
    std::fprintf(ctx.out, "%s %s %s\n", what, r.fingerprint.c_str(),
                 r.added ? "added" : "already present");
  }
  return 0;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseUtcTime(const std::string& text) {
  std::tm tm{};
  const char* end = nullptr;
  if (text.size() == 10) {
    end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  } else if (text.size() == 20) {
    end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  if (!end || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

int TrustCommand(const std::vector<std::string>& args, const TrustContext& ctx) {
  if (args.empty()) return Usage(ctx, "trust: list|add-csca|add-crl|import-masterlist|remove");
  const std::string& sub = args[0];
  const bool list = sub == "list" && args.size() == 1;
  if (!list && args.size() != 2) return Usage(ctx, "trust " + sub + ": wrong arguments");
  if (!list && sub != "add-csca" && sub != "add-crl" && sub != "import-masterlist" &&
      sub != "remove") {
    return Usage(ctx, "trust: unknown subcommand '" + sub + "'");
  }
  auto st = Open(ctx);
  if (!st) return Fail(ctx, st.error());
  auto trust = st->trust();
  if (list) return List(trust, ctx);
  if (sub == "remove") {
    auto r = trust.Remove(args[1]);
    if (!r) return Fail(ctx, r.error());
    if (ctx.json) {
      Print(ctx, json{{"ok", *r}, {"removed", *r}});
    } else {
      std::fprintf(*r ? ctx.out : ctx.err, "%s %s\n", args[1].c_str(),
                   *r ? "removed" : "not in the trust store");
    }
    return *r ? 0 : 1;
  }
  const std::size_t max =
      sub == "import-masterlist" ? documents::kMaxMasterListSize : std::size_t{16} << 20;
  auto bytes = ReadBytes(args[1], max);
  if (!bytes) return Fail(ctx, bytes.error());
  if (sub == "add-csca") {
    auto r = trust.AddCsca(*bytes, "manual", NowMs());
    if (!r) return Fail(ctx, r.error());
    return Added(ctx, "CSCA", *r);
  }
  if (sub == "add-crl") {
    auto r = trust.AddCrl(*bytes, "manual", NowMs());
    if (!r) return Fail(ctx, r.error());
    return Added(ctx, "CRL", *r);
  }
  auto r = trust.ImportMasterList(*bytes, When(ctx));
  if (!r) return Fail(ctx, r.error());
  if (ctx.json) {
    Print(ctx, json{{"ok", true},
                    {"source", r->source},
                    {"signer", r->signer},
                    {"certificates", r->certificates},
                    {"added", r->added},
                    {"alreadyPresent", r->already_present},
                    {"skipped", r->skipped}});
  } else {
    std::fprintf(
        ctx.out,
        "master list signed by %s: %zu certificates, %zu added, %zu present, %zu skipped\n",
        r->signer.c_str(), r->certificates, r->added, r->already_present, r->skipped.size());
    for (const auto& s : r->skipped) std::fprintf(ctx.out, "  skipped %s\n", s.c_str());
  }
  return 0;
}

int PaCommand(const std::vector<std::string>& args, const TrustContext& ctx) {
  documents::ChipData chip;
  std::vector<std::string> printed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i + 1 >= args.size()) return Usage(ctx, "pa: " + a + " needs a value");
    const std::string& v = args[++i];
    if (a == "--sod") {
      auto b = ReadBytes(v, documents::kMaxSodSize);
      if (!b) return Usage(ctx, "pa: " + b.error().message());
      chip.sod = std::move(*b);
    } else if (a == "--dg") {
      const auto eq = v.find('=');
      int n = 0;
      try {
        n = eq == std::string::npos ? 0 : std::stoi(v.substr(0, eq));
      } catch (const std::exception&) {
        n = 0;
      }
      if (n < 1 || n > 16) return Usage(ctx, "pa: --dg takes N=FILE with N in 1..16");
      auto b = ReadBytes(v.substr(eq + 1), documents::kMaxDataGroupSize);
      if (!b) return Usage(ctx, "pa: " + b.error().message());
      chip.data_groups[n] = std::move(*b);
    } else if (a == "--mrz") {
      auto text = common::ReadFile(v, 4096);
      if (!text) return Usage(ctx, "pa: " + text.error().message());
      std::size_t start = 0;
      while (start <= text->size()) {
        std::size_t nl = text->find('\n', start);
        if (nl == std::string::npos) nl = text->size();
        std::string line = text->substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) printed.push_back(std::move(line));
        start = nl + 1;
      }
    } else {
      return Usage(ctx, "pa: unknown option " + a);
    }
  }
  auto st = Open(ctx);
  if (!st) return Fail(ctx, st.error());
  auto anchors = st->trust().LoadAnchors();
  if (!anchors) return Fail(ctx, anchors.error());
  auto r = documents::VerifyPassive(chip, printed, *anchors, When(ctx));

  json steps = json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"step", documents::StepName(s.step)},
                     {"state", documents::StepStateName(s.state)},
                     {"reason", s.reason}});
  }
  json j{{"status", documents::StatusName(r.status)},
         {"failedStep", r.failed_step ? json(documents::StepName(*r.failed_step)) : json(nullptr)},
         {"steps", steps},
         {"warnings", r.warnings},
         {"hashAlgorithm", r.hash_algorithm},
         {"signatureAlgorithm", r.signature_algorithm},
         {"dsSubject", r.ds_subject},
         {"dsSerial", r.ds_serial},
         {"cscaSubject", r.csca_subject},
         {"cscaFingerprint", r.csca_fingerprint},
         {"dataGroupsVerified", r.data_groups_verified},
         {"dataGroupsNotRead", r.data_groups_not_read}};
  Print(ctx, j);
  switch (r.status) {
    case documents::PaStatus::kPassed:
      return 0;
    case documents::PaStatus::kFailed:
      return 1;
    default:
      return 3;
  }
}

}  // namespace checkpoint::tools
