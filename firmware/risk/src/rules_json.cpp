// The bundle compiler: JSON text → CompiledBundle, checking everything first.
// nlohmann::json exceptions and the compiler's own Failure stay inside this file.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "checkpoint/common/text.hpp"
#include "checkpoint/risk/rules.hpp"
#include "rules_json_text.hpp"
#include "rules_program.hpp"

namespace checkpoint::risk {

namespace {

using json = nlohmann::json;
using Program = CompiledBundle::Program;

struct Failure {
  RulesErrc code = RulesErrc::kInvalid;
  std::string pointer;
  std::string message;
};

struct OpSpec {
  std::string_view name;
  Op op;
};
constexpr OpSpec kOps[] = {
    {"eq", Op::kEq},
    {"ne", Op::kNe},
    {"lt", Op::kLt},
    {"le", Op::kLe},
    {"gt", Op::kGt},
    {"ge", Op::kGe},
    {"in", Op::kIn},
    {"notIn", Op::kNotIn},
    {"between", Op::kBetween},
    {"exists", Op::kExists},
    {"absent", Op::kAbsent},
    {"contains", Op::kContains},
    {"isTrue", Op::kIsTrue},
    {"isFalse", Op::kIsFalse},
    {"empty", Op::kEmpty},
    {"notEmpty", Op::kNotEmpty},
    {"intersects", Op::kIntersects},
    {"subsetOf", Op::kSubsetOf},
    {"notSubsetOf", Op::kNotSubsetOf},
    {"sameSet", Op::kSameSet},
    {"notSameSet", Op::kNotSameSet},
};

bool OpTakesNoValue(Op op) {
  return op == Op::kExists || op == Op::kAbsent || op == Op::kIsTrue || op == Op::kIsFalse ||
         op == Op::kEmpty || op == Op::kNotEmpty;
}

bool OpAppliesTo(Op op, FieldType type, bool derived) {
  if (derived) {  // deviation and count: numbers that are never absent by themselves
    return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
           op == Op::kGe || op == Op::kBetween || op == Op::kIn || op == Op::kNotIn;
  }
  if (op == Op::kExists || op == Op::kAbsent) return true;
  switch (type) {
    case FieldType::kNumber:
      return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
             op == Op::kGe || op == Op::kBetween || op == Op::kIn || op == Op::kNotIn;
    case FieldType::kString:
      return op == Op::kEq || op == Op::kNe || op == Op::kIn || op == Op::kNotIn;
    case FieldType::kBool:
      return op == Op::kIsTrue || op == Op::kIsFalse || op == Op::kEq || op == Op::kNe;
    case FieldType::kStringList:
      return op == Op::kContains || op == Op::kEmpty || op == Op::kNotEmpty ||
             op == Op::kIntersects || op == Op::kSubsetOf || op == Op::kNotSubsetOf ||
             op == Op::kSameSet || op == Op::kNotSameSet;
  }
  return false;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A JSON value's kind, for "must be a number, not a string".
std::string_view KindOf(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "something else";
  }
}

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool ValidRuleId(std::string_view s) {
  if (s.empty() || s.size() > 64 || !IdChar(s[0]) || s[0] == '.' || s[0] == '-' || s[0] == '_')
    return false;
  return std::all_of(s.begin(), s.end(), IdChar);
}

bool ValidCategory(std::string_view s) {
  if (s.empty() || s.size() > 32 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM). Shape only.
bool ValidTimestamp(std::string_view s) {
  auto digits = [&s](std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  auto is = [&s](std::size_t at, char c) { return at < s.size() && s[at] == c; };
  if (!(digits(0, 4) && is(4, '-') && digits(5, 2) && is(7, '-') && digits(8, 2) &&
        (is(10, 'T') || is(10, 't')) && digits(11, 2) && is(13, ':') && digits(14, 2) &&
        is(16, ':') && digits(17, 2)))
    return false;
  std::size_t i = 19;
  if (is(i, '.')) {
    ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (is(i, 'Z') || is(i, 'z')) return i + 1 == s.size();
  if (is(i, '+') || is(i, '-'))
    return digits(i + 1, 2) && is(i + 3, ':') && digits(i + 4, 2) && i + 6 == s.size();
  return false;
}

class Compiler {
 public:
  std::unique_ptr<Program> Compile(const json& root, BundleInfo& info) {
    Object(root, "", "a rule bundle");
    Keys(root, "", {"format", "version", "issuedAt", "levels", "rules", "description"});
    const json& format = Require(root, "", "format");
    if (!format.is_number_integer() || format.get<std::int64_t>() != 1) {
      Fail("/format", "unsupported format " + format.dump() + " (this firmware reads format 1)");
    }
    const json& version = Require(root, "", "version");
    if (!version.is_number_integer() || version.get<std::int64_t>() < 1 ||
        version.get<std::int64_t>() > (std::int64_t{1} << 53)) {
      Fail("/version", "must be an integer from 1 to 2^53");
    }
    info.version = version.get<std::int64_t>();
    const json& issued = Require(root, "", "issuedAt");
    if (!issued.is_string() || !ValidTimestamp(issued.get_ref<const std::string&>())) {
      Fail("/issuedAt", "must be an RFC 3339 date-time such as \"2026-12-01T08:00:00Z\"");
    }
    info.issued_at = issued.get<std::string>();
    if (root.contains("description")) String(root["description"], "/description", 500);

    const json& levels = Require(root, "", "levels");
    Object(levels, "/levels", "levels");
    Keys(levels, "/levels", {"secondary", "alert"});
    info.secondary = Number(Require(levels, "/levels", "secondary"), "/levels/secondary");
    info.alert = Number(Require(levels, "/levels", "alert"), "/levels/alert");
    if (info.secondary <= 0 || info.secondary > 1e6) {
      Fail("/levels/secondary", "must be greater than 0 and at most 1000000");
    }
    if (info.alert < info.secondary || info.alert > 1e6) {
      Fail("/levels/alert", "must be at least levels.secondary (" + FormatNumber(info.secondary) +
                                ") and at most 1000000");
    }

    const json& rules = Require(root, "", "rules");
    if (!rules.is_array()) Fail("/rules", "must be an array of rules");
    if (rules.empty()) Fail("/rules", "a bundle needs at least one rule");
    if (rules.size() > kMaxRules) {
      Fail("/rules", "more than " + std::to_string(kMaxRules) + " rules", RulesErrc::kTooLarge);
    }
    std::map<std::string, std::size_t, std::less<>> ids;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      Rule(rules[i], "/rules/" + std::to_string(i), ids, i);
    }
    info.rules = program_->rules.size();
    info.enabled_rules = static_cast<std::size_t>(std::count_if(
        program_->rules.begin(), program_->rules.end(), [](const auto& r) { return r.enabled; }));
    return std::move(program_);
  }

  const std::string& rule_id() const { return rule_id_; }

 private:
  [[noreturn]] void Fail(std::string pointer, std::string message,
                         RulesErrc code = RulesErrc::kInvalid) const {
    throw Failure{.code = code, .pointer = std::move(pointer), .message = std::move(message)};
  }

  void Object(const json& j, const std::string& ptr, std::string_view what) const {
    if (!j.is_object()) {
      Fail(ptr, std::string(what) + " must be an object, not " + std::string(KindOf(j)));
    }
  }

  void Keys(const json& j, const std::string& ptr,
            std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Fail(ptr + "/" + json_text::EscapePointerToken(key),
             "unknown key " + Quote(key) + " (expected " + list + ")");
      }
    }
  }

  const json& Require(const json& j, const std::string& ptr, const char* key) const {
    const auto it = j.find(key);
    if (it == j.end()) Fail(ptr, "missing key \"" + std::string(key) + "\"");
    return *it;
  }

  double Number(const json& j, const std::string& ptr) const {
    if (!j.is_number()) Fail(ptr, "must be a number, not " + std::string(KindOf(j)));
    const double d = j.get<double>();
    if (!std::isfinite(d)) Fail(ptr, "must be a finite number");
    return d;
  }

  std::string String(const json& j, const std::string& ptr, std::size_t max) const {
    if (!j.is_string()) Fail(ptr, "must be a string, not " + std::string(KindOf(j)));
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > max) {
      Fail(ptr, "string longer than " + std::to_string(max) + " bytes", RulesErrc::kTooLarge);
    }
    return s;
  }

