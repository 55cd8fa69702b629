#include "checkpoint/risk/rules.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "rules_program.hpp"

namespace checkpoint::risk {

namespace {

class RulesCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "risk.rules"; }
  std::string message(int c) const override {
    switch (static_cast<RulesErrc>(c)) {
      case RulesErrc::kSyntax:
        return "rule bundle is not valid JSON";
      case RulesErrc::kInvalid:
        return "invalid rule bundle";
      case RulesErrc::kTooLarge:
        return "rule bundle beyond limits";
      case RulesErrc::kStaleVersion:
        return "rule bundle not newer than the active one";
      case RulesErrc::kNoBundle:
        return "no rule bundle loaded";
    }
    return "unknown rules error";
  }
};

using Program = CompiledBundle::Program;
using StringList = std::vector<std::string>;

bool InSorted(const StringList& sorted, const std::string& s) {
  return std::binary_search(sorted.begin(), sorted.end(), s);
}
bool InList(const StringList& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}
// Every element of a is in b (as sets: duplicates do not matter).
bool Subset(const StringList& a, const StringList& b, bool b_sorted) {
  for (const auto& e : a) {
    if (!(b_sorted ? InSorted(b, e) : InList(b, e))) return false;
  }
  return true;
}
bool Intersects(const StringList& a, const StringList& b, bool b_sorted) {
  for (const auto& e : a) {
    if (b_sorted ? InSorted(b, e) : InList(b, e)) return true;
  }
  return false;
}

bool Compare(Op op, double a, double b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    default:
      return false;
  }
}

struct MemoEntry {
  bool done = false;
  std::optional<std::int64_t> value;  // nullopt: key absent or history unavailable
};

// One evaluation's state. Evidence is gathered as predicate indices and rendered to
// text only for rules that fire.
class Evaluator {
 public:
  Evaluator(const Program& p, const Facts& f, HistoryProvider& h, std::int64_t now_ms,
            std::vector<std::string>& warnings)
      : p_(p), f_(f), h_(h), now_ms_(now_ms), warnings_(warnings), memo_(p.counts.size()) {}

  bool EvalNode(std::uint32_t index) {
    const auto& node = p_.nodes[index];
    switch (node.kind) {
      case NodeKind::kAll: {
        const std::size_t mark = evidence_.size();
        for (std::uint32_t c : node.children) {
          if (!EvalNode(c)) {
            evidence_.resize(mark);
            return false;
          }
        }
        return true;
      }
      case NodeKind::kAny:
        for (std::uint32_t c : node.children) {
          const std::size_t mark = evidence_.size();
          if (EvalNode(c)) return true;
          evidence_.resize(mark);
        }
        return false;
      case NodeKind::kNot: {
        const std::size_t mark = evidence_.size();
        const bool inner = EvalNode(node.children.front());
        evidence_.resize(mark);
        if (inner) return false;
        evidence_.insert(evidence_.end(), node.predicates_below.begin(),
                         node.predicates_below.end());
        return true;
      }
      case NodeKind::kPredicate:
        if (!EvalPredicate(p_.predicates[node.predicate])) return false;
        evidence_.push_back(node.predicate);
        return true;
    }
    return false;
  }

  std::vector<std::uint32_t>& evidence() { return evidence_; }

  // Renders the evidence of a fired rule: each operand once, in evaluation order.
  std::vector<Evidence> Render() {
    std::vector<Evidence> out;
    auto add = [&out](std::string field, std::string value) {
      for (const auto& e : out) {
        if (e.field == field) return;
      }
      out.push_back(Evidence{.field = std::move(field), .value = std::move(value)});
    };
    auto add_field = [&](Field fld) {
      add(std::string(Info(fld).name), FormatFactValue(f_.Get(fld)));
    };
    for (std::uint32_t pi : evidence_) {
      const auto& pr = p_.predicates[pi];
      const Operand& o = pr.lhs;
      switch (o.kind) {
        case OperandKind::kField:
          add_field(o.field);
          break;
        case OperandKind::kDeviation: {
          const auto d = Deviation(o);
          add(std::string(o.relative ? "relativeDeviation(" : "deviation(") +
                  std::string(Info(o.field).name) + ", " + std::string(Info(o.from).name) + ")",
              d ? FormatNumber(*d) : "absent");
          add_field(o.field);
          add_field(o.from);
          break;
        }
        case OperandKind::kCount: {
          // Under a "not", the count may not have been needed to decide; it is
          // queried now so that the evidence shows a real value.
          const auto n = Count(o);
          add("count(" + std::string(HistoryKindName(o.history)) + ", " +
                  std::string(Info(o.field).name) + ", " + std::to_string(o.days) + "d)",
              n ? FormatNumber(*n) : "unavailable");
          add_field(o.field);
          break;
        }
      }
      if (pr.value_kind == ValueKind::kFieldRef) add_field(pr.ref);
    }
    return out;
  }

