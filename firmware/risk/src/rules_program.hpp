#pragma once
// The compiled form of a rule bundle, shared by the compiler (rules_json.cpp) and
// the evaluator (rules.cpp). Field names are resolved to slots, set literals are
// sorted for binary search, and every condition is a node in one flat array.

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/risk/facts.hpp"
#include "checkpoint/risk/rules.hpp"

namespace checkpoint::risk {

enum class Op : std::uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kNotIn,
  kBetween,
  kExists,
  kAbsent,
  kContains,
  kIsTrue,
  kIsFalse,
  kEmpty,
  kNotEmpty,
  kIntersects,
  kSubsetOf,
  kNotSubsetOf,
  kSameSet,
  kNotSameSet,
};

enum class OperandKind : std::uint8_t { kField, kDeviation, kCount };

struct Operand {
  OperandKind kind = OperandKind::kField;
  Field field = Field::kTravellerAge;  // kField; kDeviation: the measured value; kCount: the key
  Field from = Field::kTravellerAge;   // kDeviation: the reference value
  bool relative = false;               // kDeviation
  HistoryKind history = HistoryKind::kCrossings;  // kCount
  int days = 0;                                   // kCount
  std::uint32_t memo = 0;  // kCount: index of its slot in the per-evaluation cache
};

enum class ValueKind : std::uint8_t {
  kNone,
  kNumber,
  kString,
  kBool,
  kRange,
  kNumberSet,
  kStringSet,
  kFieldRef
};

struct Predicate {
  Operand lhs;
  FieldType lhs_type = FieldType::kNumber;  // kDeviation and kCount are numbers
  Op op = Op::kEq;
  ValueKind value_kind = ValueKind::kNone;
  double number = 0;                 // kNumber; kRange: low
  double high = 0;                   // kRange
  bool flag = false;                 // kBool
  std::string text;                  // kString
  std::vector<double> numbers;       // kNumberSet, sorted, unique
  std::vector<std::string> strings;  // kStringSet, sorted, unique
  Field ref = Field::kTravellerAge;  // kFieldRef
};

enum class NodeKind : std::uint8_t { kAll, kAny, kNot, kPredicate };

struct Node {
  NodeKind kind = NodeKind::kPredicate;
  std::uint32_t predicate = 0;          // kPredicate
  std::vector<std::uint32_t> children;  // kAll, kAny, kNot (one)
  // kNot: every predicate below it; when the negation holds, their operands are the
  // evidence (the facts that made the inner condition false).
  std::vector<std::uint32_t> predicates_below;
  bool uses_history = false;  // a count somewhere below: evaluated after cheaper siblings
};

struct CompiledRule {
  std::string id;
  std::string description;
  std::string category;
  double weight = 0;
  Level forced = Level::kClear;
  bool enabled = true;
  std::uint32_t root = 0;
};

struct CountSlot {
  HistoryKind kind = HistoryKind::kCrossings;
  Field key = Field::kDocumentNumber;
  int days = 0;
};

struct CompiledBundle::Program {
  std::vector<CompiledRule> rules;
  std::vector<Node> nodes;
  std::vector<Predicate> predicates;
  std::vector<CountSlot> counts;  // distinct history queries of the bundle
};

}  // namespace checkpoint::risk