  Field FieldName(const json& j, const std::string& ptr) const {
    if (!j.is_string()) Fail(ptr, "a field name must be a string, not " + std::string(KindOf(j)));
    const auto& name = j.get_ref<const std::string&>();
    const auto f = FindField(name);
    if (!f) Fail(ptr, "unknown field " + Quote(name) + " (see docs/risk/rules.md)");
    return *f;
  }

  void Rule(const json& j, const std::string& ptr,
            std::map<std::string, std::size_t, std::less<>>& ids, std::size_t index) {
    rule_id_.clear();
    Object(j, ptr, "a rule");
    // The id first, so that every later message names the rule.
    const json& id = Require(j, ptr, "id");
    if (!id.is_string() || !ValidRuleId(id.get_ref<const std::string&>())) {
      Fail(ptr + "/id",
           "a rule id is 1 to 64 characters A-Z a-z 0-9 _ . -, starting with a letter or digit");
    }
    rule_id_ = id.get<std::string>();
    if (const auto [it, inserted] = ids.emplace(rule_id_, index); !inserted) {
      Fail(ptr + "/id", "duplicate rule id (first at /rules/" + std::to_string(it->second) + ")");
    }
    Keys(j, ptr, {"id", "description", "category", "weight", "when", "level", "enabled"});
    CompiledRule rule;
    rule.id = rule_id_;
    rule.description = String(Require(j, ptr, "description"), ptr + "/description", 500);
    if (rule.description.empty()) Fail(ptr + "/description", "must not be empty");
    rule.category = String(Require(j, ptr, "category"), ptr + "/category", 32);
    if (!ValidCategory(rule.category)) {
      Fail(ptr + "/category",
           "a category is 1 to 32 characters a-z 0-9 _ -, starting with a letter");
    }
    rule.weight = Number(Require(j, ptr, "weight"), ptr + "/weight");
    if (rule.weight < 0 || rule.weight > 1000) Fail(ptr + "/weight", "must be from 0 to 1000");
    if (j.contains("level")) {
      const json& level = j["level"];
      if (level == "secondary") {
        rule.forced = Level::kSecondary;
      } else if (level == "alert") {
        rule.forced = Level::kAlert;
      } else {
        Fail(ptr + "/level", "must be \"secondary\" or \"alert\"");
      }
    }
    if (j.contains("enabled")) {
      if (!j["enabled"].is_boolean()) Fail(ptr + "/enabled", "must be true or false");
      rule.enabled = j["enabled"].get<bool>();
    }
    nodes_in_rule_ = 0;
    rule.root = Condition(Require(j, ptr, "when"), ptr + "/when", 1);
    program_->rules.push_back(std::move(rule));
  }

