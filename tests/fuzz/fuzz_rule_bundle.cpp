// Any bytes as a rule bundle: compiling must succeed or fail with a RulesCategory
// error that has a message, never crash; a bundle that compiles must evaluate on an
// empty and on a full Facts (and with a failing history) without crashing, with a
// level consistent with its score and reasons sorted by weight.
#include <cstdint>
#include <string_view>

#include "checkpoint/risk/rules.hpp"

using namespace checkpoint::risk;

namespace {

class FuzzHistory final : public HistoryProvider {
 public:
  explicit FuzzHistory(bool fail) : fail_(fail) {}
  checkpoint::Expected<std::int64_t> Count(const HistoryQuery& q) override {
    if (q.since_ms > q.until_ms) __builtin_trap();
    if (fail_) return checkpoint::MakeError(checkpoint::CommonErrc::kUnavailable, "down");
    return static_cast<std::int64_t>(q.value.size());
  }

 private:
  bool fail_;
};

Facts Full() {
  Facts f;
  for (const auto& info : Catalogue()) {
    switch (info.type) {
      case FieldType::kNumber:
        (void)f.Set(info.name, 17.0);
        break;
      case FieldType::kString:
        (void)f.Set(info.name, std::string(info.allowed.empty() ? "FRA" : info.allowed[1]));
        break;
      case FieldType::kBool:
        (void)f.Set(info.name, true);
        break;
      case FieldType::kStringList:
        (void)f.Set(info.name, std::vector<std::string>{"A", "FRA"});
        break;
    }
  }
  return f;
}

void Check(const Assessment& a, const CompiledBundle& b) {
  if (a.bundle_version != b.info().version) __builtin_trap();
  for (std::size_t i = 0; i < a.reasons.size(); ++i) {
    if (i > 0 && a.reasons[i - 1].weight < a.reasons[i].weight) __builtin_trap();
  }
  if (a.reasons.size() > b.info().enabled_rules) __builtin_trap();
  if (a.level == Level::kClear && a.score >= b.info().secondary) __builtin_trap();
  if (a.reasons.empty() && a.level != Level::kClear) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto b = CompileBundle(text);
  if (!b) {
    if (b.error().code().category() != RulesCategory()) __builtin_trap();
    if (b.error().message().empty()) __builtin_trap();
    return 0;
  }
  static const Facts kFull = Full();
  const CompiledBundle& bundle = **b;
  FuzzHistory ok(false), down(true);
  Check(bundle.Evaluate(Facts{}, ok, 1'800'000'000'000), bundle);
  Check(bundle.Evaluate(kFull, ok, 1'800'000'000'000), bundle);
  Check(bundle.Evaluate(kFull, down, 0), bundle);
  return 0;
}
