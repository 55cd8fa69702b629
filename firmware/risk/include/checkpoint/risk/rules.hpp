#pragma once
// The declarative rules engine: risk rules are data (JSON bundles published by HQ),
// not code. A bundle is parsed, type-checked against the field catalogue (facts.hpp)
// and compiled once; evaluation then walks the compiled conditions over a Facts
// record in microseconds, with no name lookups and no allocation unless a rule fires.
//
// Bundle format, condition language and semantics: docs/risk/rules.md (JSON Schema
// docs/risk/rule-bundle.schema.json); the reasons: docs/adr/0007-rules-as-data.md.
//
// Pure: no I/O, no clock. The reference time is passed in; history counts go
// through the HistoryProvider the caller supplies.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/risk/facts.hpp"

namespace checkpoint::risk {

enum class RulesErrc {
  kSyntax = 1,    // not JSON; the message names line and column
  kInvalid,       // JSON, but not a valid bundle; names line, column, JSON pointer, rule id
  kTooLarge,      // beyond kMaxBundleBytes or another limit below
  kStaleVersion,  // not newer than the active bundle (RuleEngine::Load)
  kNoBundle,      // RuleEngine::Evaluate before any bundle was loaded
};
const std::error_category& RulesCategory() noexcept;
std::error_condition make_error_condition(RulesErrc e) noexcept;

// Limits, so that a hostile or broken bundle cannot exhaust memory or stack.
inline constexpr std::size_t kMaxBundleBytes = 1 << 20;
inline constexpr std::size_t kMaxJsonDepth = 64;  // of the JSON text itself
inline constexpr std::size_t kMaxRules = 1000;
inline constexpr std::size_t kMaxConditionDepth = 16;  // nested all / any / not
inline constexpr std::size_t kMaxNodesPerRule = 256;   // conditions and predicates
inline constexpr std::size_t kMaxSetLiteral = 1000;    // values in an "in" list
inline constexpr std::size_t kMaxStringLiteral = 256;  // bytes
inline constexpr int kMaxHistoryDays = 3650;

enum class Level : std::uint8_t { kClear, kSecondary, kAlert };
// "clear", "secondary", "alert".
std::string_view LevelName(Level l) noexcept;

enum class HistoryKind : std::uint8_t { kCrossings, kRefusals };
// "crossings", "refusals" (the names bundles use).
std::string_view HistoryKindName(HistoryKind k) noexcept;

struct HistoryQuery {
  HistoryKind kind = HistoryKind::kCrossings;
  Field key = Field::kDocumentNumber;  // a string field
  std::string_view value;              // the key's value in the facts being assessed
  std::int64_t since_ms = 0;           // inclusive, Unix ms UTC
  std::int64_t until_ms = 0;           // inclusive: the reference time
};

// The local history as the rules see it; the store implements it. Evaluate calls it
// on the caller's thread, at most once per distinct (kind, key, days) per
// evaluation, and only for rules whose cheaper predicates did not already decide.
class HistoryProvider {
 public:
  virtual ~HistoryProvider() = default;
  // Recorded events of q.kind whose q.key field equalled q.value, with time in
  // [since_ms, until_ms]. The inspection being assessed is not yet recorded. An
  // error makes the predicate false and adds a warning to the assessment.
  virtual Expected<std::int64_t> Count(const HistoryQuery& q) = 0;
};

// A provider with no history: every count is 0.
class NoHistory final : public HistoryProvider {
 public:
  Expected<std::int64_t> Count(const HistoryQuery&) override { return std::int64_t{0}; }
};

// What made a rule fire: a field name (or a derived operand such as
// "relativeDeviation(cargo.measuredWeightKg, cargo.declaredWeightKg)" or
// "count(crossings, document.number, 30d)") and its value as text (FormatFactValue).
struct Evidence {
  std::string field;
  std::string value;
  bool operator==(const Evidence&) const = default;
};

struct Reason {
  std::string rule_id;
  std::string description;
  std::string category;
  double weight = 0;
  Level forced = Level::kClear;  // the level the rule forces at least (kClear: none)
  std::vector<Evidence> evidence;
};

struct Assessment {
  double score = 0;  // sum of the weights of the rules that fired
  Level level = Level::kClear;
  // Weight descending; equal weights in bundle order. Deterministic.
  std::vector<Reason> reasons;
  std::int64_t bundle_version = 0;
  // Conditions that could not be evaluated, e.g. "history crossings unavailable: ...".
  std::vector<std::string> warnings;
};

struct BundleInfo {
  std::int64_t version = 0;
  std::string issued_at;  // as written in the bundle (RFC 3339)
  double secondary = 0;   // score thresholds
  double alert = 0;
  std::size_t rules = 0;          // all rules, enabled or not
  std::size_t enabled_rules = 0;  // rules that are evaluated
};

// A validated, compiled bundle. Immutable; safe to evaluate from many threads at once
// (the HistoryProvider passed in must then be thread-safe too).
class CompiledBundle {
 public:
  struct Program;  // private to the implementation
  CompiledBundle(BundleInfo info, std::unique_ptr<const Program> program);
  ~CompiledBundle();
  CompiledBundle(const CompiledBundle&) = delete;
  CompiledBundle& operator=(const CompiledBundle&) = delete;

  const BundleInfo& info() const noexcept { return info_; }
  // now_ms: the reference time (Unix ms UTC) for history windows.
  Assessment Evaluate(const Facts& facts, HistoryProvider& history, std::int64_t now_ms) const;

 private:
  BundleInfo info_;
  std::unique_ptr<const Program> program_;
};

// Parses, checks and compiles a whole bundle; any problem rejects all of it, with an
// Error (RulesCategory) naming the line and column, the JSON pointer and the rule id:
//   line 41, column 17, /rules/3/when/any/1/op (rule "cargo.weight"): unknown op "gte"
Expected<std::shared_ptr<const CompiledBundle>> CompileBundle(std::string_view json);

// Holds the active bundle. Readers (Evaluate, Active) never wait for a load: Load
// compiles outside any lock and then swaps one pointer; an evaluation that started
// on the old bundle finishes on it (it holds a reference). Thread-safe.
class RuleEngine {
 public:
  struct LoadOptions {
    // Accept a version that is not newer than the active one (an operator's
    // deliberate rollback). Off by default: HQ's versions only increase.
    bool allow_older = false;
  };

  // On error nothing changes: the active bundle (if any) stays in force.
  Expected<BundleInfo> Load(std::string_view json, LoadOptions options);
  Expected<BundleInfo> Load(std::string_view json) { return Load(json, LoadOptions{}); }
  Expected<BundleInfo> Install(std::shared_ptr<const CompiledBundle> bundle, LoadOptions options);

  // nullptr before the first successful load.
  std::shared_ptr<const CompiledBundle> Active() const;
  // kNoBundle before the first successful load.
  Expected<Assessment> Evaluate(const Facts& facts, HistoryProvider& history,
                                std::int64_t now_ms) const;

 private:
  std::atomic<std::shared_ptr<const CompiledBundle>> active_;
  std::mutex install_mutex_;  // serialises version check and swap; readers never take it
};

}  // namespace checkpoint::risk

template <>
struct std::is_error_condition_enum<checkpoint::risk::RulesErrc> : std::true_type {};