  std::uint32_t NewNode(const std::string& ptr) {
    if (++nodes_in_rule_ > kMaxNodesPerRule) {
      Fail(ptr, "more than " + std::to_string(kMaxNodesPerRule) + " conditions in one rule",
           RulesErrc::kTooLarge);
    }
    program_->nodes.emplace_back();
    return static_cast<std::uint32_t>(program_->nodes.size() - 1);
  }

  std::uint32_t Condition(const json& j, const std::string& ptr, std::size_t depth) {
    if (depth > kMaxConditionDepth) {
      Fail(ptr, "conditions nested deeper than " + std::to_string(kMaxConditionDepth),
           RulesErrc::kTooLarge);
    }
    if (!j.is_object()) {
      Fail(ptr, "a condition must be an object (all, any, not or a predicate), not " +
                    std::string(KindOf(j)));
    }
    const bool all = j.contains("all"), any = j.contains("any"), neg = j.contains("not");
    if (all + any + neg == 0) return PredicateNode(j, ptr);
    if (all + any + neg > 1 || j.size() != 1) {
      Fail(ptr, "a condition has exactly one of \"all\", \"any\", \"not\" or is a predicate");
    }
    const std::uint32_t index = NewNode(ptr);
    std::vector<std::uint32_t> children;
    bool uses_history = false;
    NodeKind kind = NodeKind::kNot;
    if (neg) {
      const std::uint32_t c = Condition(j["not"], ptr + "/not", depth + 1);
      children.push_back(c);
      uses_history = program_->nodes[c].uses_history;
    } else {
      kind = all ? NodeKind::kAll : NodeKind::kAny;
      const char* key = all ? "all" : "any";
      const json& list = j[key];
      const std::string lptr = ptr + "/" + key;
      if (!list.is_array() || list.empty()) Fail(lptr, "must be a non-empty array of conditions");
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::uint32_t c = Condition(list[i], lptr + "/" + std::to_string(i), depth + 1);
        children.push_back(c);
        uses_history |= program_->nodes[c].uses_history;
      }
      // History counts may cost a store query: evaluate them after cheaper siblings
      // (the conditions are pure, so the order changes nothing but the cost).
      std::stable_partition(children.begin(), children.end(),
                            [this](std::uint32_t c) { return !program_->nodes[c].uses_history; });
    }
    Node& node = program_->nodes[index];
    node.kind = kind;
    node.children = std::move(children);
    node.uses_history = uses_history;
    if (kind == NodeKind::kNot) {
      std::vector<std::uint32_t> below;
      CollectPredicates(node.children.front(), below);
      program_->nodes[index].predicates_below = std::move(below);
    }
    return index;
  }

