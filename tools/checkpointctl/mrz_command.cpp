#include "mrz_command.hpp"

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/documents/mrz.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

// Lines longer than this cannot be MRZ lines; reading stops keeping bytes beyond
// it, so a hostile input without newlines costs bounded memory.
constexpr std::size_t kMaxLine = 128;
// A document of more lines than this is not an MRZ; further lines are counted only.
constexpr std::size_t kMaxLines = 8;

documents::ParseOptions Today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return documents::ParseOptions{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

json Document(const documents::MrzResult& r) {
  json checks = json::array();
  for (const auto& c : r.checks) {
    if (c.state == documents::CheckState::kAbsent) continue;
    checks.push_back({{"field", c.field}, {"valid", c.state == documents::CheckState::kValid}});
  }
  json errors = json::array();
  json j{{"format", documents::FormatName(r.format)},
         {"valid", r.valid},
         {"documentCode", r.document_code},
         {"issuingState", r.issuing_state},
         {"documentNumber", r.document_number},
         {"nationality", r.nationality},
         {"surname", r.surname},
         {"givenNames", r.given_names},
         {"birthDate", r.birth.printed},
         {"expiryDate", r.expiry.printed},
         {"sex", r.sex.empty() ? "<" : r.sex}};
  switch (r.format) {
    case documents::MrzFormat::kTD3:
      j["personalNumber"] = r.personal_number;
      break;
    case documents::MrzFormat::kTD1:
      j["optionalData1"] = r.optional_data1;
      j["optionalData2"] = r.optional_data2;
      break;
    case documents::MrzFormat::kFrenchId:
      j["optionalData"] = r.optional_data;
      j["issueDate"] = r.issue.printed;
      break;
    default:
      j["optionalData"] = r.optional_data;
  }
  json warnings = json(r.warnings);
  for (const auto& e : r.field_errors) warnings.push_back(e);
  j["checks"] = std::move(checks);
  json corrections = json::array();
  for (const auto& c : r.corrections) {
    corrections.push_back({{"line", c.line},
                           {"position", c.position},
                           {"from", std::string(1, c.from)},
                           {"to", std::string(1, c.to)},
                           {"field", c.field}});
  }
  j["corrections"] = std::move(corrections);
  j["warnings"] = std::move(warnings);
  j["errors"] = std::move(errors);
  return j;
}

class Runner {
 public:
  Runner(std::FILE* out, const MrzCommandOptions& o) : out_(out), options_(o), today_(Today()) {
    today_.correct = o.correct;
  }

  void Line(std::string line) {
    if (line.empty()) return Flush();
    if (lines_.size() < kMaxLines) lines_.push_back(std::move(line));
    ++count_;
  }
  void Flush() {
    if (count_ == 0) return;
    json j;
    if (count_ > kMaxLines || overlong_) {
      j = NotMrz(overlong_ ? "a line is longer than any MRZ line"
                           : std::to_string(count_) + " lines is not an MRZ document");
    } else {
      std::vector<std::string_view> views(lines_.begin(), lines_.end());
      auto r = documents::ParseMrz(views, today_);
      j = r ? Document(*r) : NotMrz(r.error().message());
    }
    std::fputs(j.dump(options_.pretty ? 2 : -1, ' ', false, json::error_handler_t::replace).c_str(),
               out_);
    std::fputc('\n', out_);
    lines_.clear();
    count_ = 0;
    overlong_ = false;
  }
  void Overlong() { overlong_ = true; }
  bool failed() const { return failed_; }

 private:
  json NotMrz(const std::string& why) {
    failed_ = true;
    return json{{"valid", false}, {"errors", json::array({why})}};
  }

  std::FILE* out_;
  MrzCommandOptions options_;
  documents::ParseOptions today_;
  std::vector<std::string> lines_;
  std::size_t count_ = 0;
  bool overlong_ = false;
  bool failed_ = false;
};

}  // namespace

int MrzCommand(std::FILE* in, std::FILE* out, const MrzCommandOptions& options) {
  Runner runner(out, options);
  std::string line;
  bool overlong = false;
  for (int c = std::fgetc(in);; c = std::fgetc(in)) {
    if (c == EOF || c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (overlong) runner.Overlong();
      if (c == EOF && line.empty() && !overlong) break;
      runner.Line(std::move(line));
      line.clear();
      overlong = false;
      if (c == EOF) break;
      continue;
    }
    if (line.size() < kMaxLine) {
      line.push_back(static_cast<char>(c));
    } else {
      overlong = true;
    }
  }
  runner.Flush();
  return runner.failed() ? 1 : 0;
}

}  // namespace checkpoint::tools