 private:
  std::optional<double> Deviation(const Operand& o) const {
    const double* a = f_.Number(o.field);
    const double* b = f_.Number(o.from);
    if (!a || !b) return std::nullopt;
    const double diff = std::fabs(*a - *b);
    if (!o.relative) return diff;
    if (*b == 0) return diff == 0 ? 0.0 : HUGE_VAL;
    return diff / std::fabs(*b);
  }

  std::optional<double> Count(const Operand& o) {
    MemoEntry& m = memo_[o.memo];
    if (!m.done) {
      m.done = true;
      const std::string* key = f_.String(o.field);
      if (key) {
        const std::int64_t window = std::int64_t{o.days} * 86'400'000;
        auto r = h_.Count(HistoryQuery{.kind = o.history,
                                       .key = o.field,
                                       .value = *key,
                                       .since_ms = now_ms_ - window,
                                       .until_ms = now_ms_});
        if (r) {
          m.value = *r;
        } else {
          warnings_.push_back("history " + std::string(HistoryKindName(o.history)) + " by " +
                              std::string(Info(o.field).name) +
                              " unavailable: " + r.error().message());
        }
      }
    }
    if (!m.value) return std::nullopt;
    return static_cast<double>(*m.value);
  }

  std::optional<double> NumberOperand(const Operand& o) {
    switch (o.kind) {
      case OperandKind::kField:
        if (const double* v = f_.Number(o.field)) return *v;
        return std::nullopt;
      case OperandKind::kDeviation:
        return Deviation(o);
      case OperandKind::kCount:
        return Count(o);
    }
    return std::nullopt;
  }

  bool NumberPredicate(const Predicate& pr, double v) {
    switch (pr.op) {
      case Op::kIn:
        return std::binary_search(pr.numbers.begin(), pr.numbers.end(), v);
      case Op::kNotIn:
        return !std::binary_search(pr.numbers.begin(), pr.numbers.end(), v);
      case Op::kBetween:
        return v >= pr.number && v <= pr.high;
      default:
        break;
    }
    double rhs = pr.number;
    if (pr.value_kind == ValueKind::kFieldRef) {
      const double* r = f_.Number(pr.ref);
      if (!r) return false;
      rhs = *r;
    }
    return Compare(pr.op, v, rhs);
  }

  bool StringPredicate(const Predicate& pr, const std::string& v) {
    switch (pr.op) {
      case Op::kEq:
      case Op::kNe: {
        const std::string* rhs = &pr.text;
        if (pr.value_kind == ValueKind::kFieldRef) {
          rhs = f_.String(pr.ref);
          if (!rhs) return false;
        }
        return (v == *rhs) == (pr.op == Op::kEq);
      }
      case Op::kIn:
      case Op::kNotIn: {
        bool in = false;
        if (pr.value_kind == ValueKind::kFieldRef) {
          const StringList* list = f_.List(pr.ref);
          if (!list) return false;
          in = InList(*list, v);
        } else {
          in = InSorted(pr.strings, v);
        }
        return in == (pr.op == Op::kIn);
      }
      default:
        return false;
    }
  }

  bool ListPredicate(const Predicate& pr, const StringList& v) {
    switch (pr.op) {
      case Op::kContains:
        return InList(v, pr.text);
      case Op::kEmpty:
        return v.empty();
      case Op::kNotEmpty:
        return !v.empty();
      default:
        break;
    }
    const StringList* other = &pr.strings;
    const bool sorted = pr.value_kind != ValueKind::kFieldRef;
    if (!sorted) {
      other = f_.List(pr.ref);
      if (!other) return false;
    }
    switch (pr.op) {
      case Op::kIntersects:
        return Intersects(v, *other, sorted);
      case Op::kSubsetOf:
        return Subset(v, *other, sorted);
      case Op::kNotSubsetOf:
        return !Subset(v, *other, sorted);
      case Op::kSameSet:
        return Subset(v, *other, sorted) && Subset(*other, v, false);
      case Op::kNotSameSet:
        return !(Subset(v, *other, sorted) && Subset(*other, v, false));
      default:
        return false;
    }
  }