  void CollectPredicates(std::uint32_t n, std::vector<std::uint32_t>& out) const {
    const Node& node = program_->nodes[n];
    if (node.kind == NodeKind::kPredicate) {
      out.push_back(node.predicate);
      return;
    }
    for (std::uint32_t c : node.children) CollectPredicates(c, out);
  }

  std::uint32_t CountSlotFor(HistoryKind kind, Field key, int days) {
    auto& counts = program_->counts;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      if (counts[i].kind == kind && counts[i].key == key && counts[i].days == days) {
        return static_cast<std::uint32_t>(i);
      }
    }
    counts.push_back(CountSlot{.kind = kind, .key = key, .days = days});
    return static_cast<std::uint32_t>(counts.size() - 1);
  }

  std::uint32_t PredicateNode(const json& j, const std::string& ptr) {
    const std::uint32_t index = NewNode(ptr);
    const int lhs_keys = j.contains("field") + j.contains("deviation") + j.contains("count");
    if (lhs_keys != 1) {
      Fail(ptr, lhs_keys == 0
                    ? "a condition needs \"all\", \"any\", \"not\", \"field\", "
                      "\"deviation\" or \"count\""
                    : "a predicate has exactly one of \"field\", \"deviation\", \"count\"");
    }
    Predicate p;
    bool derived = true;
    std::string what;  // for messages: "string field \"document.number\"", "a deviation"
    if (j.contains("field")) {
      Keys(j, ptr, {"field", "op", "value"});
      derived = false;
      p.lhs.kind = OperandKind::kField;
      p.lhs.field = FieldName(j["field"], ptr + "/field");
      p.lhs_type = Info(p.lhs.field).type;
      what = std::string(FieldTypeName(p.lhs_type)) + " field " + Quote(Info(p.lhs.field).name);
    } else if (j.contains("deviation")) {
      Keys(j, ptr, {"deviation", "op", "value"});
      const json& d = j["deviation"];
      const std::string dptr = ptr + "/deviation";
      Object(d, dptr, "a deviation");
      Keys(d, dptr, {"field", "from", "mode"});
      p.lhs.kind = OperandKind::kDeviation;
      p.lhs.field = NumberFieldName(Require(d, dptr, "field"), dptr + "/field");
      p.lhs.from = NumberFieldName(Require(d, dptr, "from"), dptr + "/from");
      const json& mode = Require(d, dptr, "mode");
      if (mode == "relative") {
        p.lhs.relative = true;
      } else if (mode != "absolute") {
        Fail(dptr + "/mode", "must be \"relative\" or \"absolute\"");
      }
      p.lhs_type = FieldType::kNumber;
      what = "a deviation";
    } else {
      Keys(j, ptr, {"count", "op", "value"});
      const json& c = j["count"];
      const std::string cptr = ptr + "/count";
      Object(c, cptr, "a count");
      Keys(c, cptr, {"history", "key", "days"});
      p.lhs.kind = OperandKind::kCount;
      const json& history = Require(c, cptr, "history");
      if (history == "crossings") {
        p.lhs.history = HistoryKind::kCrossings;
      } else if (history == "refusals") {
        p.lhs.history = HistoryKind::kRefusals;
      } else {
        Fail(cptr + "/history", "must be \"crossings\" or \"refusals\"");
      }
      p.lhs.field = FieldName(Require(c, cptr, "key"), cptr + "/key");
      if (Info(p.lhs.field).type != FieldType::kString) {
        Fail(cptr + "/key", "a history key must be a string field; " +
                                Quote(Info(p.lhs.field).name) + " is a " +
                                std::string(FieldTypeName(Info(p.lhs.field).type)));
      }
      const json& days = Require(c, cptr, "days");
      if (!days.is_number_integer() || days.get<std::int64_t>() < 1 ||
          days.get<std::int64_t>() > kMaxHistoryDays) {
        Fail(cptr + "/days", "must be an integer from 1 to " + std::to_string(kMaxHistoryDays));
      }
      p.lhs.days = static_cast<int>(days.get<std::int64_t>());
      p.lhs.memo = CountSlotFor(p.lhs.history, p.lhs.field, p.lhs.days);
      p.lhs_type = FieldType::kNumber;
      what = "a count";
      program_->nodes[index].uses_history = true;
    }

    const json& op_json = Require(j, ptr, "op");
    const std::string optr = ptr + "/op";
    if (!op_json.is_string()) Fail(optr, "must be a string, not " + std::string(KindOf(op_json)));
    const auto& op_name = op_json.get_ref<const std::string&>();
    const auto spec = std::find_if(std::begin(kOps), std::end(kOps),
                                   [&](const OpSpec& s) { return s.name == op_name; });
    if (spec == std::end(kOps)) Fail(optr, "unknown op " + Quote(op_name));
    p.op = spec->op;
    if (!OpAppliesTo(p.op, p.lhs_type, derived)) {
      Fail(optr, "op " + Quote(op_name) + " does not apply to " + what);
    }

    const std::string vptr = ptr + "/value";
    if (OpTakesNoValue(p.op)) {
      if (j.contains("value")) Fail(vptr, "op " + Quote(op_name) + " takes no value");
    } else {
      if (!j.contains("value")) Fail(ptr, "op " + Quote(op_name) + " needs a \"value\"");
      Value(p, j["value"], vptr, op_name);
    }
    program_->predicates.push_back(std::move(p));
    Node& node = program_->nodes[index];
    node.kind = NodeKind::kPredicate;
    node.predicate = static_cast<std::uint32_t>(program_->predicates.size() - 1);
    return index;
  }

  Field NumberFieldName(const json& j, const std::string& ptr) const {
    const Field f = FieldName(j, ptr);
    if (Info(f).type != FieldType::kNumber) {
      Fail(ptr, "a deviation compares number fields; " + Quote(Info(f).name) + " is a " +
                    std::string(FieldTypeName(Info(f).type)));
    }
    return f;
  }

  // A string literal compared with a field: bounded, and one of the field's values
  // when the field has a closed set (a typo such as "pased" would never match).
  std::string StringLiteral(const json& j, const std::string& ptr, const Predicate& p) const {
    std::string s = String(j, ptr, kMaxStringLiteral);
    if (p.lhs.kind == OperandKind::kField) {
      const auto allowed = Info(p.lhs.field).allowed;
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Fail(ptr,
             Quote(s) + " is not a value of " + Quote(Info(p.lhs.field).name) + " (" + list + ")");
      }
    }
    return s;
  }

  void Value(Predicate& p, const json& v, const std::string& ptr, const std::string& op_name) {
    // A reference to another field of the same inspection: {"field": "seal.expected"}.
    if (v.is_object()) {
      Keys(v, ptr, {"field"});
      const Field ref = FieldName(Require(v, ptr, "field"), ptr + "/field");
      const FieldType rt = Info(ref).type;
      FieldType want = p.lhs_type;
      bool ok = true;
      if (p.op == Op::kIn || p.op == Op::kNotIn) {
        ok = p.lhs_type == FieldType::kString;  // a string in a list field
        want = FieldType::kStringList;
      } else if (p.op == Op::kBetween || p.op == Op::kContains) {
        ok = false;
      }
      if (!ok) Fail(ptr, "op " + Quote(op_name) + " cannot take a field reference here");
      if (rt != want) {
        Fail(ptr + "/field", "expected a " + std::string(FieldTypeName(want)) + " field; " +
                                 Quote(Info(ref).name) + " is a " + std::string(FieldTypeName(rt)));
      }
      p.value_kind = ValueKind::kFieldRef;
      p.ref = ref;
      return;
    }
    switch (p.lhs_type) {
      case FieldType::kNumber:
        if (p.op == Op::kBetween) {
          if (!v.is_array() || v.size() != 2) Fail(ptr, "between needs [low, high]");
          p.number = Number(v[0], ptr + "/0");
          p.high = Number(v[1], ptr + "/1");
          if (p.number > p.high) Fail(ptr, "between needs low <= high");
          p.value_kind = ValueKind::kRange;
        } else if (p.op == Op::kIn || p.op == Op::kNotIn) {
          SetLiteral(v, ptr);
          for (std::size_t i = 0; i < v.size(); ++i) {
            p.numbers.push_back(Number(v[i], ptr + "/" + std::to_string(i)));
          }
          std::sort(p.numbers.begin(), p.numbers.end());
          p.numbers.erase(std::unique(p.numbers.begin(), p.numbers.end()), p.numbers.end());
          p.value_kind = ValueKind::kNumberSet;
        } else {
          p.number = Number(v, ptr);
          p.value_kind = ValueKind::kNumber;
        }
        return;
      case FieldType::kString:
        if (p.op == Op::kIn || p.op == Op::kNotIn) {
          StringSet(p, v, ptr);
        } else {
          p.text = StringLiteral(v, ptr, p);
          p.value_kind = ValueKind::kString;
        }
        return;
      case FieldType::kBool:
        if (!v.is_boolean()) Fail(ptr, "must be true or false, not " + std::string(KindOf(v)));
        p.flag = v.get<bool>();
        p.value_kind = ValueKind::kBool;
        return;
      case FieldType::kStringList:
        if (p.op == Op::kContains) {
          p.text = String(v, ptr, kMaxStringLiteral);
          p.value_kind = ValueKind::kString;
        } else {
          StringSet(p, v, ptr);
        }
        return;
    }
  }

  void SetLiteral(const json& v, const std::string& ptr) const {
    if (!v.is_array()) Fail(ptr, "must be an array, not " + std::string(KindOf(v)));
    if (v.size() > kMaxSetLiteral) {
      Fail(ptr, "more than " + std::to_string(kMaxSetLiteral) + " values", RulesErrc::kTooLarge);
    }
  }

  void StringSet(Predicate& p, const json& v, const std::string& ptr) const {
    SetLiteral(v, ptr);
    // An empty set is allowed for set relations ("sameSet": [] = nothing read) but
    // not for in / notIn, where it is always false / always true: a mistake.
    if (v.empty() && (p.op == Op::kIn || p.op == Op::kNotIn)) Fail(ptr, "must not be empty");
    for (std::size_t i = 0; i < v.size(); ++i) {
      p.strings.push_back(StringLiteral(v[i], ptr + "/" + std::to_string(i), p));
    }
    std::sort(p.strings.begin(), p.strings.end());
    p.strings.erase(std::unique(p.strings.begin(), p.strings.end()), p.strings.end());
    p.value_kind = ValueKind::kStringSet;
  }

  std::unique_ptr<Program> program_ = std::make_unique<Program>();
  std::string rule_id_;
  std::size_t nodes_in_rule_ = 0;
};

