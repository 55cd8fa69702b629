#include "container_command.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/common/text.hpp"

namespace checkpoint::tools {

namespace {

using nlohmann::json;

json Unreadable(const std::string& why) {
  return json{{"code", ""},
              {"valid", false},
              {"owner", ""},
              {"category", ""},
              {"serial", ""},
              {"checkDigit", nullptr},
              {"errors", json::array({why})}};
}

json Code(const cargo::ContainerCode& r) {
  json j{{"code", r.code},
         {"valid", r.valid},
         {"owner", r.owner},
         {"category", r.category},
         {"serial", r.serial},
         {"checkDigit", r.check_digit ? json(*r.check_digit) : json(nullptr)},
         {"expectedCheckDigit",
          r.expected_check_digit ? json(*r.expected_check_digit) : json(nullptr)}};
  if (!r.valid) j["ocrVariants"] = cargo::OcrVariants(r.code);
  j["errors"] = r.errors;
  return j;
}

class Writer {
 public:
  Writer(std::FILE* out, const ContainerCommandOptions& o) : out_(out), options_(o) {}

  void Text(std::string_view text, bool overlong) {
    if (overlong) {
      failed_ = true;
      return Write(
          Unreadable("unreadable: longer than " + std::to_string(kMaxContainerLine) + " bytes"));
    }
    if (common::FirstInvalidUtf8(text)) {
      failed_ = true;
      return Write(Unreadable("unreadable: not valid UTF-8"));
    }
    Write(Code(cargo::ParseContainerCode(text)));
  }
  bool failed() const { return failed_; }

 private:
  void Write(const json& j) {
    // replace: whatever bytes a code holds, the output is valid JSON (UTF-8).
    std::fputs(j.dump(options_.pretty ? 2 : -1, ' ', false, json::error_handler_t::replace).c_str(),
               out_);
    std::fputc('\n', out_);
  }

  std::FILE* out_;
  ContainerCommandOptions options_;
  bool failed_ = false;
};

bool Blank(std::string_view s) {
  return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

int ContainerCommand(const std::vector<std::string>& codes, std::FILE* in, std::FILE* out,
                     const ContainerCommandOptions& options) {
  Writer w(out, options);
  if (!codes.empty()) {
    for (const auto& c : codes) w.Text(c, c.size() > kMaxContainerLine);
    return w.failed() ? 1 : 0;
  }
  std::string line;
  bool overlong = false;
  for (int c = std::fgetc(in);; c = std::fgetc(in)) {
    if (c == EOF || c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (overlong || !Blank(line)) w.Text(line, overlong);
      if (c == EOF) break;
      line.clear();
      overlong = false;
      continue;
    }
    // Bytes beyond the bound are not kept: a hostile stream without newlines costs
    // bounded memory.
    if (line.size() < kMaxContainerLine) {
      line.push_back(static_cast<char>(c));
    } else {
      overlong = true;
    }
  }
  return w.failed() ? 1 : 0;
}

}  // namespace checkpoint::tools