  bool EvalPredicate(const Predicate& pr) {
    if (pr.lhs.kind == OperandKind::kField) {
      const bool present = f_.Has(pr.lhs.field);
      if (pr.op == Op::kExists) return present;
      if (pr.op == Op::kAbsent) return !present;
      if (!present) return false;
    }
    switch (pr.lhs_type) {
      case FieldType::kNumber: {
        const auto v = NumberOperand(pr.lhs);
        return v && NumberPredicate(pr, *v);
      }
      case FieldType::kString:
        return StringPredicate(pr, *f_.String(pr.lhs.field));
      case FieldType::kBool: {
        const bool v = *f_.Bool(pr.lhs.field);
        switch (pr.op) {
          case Op::kIsTrue:
            return v;
          case Op::kIsFalse:
            return !v;
          case Op::kEq:
            return v == pr.flag;
          case Op::kNe:
            return v != pr.flag;
          default:
            return false;
        }
      }
      case FieldType::kStringList:
        return ListPredicate(pr, *f_.List(pr.lhs.field));
    }
    return false;
  }

  const Program& p_;
  const Facts& f_;
  HistoryProvider& h_;
  std::int64_t now_ms_;
  std::vector<std::string>& warnings_;
  std::vector<MemoEntry> memo_;
  std::vector<std::uint32_t> evidence_;
};

}  // namespace

const std::error_category& RulesCategory() noexcept {
  static const RulesCategoryImpl category;
  return category;
}

std::error_condition make_error_condition(RulesErrc e) noexcept {
  return {static_cast<int>(e), RulesCategory()};
}

std::string_view LevelName(Level l) noexcept {
  switch (l) {
    case Level::kClear:
      return "clear";
    case Level::kSecondary:
      return "secondary";
    case Level::kAlert:
      return "alert";
  }
  return "?";
}

std::string_view HistoryKindName(HistoryKind k) noexcept {
  switch (k) {
    case HistoryKind::kCrossings:
      return "crossings";
    case HistoryKind::kRefusals:
      return "refusals";
  }
  return "?";
}

CompiledBundle::CompiledBundle(BundleInfo info, std::unique_ptr<const Program> program)
    : info_(std::move(info)), program_(std::move(program)) {}

CompiledBundle::~CompiledBundle() = default;

Assessment CompiledBundle::Evaluate(const Facts& facts, HistoryProvider& history,
                                    std::int64_t now_ms) const {
  Assessment a;
  a.bundle_version = info_.version;
  Evaluator ev(*program_, facts, history, now_ms, a.warnings);
  Level forced = Level::kClear;
  for (const auto& rule : program_->rules) {
    if (!rule.enabled) continue;
    ev.evidence().clear();
    if (!ev.EvalNode(rule.root)) continue;
    a.score += rule.weight;
    forced = std::max(forced, rule.forced);
    a.reasons.push_back(Reason{.rule_id = rule.id,
                               .description = rule.description,
                               .category = rule.category,
                               .weight = rule.weight,
                               .forced = rule.forced,
                               .evidence = ev.Render()});
  }
  Level by_score = Level::kClear;
  if (a.score >= info_.alert) {
    by_score = Level::kAlert;
  } else if (a.score >= info_.secondary) {
    by_score = Level::kSecondary;
  }
  a.level = std::max(by_score, forced);
  std::stable_sort(a.reasons.begin(), a.reasons.end(),
                   [](const Reason& x, const Reason& y) { return x.weight > y.weight; });
  return a;
}

Expected<BundleInfo> RuleEngine::Load(std::string_view json, LoadOptions options) {
  auto compiled = CompileBundle(json);
  if (!compiled) return std::move(compiled).error();
  return Install(std::move(*compiled), options);
}

Expected<BundleInfo> RuleEngine::Install(std::shared_ptr<const CompiledBundle> bundle,
                                         LoadOptions options) {
  if (!bundle) return Error(make_error_condition(RulesErrc::kNoBundle), "no bundle to install");
  std::lock_guard lock(install_mutex_);
  const auto current = active_.load(std::memory_order_acquire);
  if (current && !options.allow_older && bundle->info().version <= current->info().version) {
    return Error(make_error_condition(RulesErrc::kStaleVersion),
                 "bundle version " + std::to_string(bundle->info().version) +
                     " is not newer than the active version " +
                     std::to_string(current->info().version));
  }
  BundleInfo info = bundle->info();
  active_.store(std::move(bundle), std::memory_order_release);
  return info;
}

std::shared_ptr<const CompiledBundle> RuleEngine::Active() const {
  return active_.load(std::memory_order_acquire);
}

Expected<Assessment> RuleEngine::Evaluate(const Facts& facts, HistoryProvider& history,
                                          std::int64_t now_ms) const {
  const auto bundle = Active();
  if (!bundle) return Error(make_error_condition(RulesErrc::kNoBundle), "no rule bundle loaded");
  return bundle->Evaluate(facts, history, now_ms);
}

}  // namespace checkpoint::risk