Error Located(RulesErrc code, std::string_view text, std::size_t offset, std::string_view pointer,
              std::string_view rule_id, std::string_view message) {
  const auto pos = json_text::PositionOf(text, offset);
  std::string s = "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column);
  if (!pointer.empty()) s += ", " + std::string(pointer);
  if (!rule_id.empty()) s += " (rule \"" + std::string(rule_id) + "\")";
  s += ": ";
  s += message;
  return Error(make_error_condition(code), std::move(s));
}

// nlohmann's what(): "[json.exception.parse_error.101] parse error at line 3, column 4:
// syntax error while parsing value - unexpected ','; ..." → the part after the position.
std::string ParseErrorDetail(std::string_view what) {
  const std::size_t col = what.find("column ");
  if (col != std::string_view::npos) {
    const std::size_t colon = what.find(": ", col);
    if (colon != std::string_view::npos) return std::string(what.substr(colon + 2));
  }
  const std::size_t bracket = what.find("] ");
  return std::string(bracket == std::string_view::npos ? what : what.substr(bracket + 2));
}

}  // namespace

Expected<std::shared_ptr<const CompiledBundle>> CompileBundle(std::string_view text) {
  if (text.size() > kMaxBundleBytes) {
    return Error(make_error_condition(RulesErrc::kTooLarge),
                 "bundle of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                     std::to_string(kMaxBundleBytes));
  }
  if (const auto deep = common::JsonNestingBeyond(text, kMaxJsonDepth)) {
    return Located(RulesErrc::kTooLarge, text, *deep, "", "",
                   "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    return Located(RulesErrc::kSyntax, text, e.byte > 0 ? e.byte - 1 : 0, "", "",
                   "invalid JSON: " + ParseErrorDetail(e.what()));
  } catch (const json::exception& e) {
    return Error(make_error_condition(RulesErrc::kSyntax),
                 "invalid JSON: " + ParseErrorDetail(e.what()));
  }
  if (const auto dup = json_text::FindDuplicateKey(text)) {
    return Located(RulesErrc::kInvalid, text, dup->offset, dup->pointer, "",
                   "duplicate key in one object");
  }
  Compiler compiler;
  BundleInfo info;
  try {
    auto program = compiler.Compile(root, info);
    return std::make_shared<const CompiledBundle>(std::move(info), std::move(program));
  } catch (const Failure& f) {
    // Missing keys point at their object, which always exists; a pointer that cannot
    // be found (it should not happen) falls back to the start of the text.
    const auto offset = json_text::Locate(text, f.pointer).value_or(0);
    return Located(f.code, text, offset, f.pointer, compiler.rule_id(), f.message);
  } catch (const json::exception& e) {
    return Error(make_error_condition(RulesErrc::kInvalid),
                 "internal error while checking the bundle: " + std::string(e.what()));
  }
}

}  // namespace checkpoint::risk
