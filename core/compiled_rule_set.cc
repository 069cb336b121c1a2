#include "core/compiled_rule_set.h"

#include "core/json_text.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/ip_address.h"
#include "core/like_pattern.h"
#include "core/pattern_set.h"
#include "core/reference_interpreter.h"
#include "core/sql_scalar.h"
#include "core/text_hash.h"
#include "core/three_valued.h"
#include "core/timestamp.h"

namespace trailhound {
namespace {

__extension__ typedef unsigned __int128 Uint128;

TriBool Negate(TriBool v, bool negated) { return negated ? Not(v) : v; }

CompareOp Flip(CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return CompareOp::kGt;
    case CompareOp::kLe: return CompareOp::kGe;
    case CompareOp::kGt: return CompareOp::kLt;
    case CompareOp::kGe: return CompareOp::kLe;
    default: return op;
  }
}

std::optional<double> ToNumber(const ScalarRef& v) {
  if (v.kind == ScalarRef::Kind::kNumber) return v.number;
  if (v.kind == ScalarRef::Kind::kString) return ParseNumberText(v.text);
  return std::nullopt;
}

std::optional<bool> ToBool(const ScalarRef& v) {
  if (v.kind == ScalarRef::Kind::kBool) return v.boolean;
  if (v.kind == ScalarRef::Kind::kString) return ParseBoolText(v.text);
  return std::nullopt;
}

// `value op literal`, with the reference interpreter's rules: a number literal
// compares numerically, a boolean literal as booleans, a date or timestamp
// literal as instants (when the value reads as one), anything else as text.
TriBool CompareScalar(const ScalarRef& value, const Literal& literal, CompareOp op, std::string& buffer) {
  if (value.kind == ScalarRef::Kind::kNull || literal.kind == Literal::Kind::kNull) return TriBool::kNull;
  if (literal.kind == Literal::Kind::kNumber) {
    std::optional<double> number = ToNumber(value);
    return number ? Ordered(*number, literal.number, op) : TriBool::kNull;
  }
  if (literal.kind == Literal::Kind::kBool) {
    std::optional<bool> boolean = ToBool(value);
    return boolean ? Ordered(*boolean, literal.boolean, op) : TriBool::kNull;
  }
  std::string_view text = ScalarText(value, buffer);
  if (literal.instant) {
    if (std::optional<absl::Time> instant = ParseTimestamp(text)) return Ordered(*instant, *literal.instant, op);
  }
  return Ordered(text, std::string_view(literal.text), op);
}

enum class Transform : uint8_t { kNone, kLower, kUpper, kHour, kDayOfWeek };

const char* TransformName(Transform t) {
  switch (t) {
    case Transform::kNone: return "";
    case Transform::kLower: return "lower";
    case Transform::kUpper: return "upper";
    case Transform::kHour: return "hour";
    case Transform::kDayOfWeek: return "day_of_week";
  }
  return "";
}

bool IsTextTransform(Transform t) { return t == Transform::kNone || t == Transform::kLower || t == Transform::kUpper; }

// Sorted, merged address intervals of a list's CIDRs.
struct CidrTable {
  std::vector<std::pair<uint32_t, uint32_t>> v4;
  std::vector<std::pair<Uint128, Uint128>> v6;

  static Uint128 Value(const IpAddress& a) {
    Uint128 v = 0;
    for (int i = 0; i < 16; ++i) v = (v << 8) | a.bytes[i];
    return v;
  }

  explicit CidrTable(const std::vector<CidrRange>& ranges) {
    for (const CidrRange& range : ranges) {
      if (range.network.is_v4) {
        uint32_t start = (uint32_t{range.network.bytes[0]} << 24) | (uint32_t{range.network.bytes[1]} << 16) |
                         (uint32_t{range.network.bytes[2]} << 8) | range.network.bytes[3];
        uint32_t size_mask = range.prefix_length >= 32 ? 0 : (~uint32_t{0} >> range.prefix_length);
        v4.emplace_back(start, start | size_mask);
      } else {
        Uint128 start = Value(range.network);
        Uint128 size_mask = range.prefix_length >= 128 ? 0 : (~Uint128{0} >> range.prefix_length);
        v6.emplace_back(start, start | size_mask);
      }
    }
    Merge(v4);
    Merge(v6);
  }

  template <typename T>
  static void Merge(std::vector<std::pair<T, T>>& intervals) {
    std::sort(intervals.begin(), intervals.end());
    std::vector<std::pair<T, T>> merged;
    for (const auto& interval : intervals) {
      if (!merged.empty() && interval.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, interval.second);
      } else {
        merged.push_back(interval);
      }
    }
    intervals = std::move(merged);
  }

  template <typename T>
  static bool Find(const std::vector<std::pair<T, T>>& intervals, T value) {
    auto it = std::upper_bound(intervals.begin(), intervals.end(), value,
                               [](T v, const std::pair<T, T>& interval) { return v < interval.first; });
    return it != intervals.begin() && value <= std::prev(it)->second;
  }

  bool empty() const { return v4.empty() && v6.empty(); }
  bool Contains(const IpAddress& address) const {
    if (address.is_v4) {
      uint32_t v = (uint32_t{address.bytes[0]} << 24) | (uint32_t{address.bytes[1]} << 16) |
                   (uint32_t{address.bytes[2]} << 8) | address.bytes[3];
      return Find(v4, v);
    }
    return Find(v6, Value(address));
  }
};

}  // namespace

// A value source: a field, or lower/upper/hour/day_of_week of a field, with
// the indexes of the predicates on it.
struct Source {
  SlotId slot = -1;
  Transform transform = Transform::kNone;
  absl::TimeZone time_zone;
  std::string name;
  TextIndex equality_index;  // text -> predicates, ascending (ids are indexed as they are made)
  std::unique_ptr<PatternSet> patterns;
  std::vector<uint32_t> pattern_predicate;  // pattern id -> predicate
};

// Rules filed under an anchor (a value, a pattern) that the anchor reaches
// when every one of `guards`, further conditions those rules require, is TRUE
// (no guards: always).
struct GuardedRules {
  static constexpr uint32_t kNoGuard = UINT32_MAX;
  // guards[0] (kNoGuard without guards), kept beside the group: groups
  // sharing a failed first guard are stepped over without reading `guards`.
  uint32_t first_guard = kNoGuard;
  std::vector<uint32_t> guards;  // predicate ids, the likeliest to fail first; groups sorted by them
  std::vector<uint32_t> rules;
};
using GuardedIndex = absl::flat_hash_map<std::string, std::vector<GuardedRules>, TextHash, TextEqual>;

struct Predicate {
  enum class Kind : uint8_t { kCompare, kIn, kPattern, kBetween, kIsNull, kStringTest, kCidr, kTruthy, kGeneric };
  Kind kind = Kind::kGeneric;
  std::string sql;
  uint32_t source = 0;
  bool negated = false;
  CompareOp op = CompareOp::kEq;
  Literal literal;  // kCompare; kBetween low; kStringTest needle
  Literal high;     // kBetween
  std::shared_ptr<const ValueList> list;
  bool indexed = false;  // kCompare/kIn: answered by the source's equality index
  std::unique_ptr<CidrTable> cidrs;
  Function function = Function::kContains;  // kStringTest
  uint32_t pattern = 0;                     // kPattern
  const BoundExpr* generic = nullptr;       // kGeneric
  std::vector<uint32_t> rules;
  std::vector<GuardedRules> anchored;  // kPattern: the rules its hits reach (dispatch)

  const char* KindName() const {
    switch (kind) {
      case Kind::kCompare: return indexed ? "equality (hash)" : "comparison";
      case Kind::kIn: return indexed ? "IN (hash)" : "IN";
      case Kind::kPattern: return "pattern";
      case Kind::kBetween: return "between";
      case Kind::kIsNull: return "is-null";
      case Kind::kStringTest: return "string test";
      case Kind::kCidr: return "cidr table";
      case Kind::kTruthy: return "truthy";
      case Kind::kGeneric: return "generic (reference interpreter)";
    }
    return "?";
  }
};

// What the evaluation of most predicates reads, 8 bytes each beside the
// Predicate (312 bytes): with 10,000 generated rules the predicates (~2 MB)
// outgrow the caches, and the common ones (equalities and IN lists answered
// by the index, IS NULL, patterns answered by the scan) need no more.
struct PredicateHead {
  Predicate::Kind kind = Predicate::Kind::kGeneric;
  bool negated = false;
  bool indexed = false;
  bool cidrs = false;  // kIn: has CIDRs besides its values
  uint32_t source = 0;

  static PredicateHead Of(const Predicate& p) {
    return PredicateHead{p.kind, p.negated, p.indexed, p.cidrs && !p.cidrs->empty(), p.source};
  }
};

// A node of a rule program. The programs of all rules lie in one array, each
// in preorder: a node's children are the nodes from index + 1 up to `next`
// (the index past its subtree), each child's own `next` leading to its
// sibling. One array keeps the programs a record reaches close in memory.
struct ProgramNode {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kPredicate, kTrue };
  Kind kind = Kind::kTrue;
  uint32_t predicate = 0;  // kPredicate
  uint32_t next = 0;
};

struct CompiledRuleSet::Impl {
  CompileLimits limits;
  PathTrie trie;
  SlotId event_name_slot = -1, event_id_slot = -1, event_time_slot = -1;
  std::vector<Source> sources;
  std::vector<Predicate> predicates;
  std::vector<PredicateHead> heads;  // per predicate
  std::vector<ProgramNode> program_nodes;
  std::vector<uint32_t> program_roots;  // per rule
  // Dispatch: anchor slot -> value text -> rules; the sources whose pattern
  // hits reach rules (Predicate::anchored); rules without an anchor.
  std::vector<std::pair<SlotId, GuardedIndex>> dispatch;
  std::vector<uint32_t> pattern_anchor_sources;
  std::vector<uint32_t> unanchored_rules;  // ascending
  // The slots that decide whether a record reaches any rule, and that every
  // record is read for; empty when some rule is unanchored.
  std::vector<SlotId> decisive_slots;
  std::vector<std::string> anchor_description;  // per rule, for explain
  // Values stateful rules and SELECT lists read (in rules_), and the slots
  // they are in.
  absl::flat_hash_map<const BoundExpr*, SlotId> value_slots;
  // Per rule: its SELECT list when the walk extracts every item (else
  // `extracted` is false), each item as its JSON key text and its slot.
  struct Projection {
    bool extracted = false;
    std::vector<std::pair<std::string, SlotId>> items;  // ({"name": or ,"name":, slot)
  };
  std::vector<Projection> projections;
  hs_scratch_t* prototype_scratch = nullptr;
};

class CompiledRuleSet::Scratch : public RecordView::StopCheck {
 public:
  Scratch(const Impl& impl, RecordViewLimits limits, bool stop_early) : impl_(impl), view(impl.trie, limits) {
    if (stop_early) view.StopEarly(impl.decisive_slots, this);
    predicate_memo.assign(impl.predicates.size(), PredicateMemo{});
    pattern_hit.assign(impl.predicates.size(), PatternHit{});
    source_epoch.assign(impl.sources.size(), 0);
    equality_epoch.assign(impl.sources.size(), 0);
    equality_candidates.assign(impl.sources.size(), EqualityCandidates{});
    pattern_epoch.assign(impl.sources.size(), 0);
    transformed.resize(impl.sources.size());
    scan_memo.resize(impl.sources.size());
    for (size_t source = 0; source < impl.sources.size(); ++source) {
      if (impl.sources[source].patterns) scan_memo[source] = std::make_unique<ScanMemo>();
    }
    transformed_text.resize(impl.sources.size());
    reached.assign((impl.program_roots.size() + 63) / 64, 0);
    if (impl.prototype_scratch != nullptr) hs_clone_scratch(impl.prototype_scratch, &hyperscan);
  }
  ~Scratch() override {
    if (hyperscan != nullptr) hs_free_scratch(hyperscan);
  }

  // Asked by the walk once the decisive slots are read: computes which rules
  // the record reaches (reached_known), and says whether that is none.
  bool NothingMoreNeeded() override;

  const Impl& impl_;

  RecordView view;
  std::string_view record;
  uint32_t epoch = 0;
  // Per predicate, 8 bytes: the guards read it for every group of rules a
  // record's anchors reach, and at 10,000 rules it outgrows the caches.
  struct PredicateMemo {
    uint32_t epoch = 0;  // `value` is this record's when epoch is
    TriBool value = TriBool::kNull;
  };
  std::vector<PredicateMemo> predicate_memo;
  struct PatternHit {
    uint32_t epoch = 0;  // `mask` is this record's when epoch is
    uint64_t mask = 0;   // which candidates the pattern predicate hit
  };
  std::vector<PatternHit> pattern_hit;  // per predicate; used by patterns only
  std::vector<uint32_t> source_epoch, equality_epoch, pattern_epoch;
  // Per source, what its values are in the equality index (valid when
  // equality_epoch is this record's). An indexed equality or IN looks
  // itself up in the lists found: a value like an eventName satisfies
  // hundreds of predicates at 10,000 rules, and marking each of them hit
  // cost a cache miss apiece.
  struct EqualityCandidates {
    bool indexed = false;        // at most kMaxIndexedCandidates: looked up
    bool null_or_none = false;   // a NULL candidate, or none at all
    uint64_t non_null_mask = 0;  // the candidates that are not NULL
    // (candidate, the predicates its value satisfies) for the candidates
    // whose value is in the index
    std::vector<std::pair<uint32_t, const std::vector<uint32_t>*>> found;
  };
  std::vector<EqualityCandidates> equality_candidates;
  std::vector<std::vector<ScalarRef>> transformed;
  std::vector<std::deque<std::string>> transformed_text;
  // The rules this record reaches, as a list (in no order) and a bit per
  // rule; the bits of the previous record's rules are cleared by the next
  // Reach, so that no record pays for all the rules' words.
  std::vector<uint32_t> reached_rules;
  std::vector<uint64_t> reached;
  bool reached_known = false;     // reached_rules is this record's (computed during the walk)
  std::vector<uint32_t> hyperscan_matched, patterns_matched;
  // Pattern scans remembered by value text, per source with patterns: user
  // agents, ARNs and the like repeat from record to record, and a scan of a
  // value against a thousand patterns costs thousands of instructions.
  // Direct-mapped, fixed size, its buffers reserved up front: no allocation
  // per record.
  class ScanMemo {
   public:
    ScanMemo() : slots_(kSlots) {
      for (Slot& slot : slots_) {
        slot.text.reserve(kMaxText);
        slot.matched.reserve(kMaxMatches);
      }
    }
    // The patterns `text` matched when last scanned, or nullptr.
    const std::vector<uint32_t>* Find(std::string_view text, size_t hash) const {
      const Slot& slot = slots_[hash % kSlots];
      return slot.used && slot.hash == hash && slot.text == text ? &slot.matched : nullptr;
    }
    void Remember(std::string_view text, size_t hash, const std::vector<uint32_t>& matched) {
      if (text.size() > kMaxText || matched.size() > kMaxMatches) return;
      Slot& slot = slots_[hash % kSlots];
      slot.used = true;
      slot.hash = hash;
      slot.text.assign(text.data(), text.size());
      slot.matched.assign(matched.begin(), matched.end());
    }

   private:
    static constexpr size_t kSlots = 128, kMaxText = 512, kMaxMatches = 32;
    struct Slot {
      bool used = false;
      size_t hash = 0;
      std::string text;
      std::vector<uint32_t> matched;
    };
    std::vector<Slot> slots_;
  };
  std::vector<std::unique_ptr<ScanMemo>> scan_memo;  // per source; null without patterns
  std::vector<uint32_t> pattern_hits;  // pattern predicates that hit this record
  std::string buffer;
  hs_scratch_t* hyperscan = nullptr;
  simdjson::dom::parser dom_parser;
  simdjson::dom::element dom_record;
  uint32_t dom_epoch = 0;
  bool dom_failed = false;
};

namespace {

constexpr size_t kMaxIndexedCandidates = 64;

class Compiler {
 public:
  Compiler(const RuleSet& rules, CompiledRuleSet::Impl& impl) : rules_(rules), impl_(impl) {}

  // A field whose value is not an array by construction (as [*] makes it).
  static bool IsScalarField(const BoundExpr& e) {
    if (e.kind != BoundExpr::Kind::kField) return false;
    for (const PathStep& step : e.path.steps) {
      if (step.kind == PathStep::Kind::kAnyElement) return false;
    }
    return true;
  }

  // The fields stateful rules read beyond their WHERE, so that
  // ExtractedValueJson finds them without a DOM parse ([*] paths excepted:
  // their values are arrays).
  void AddStatePaths(const BoundRule& rule) {
    std::vector<const BoundExpr*> reads;
    for (const FirstSeen& first : rule.first_seen) reads.insert(reads.end(), {&first.key, &first.value});
    if (rule.aggregation) {
      for (const BoundExpr& key : rule.aggregation->group_by) reads.push_back(&key);
      for (const Aggregate& aggregate : rule.aggregation->aggregates) {
        if (aggregate.kind != Aggregate::Kind::kCountStar) reads.push_back(&aggregate.argument);
      }
    }
    if (rule.suppression) {
      for (const BoundExpr& key : rule.suppression->by) reads.push_back(&key);
    }
    for (const BoundExpr* read : reads) {
      if (IsScalarField(*read)) impl_.value_slots[read] = impl_.trie.Add(read->path);
    }
  }

  // SELECT items the walk extracts, so that an alert whose items it all
  // extracted needs no parse of the whole record: the fields it extracts
  // anyway, those under a top-level key some condition reads (the walk
  // enters that key anyway: `requestParameters.key` beside a condition on
  // `requestParameters.bucketName`), and those under a key CloudTrail writes
  // early (up to requestParameters: `awsRegion`). A record that reaches no
  // rule then reads them before the walk stops, or not at all. Extracting
  // a field costs a hundred-odd instructions in each record that has it; a
  // parse of the whole record, several thousand in each that alerts (10,000
  // generated rules: 2.4% fewer instructions a record, the pack 3.0%, 1,000
  // rules 0.5% more).
  // An object is taken from the parsed record anyway (AppendExtractedValueJson
  // gives only scalars), so a whole userIdentity is not extracted.
  void FindSelectSlots() {
    absl::flat_hash_set<std::string> condition_keys;  // top-level keys conditions read
    impl_.trie.node(0).keys.ForEach([&](const std::string& key, int32_t) { condition_keys.insert(key); });
    for (const BoundRule& rule : rules_.rules) {
      for (const SelectItem& item : rule.select) {
        if (!IsScalarField(item.value)) continue;
        const FieldPath& path = item.value.path;
        const std::string& key = path.steps[0].key;
        bool add = (EarlyInEveryRecord(path) || condition_keys.contains(key)) &&
                   !(path.steps.size() == 1 && CloudTrailWritesAnObject(key));
        SlotId slot = add ? impl_.trie.Add(path) : impl_.trie.Find(path);
        if (slot >= 0) impl_.value_slots[&item.value] = slot;
      }
    }
    for (const BoundRule& rule : rules_.rules) {
      CompiledRuleSet::Impl::Projection& projection = impl_.projections.emplace_back();
      projection.extracted = !rule.select_star;
      for (const SelectItem& item : rule.select) {
        auto found = impl_.value_slots.find(&item.value);
        if (found == impl_.value_slots.end()) projection.extracted = false;
        std::string key = projection.items.empty() ? "{" : ",";
        AppendJsonString(key, item.output_name);
        projection.items.emplace_back(key + ":", found == impl_.value_slots.end() ? -1 : found->second);
      }
    }
  }

  absl::Status Run() {
    if (rules_.rules.size() > impl_.limits.max_rules) {
      return absl::ResourceExhaustedError(absl::StrCat(rules_.rules.size(), " rules exceed the limit of ",
                                                       impl_.limits.max_rules));
    }
    auto event_field = [&](const char* name) {
      return impl_.trie.Add(FieldPath{{PathStep{PathStep::Kind::kKey, name, 0}}});
    };
    impl_.event_name_slot = event_field("eventName");
    impl_.event_id_slot = event_field("eventID");
    impl_.event_time_slot = event_field("eventTime");
    for (const BoundRule& rule : rules_.rules) AddStatePaths(rule);
    for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) {
      const BoundRule& bound = rules_.rules[rule];
      impl_.program_roots.push_back(static_cast<uint32_t>(impl_.program_nodes.size()));
      if (bound.where) {
        CompileNode(*bound.where, rule);
      } else {
        impl_.program_nodes.push_back(ProgramNode{ProgramNode::Kind::kTrue, 0,
                                                  static_cast<uint32_t>(impl_.program_nodes.size() + 1)});
      }
      if (impl_.predicates.size() > impl_.limits.max_predicates) {
        return absl::ResourceExhaustedError(absl::StrCat("more than ", impl_.limits.max_predicates,
                                                         " distinct conditions"));
      }
    }
    FindSelectSlots();
    BuildDispatch();
    FindDecisiveSlots();
    return BuildPatterns();
  }

 private:
  struct SourceRef {
    FieldPath path;
    Transform transform = Transform::kNone;
    absl::TimeZone time_zone;
  };

  static std::optional<SourceRef> AsSource(const BoundExpr& e) {
    if (e.kind == BoundExpr::Kind::kField) return SourceRef{e.path};
    if (e.kind != BoundExpr::Kind::kCall || e.children.empty() ||
        e.children[0].kind != BoundExpr::Kind::kField) {
      return std::nullopt;
    }
    switch (e.function) {
      case Function::kLower: return SourceRef{e.children[0].path, Transform::kLower};
      case Function::kUpper: return SourceRef{e.children[0].path, Transform::kUpper};
      case Function::kHour: return SourceRef{e.children[0].path, Transform::kHour, e.time_zone};
      case Function::kDayOfWeek: return SourceRef{e.children[0].path, Transform::kDayOfWeek, e.time_zone};
      default: return std::nullopt;
    }
  }

  uint32_t SourceId(const SourceRef& ref) {
    std::string name = ref.path.ToString();
    if (ref.transform != Transform::kNone) {
      name = absl::StrCat(TransformName(ref.transform), "(", name);
      if (ref.transform == Transform::kHour || ref.transform == Transform::kDayOfWeek) {
        absl::StrAppend(&name, ", '", ref.time_zone.name(), "'");
      }
      name += ")";
    }
    auto it = source_ids_.find(name);
    if (it != source_ids_.end()) return it->second;
    Source source;
    source.slot = impl_.trie.Add(ref.path);
    source.transform = ref.transform;
    source.time_zone = ref.time_zone;
    source.name = name;
    impl_.sources.push_back(std::move(source));
    uint32_t id = static_cast<uint32_t>(impl_.sources.size() - 1);
    source_ids_[name] = id;
    return id;
  }

  void CompileNode(const BoundExpr& e, uint32_t rule) {
    std::vector<ProgramNode>& nodes = impl_.program_nodes;
    size_t index = nodes.size();
    nodes.emplace_back();
    switch (e.kind) {
      case BoundExpr::Kind::kAnd:
      case BoundExpr::Kind::kOr:
      case BoundExpr::Kind::kNot:
        nodes[index].kind = e.kind == BoundExpr::Kind::kAnd  ? ProgramNode::Kind::kAnd
                            : e.kind == BoundExpr::Kind::kOr ? ProgramNode::Kind::kOr
                                                             : ProgramNode::Kind::kNot;
        for (const BoundExpr& child : e.children) CompileNode(child, rule);
        break;
      default:
        nodes[index].kind = ProgramNode::Kind::kPredicate;
        nodes[index].predicate = PredicateId(e, rule);
    }
    nodes[index].next = static_cast<uint32_t>(nodes.size());
  }

  uint32_t PredicateId(const BoundExpr& e, uint32_t rule) {
    std::string sql = e.ToSql();
    auto it = predicate_ids_.find(sql);
    uint32_t id;
    if (it != predicate_ids_.end()) {
      id = it->second;
    } else {
      Predicate predicate = CompileLeaf(e);
      predicate.sql = sql;
      impl_.heads.push_back(PredicateHead::Of(predicate));
      impl_.predicates.push_back(std::move(predicate));
      id = static_cast<uint32_t>(impl_.predicates.size() - 1);
      predicate_ids_[sql] = id;
      IndexPredicate(id);
    }
    std::vector<uint32_t>& users = impl_.predicates[id].rules;
    if (users.empty() || users.back() != rule) users.push_back(rule);
    return id;
  }

  static bool IsLiteral(const BoundExpr& e) { return e.kind == BoundExpr::Kind::kLiteral; }
  static bool IsPlainString(const Literal& l) { return l.kind == Literal::Kind::kString && !l.instant; }

  Predicate CompileLeaf(const BoundExpr& e) {
    Predicate p;
    p.generic = &e;
    p.negated = e.negated;
    auto use_source = [&](const BoundExpr& value, bool text_only) {
      std::optional<SourceRef> ref = AsSource(value);
      if (!ref || (text_only && !IsTextTransform(ref->transform))) return false;
      p.source = SourceId(*ref);
      return true;
    };
    switch (e.kind) {
      case BoundExpr::Kind::kCompare: {
        int value_side = IsLiteral(e.children[1]) ? 0 : IsLiteral(e.children[0]) ? 1 : -1;
        if (value_side < 0 || !use_source(e.children[value_side], false)) break;
        p.kind = Predicate::Kind::kCompare;
        p.literal = e.children[1 - value_side].literal;
        p.op = value_side == 0 ? e.op : Flip(e.op);
        p.indexed = p.op == CompareOp::kEq && IsPlainString(p.literal) &&
                    IsTextTransform(impl_.sources[p.source].transform);
        break;
      }
      case BoundExpr::Kind::kIn:
        if (!use_source(e.children[0], false)) break;
        p.kind = Predicate::Kind::kIn;
        p.list = e.list;
        p.indexed = IsTextTransform(impl_.sources[p.source].transform) && !e.list->items.empty() &&
                    std::all_of(e.list->items.begin(), e.list->items.end(), IsPlainString);
        if (!e.list->cidrs.empty()) p.cidrs = std::make_unique<CidrTable>(e.list->cidrs);
        break;
      case BoundExpr::Kind::kLike:
      case BoundExpr::Kind::kRegexp:
        if (!use_source(e.children[0], true)) break;
        p.kind = Predicate::Kind::kPattern;
        break;
      case BoundExpr::Kind::kBetween:
        if (!IsLiteral(e.children[1]) || !IsLiteral(e.children[2]) || !use_source(e.children[0], false)) break;
        p.kind = Predicate::Kind::kBetween;
        p.literal = e.children[1].literal;
        p.high = e.children[2].literal;
        break;
      case BoundExpr::Kind::kIsNull:
        if (e.children[0].kind != BoundExpr::Kind::kField) break;
        use_source(e.children[0], false);
        p.kind = Predicate::Kind::kIsNull;
        break;
      case BoundExpr::Kind::kCall:
        if (e.function == Function::kStartsWith || e.function == Function::kEndsWith ||
            e.function == Function::kContains) {
          if (e.children.size() != 2 || !IsLiteral(e.children[1]) ||
              e.children[1].literal.kind != Literal::Kind::kString || !use_source(e.children[0], true)) {
            break;
          }
          p.kind = Predicate::Kind::kStringTest;
          p.function = e.function;
          p.literal = e.children[1].literal;
        } else if (e.function == Function::kCidrMatch) {
          if (!use_source(e.children[0], true)) break;
          p.kind = Predicate::Kind::kCidr;
          p.cidrs = std::make_unique<CidrTable>(e.list->cidrs);
        } else if (use_source(e, false)) {
          p.kind = Predicate::Kind::kTruthy;
        }
        break;
      case BoundExpr::Kind::kField:
        use_source(e, false);
        p.kind = Predicate::Kind::kTruthy;
        break;
      default:
        break;
    }
    return p;
  }

  void IndexPredicate(uint32_t id) {
    Predicate& p = impl_.predicates[id];
    bool indexed = ((p.kind == Predicate::Kind::kCompare || p.kind == Predicate::Kind::kIn) && p.indexed) ||
                   p.kind == Predicate::Kind::kPattern;
    if (!indexed) return;  // generic predicates have no source at all
    Source& source = impl_.sources[p.source];
    if (p.kind == Predicate::Kind::kCompare && p.indexed) {
      source.equality_index[p.literal.text].push_back(id);
    } else if (p.kind == Predicate::Kind::kIn && p.indexed) {
      for (const Literal& item : p.list->items) {
        std::vector<uint32_t>& users = source.equality_index[item.text];
        if (users.empty() || users.back() != id) users.push_back(id);
      }
    } else if (p.kind == Predicate::Kind::kPattern) {
      if (!source.patterns) source.patterns = std::make_unique<PatternSet>();
      PatternSpec spec;
      if (p.generic->kind == BoundExpr::Kind::kLike) {
        spec.kind = PatternSpec::Kind::kLike;
        spec.text = p.generic->like_pattern;
        spec.case_insensitive = p.generic->case_insensitive;
        spec.escape = p.generic->like_escape;
      } else {
        spec.kind = PatternSpec::Kind::kRegex;
        spec.text = p.generic->regex->pattern();
        spec.regex = p.generic->regex;
      }
      p.pattern = source.patterns->Add(std::move(spec));
      source.pattern_predicate.push_back(id);
    }
  }

  // A set of anchors a rule is filed under: predicates of which a record must
  // satisfy at least one for the rule to be TRUE. Equalities / IN lists go to
  // the dispatch index, patterns (LIKE / ILIKE / REGEXP, not negated) reach
  // the rule when they hit. Cheaper sets have fewer patterns on fields not
  // scanned anyway (scanned_sources_), then fewer fields outside the ones
  // CloudTrail writes in every record (the walk can only stop early once it
  // has seen every anchor field, and an absent one is known absent only at
  // the record's end), then a lower estimated reach (see BuildDispatch), then
  // fields ranked eventName first.
  struct AnchorSet {
    std::vector<uint32_t> predicates;
    size_t patterns = 0;
    size_t optional_fields = 0;
    size_t reach = 0;
    int field_rank = 0;
    bool CheaperThan(const AnchorSet& other) const {
      return std::tie(patterns, optional_fields, reach, field_rank) <
             std::tie(other.patterns, other.optional_fields, other.reach, other.field_rank);
    }
  };

  // Where `key` comes among the top-level fields CloudTrail writes in every
  // record (some as null), in the order it writes them; -1 when it is not
  // one of them.
  static int EveryRecordPosition(std::string_view key) {
    static constexpr std::string_view kFields[] = {
        "eventVersion",      "userIdentity",     "eventTime", "eventSource", "eventName",  "awsRegion",
        "sourceIPAddress",   "userAgent",        "requestParameters",        "responseElements",
        "requestID",         "eventID",          "eventType", "recipientAccountId",        "eventCategory"};
    const auto* found = std::find(std::begin(kFields), std::end(kFields), key);
    return found == std::end(kFields) ? -1 : static_cast<int>(found - std::begin(kFields));
  }
  static int EveryRecordPosition(const FieldPath& path) {
    if (path.steps.empty() || path.steps[0].kind != PathStep::Kind::kKey) return -1;
    return EveryRecordPosition(path.steps[0].key);
  }
  static bool InEveryRecord(const FieldPath& path) { return EveryRecordPosition(path) >= 0; }
  static bool CloudTrailWritesAnObject(std::string_view key) {
    return key == "userIdentity" || key == "requestParameters" || key == "responseElements";
  }
  // Written first, up to requestParameters: reading them delays stopping the
  // walk by little.
  static bool EarlyInEveryRecord(const FieldPath& path) {
    static const int kLast = EveryRecordPosition("requestParameters");
    int position = EveryRecordPosition(path);
    return position >= 0 && position <= kLast;
  }

  // The cheapest anchor set that a program node's being TRUE implies: a
  // predicate's own, the cheapest of an AND's children, the union of an OR's
  // when every child has one; none under NOT.
  template <typename Rank>
  std::optional<AnchorSet> Anchors(uint32_t node, const Rank& rank) const {
    const ProgramNode& n = impl_.program_nodes[node];
    switch (n.kind) {
      case ProgramNode::Kind::kPredicate: {
        const Predicate& p = impl_.predicates[n.predicate];
        bool pattern = p.kind == Predicate::Kind::kPattern && !p.negated;
        if (!pattern && !IsEqualityAnchor(p)) return std::nullopt;
        size_t optional = InEveryRecord(impl_.trie.path(impl_.sources[p.source].slot)) ? 0 : 1;
        if (pattern && !scanned_sources_.contains(p.source)) return AnchorSet{{n.predicate}, 1, optional, 0, 0};
        auto [reach, field_rank] = rank(p);
        return AnchorSet{{n.predicate}, 0, optional, reach, field_rank};
      }
      case ProgramNode::Kind::kAnd: {
        std::optional<AnchorSet> best;
        for (uint32_t child = node + 1; child < n.next; child = impl_.program_nodes[child].next) {
          std::optional<AnchorSet> anchors = Anchors(child, rank);
          if (anchors && (!best || anchors->CheaperThan(*best))) best = std::move(anchors);
        }
        return best;
      }
      case ProgramNode::Kind::kOr: {
        AnchorSet all;
        for (uint32_t child = node + 1; child < n.next; child = impl_.program_nodes[child].next) {
          std::optional<AnchorSet> anchors = Anchors(child, rank);
          if (!anchors) return std::nullopt;
          all.predicates.insert(all.predicates.end(), anchors->predicates.begin(), anchors->predicates.end());
          all.patterns += anchors->patterns;
          all.optional_fields += anchors->optional_fields;
          all.reach += anchors->reach;
          all.field_rank = std::max(all.field_rank, anchors->field_rank);
        }
        return all;
      }
      case ProgramNode::Kind::kNot:
      case ProgramNode::Kind::kTrue:
        break;
    }
    return std::nullopt;
  }

  // The equality anchors a node's anchor sets may use (not under NOT).
  void ForEachEqualityAnchor(uint32_t node, const std::function<void(const Predicate&)>& visit) const {
    const ProgramNode& n = impl_.program_nodes[node];
    if (n.kind == ProgramNode::Kind::kPredicate) {
      if (IsEqualityAnchor(impl_.predicates[n.predicate])) visit(impl_.predicates[n.predicate]);
    } else if (n.kind == ProgramNode::Kind::kAnd || n.kind == ProgramNode::Kind::kOr) {
      for (uint32_t child = node + 1; child < n.next; child = impl_.program_nodes[child].next) {
        ForEachEqualityAnchor(child, visit);
      }
    }
  }

  // Files each rule under its cheapest anchor set (Anchors). An equality's
  // estimated reach is the number of rules that may be filed under its values
  // times how common one value of the field is (CloudTrail has tens of
  // eventSources, hundreds of eventNames: weight 10 for eventSource, 1 for
  // eventName, 3 for other fields). A record reaches a rule filed under a
  // pattern only when that pattern hits. A rule without an anchor set is
  // evaluated for every record.
  //
  // Once some rule can only be filed under patterns of a field, that field is
  // scanned for every record, and its patterns anchor other rules at no
  // extra cost: a second round files every rule again with those patterns
  // ranked as a field other than eventName / eventSource, by how many rules
  // share the pattern. A rule like `eventSource = 'sts.amazonaws.com' AND
  // userAgent LIKE '%pacu%'` is then reached when the pattern hits, not by
  // every STS record.
  void BuildDispatch() {
    absl::flat_hash_map<std::pair<SlotId, std::string>, uint32_t> sharing;  // (field, value) -> rules
    for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) {
      ForEachEqualityAnchor(impl_.program_roots[rule], [&](const Predicate& p) {
        ForEachAnchorValue(p, [&](const std::string& value) { ++sharing[{impl_.sources[p.source].slot, value}]; });
      });
    }
    auto rank = [&](const Predicate& p) {
      constexpr size_t kOtherFieldWeight = 3;
      if (p.kind == Predicate::Kind::kPattern) return std::make_pair(p.rules.size() * kOtherFieldWeight, 2);
      size_t rules_sharing = 0;
      ForEachAnchorValue(p, [&](const std::string& value) {
        rules_sharing += sharing[{impl_.sources[p.source].slot, value}];
      });
      const std::string field = impl_.trie.path(impl_.sources[p.source].slot).ToString();
      int field_rank = field == "eventName" ? 0 : field == "eventSource" ? 1 : 2;
      size_t value_weight = field == "eventName" ? 1 : field == "eventSource" ? 10 : kOtherFieldWeight;
      return std::make_pair(rules_sharing * value_weight, field_rank);
    };
    std::vector<std::optional<AnchorSet>> chosen(rules_.rules.size());
    for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) chosen[rule] = Anchors(impl_.program_roots[rule], rank);
    for (const std::optional<AnchorSet>& anchors : chosen) {
      if (!anchors || anchors->patterns == 0) continue;
      for (uint32_t id : anchors->predicates) {
        if (impl_.predicates[id].kind == Predicate::Kind::kPattern) scanned_sources_.insert(impl_.predicates[id].source);
      }
    }
    if (!scanned_sources_.empty()) {
      for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) chosen[rule] = Anchors(impl_.program_roots[rule], rank);
    }
    const int decisive_reach = DecisiveReach(chosen, rank);
    std::map<SlotId, size_t> anchor_slot_index;
    impl_.anchor_description.resize(rules_.rules.size());
    for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) {
      std::optional<AnchorSet>& anchors = chosen[rule];
      if (!anchors) {
        impl_.unanchored_rules.push_back(rule);
        impl_.anchor_description[rule] = "always evaluated (no required equality or pattern)";
        continue;
      }
      if (anchors->predicates.size() == 1) MoveAnchorLast(impl_.program_roots[rule], anchors->predicates[0]);
      std::vector<std::string> described;
      const std::vector<uint32_t> guards = Guards(impl_.program_roots[rule], anchors->predicates, rank, decisive_reach);
      for (uint32_t guard : guards) guard_slots_.insert(impl_.sources[impl_.predicates[guard].source].slot);
      for (uint32_t id : anchors->predicates) {
        Predicate& p = impl_.predicates[id];
        described.push_back((p.kind == Predicate::Kind::kPattern ? "the pattern " : "") + p.sql);
        if (p.kind == Predicate::Kind::kPattern) {
          auto& sources = impl_.pattern_anchor_sources;
          if (std::find(sources.begin(), sources.end(), p.source) == sources.end()) sources.push_back(p.source);
          File(p.anchored, guards, rule);
          continue;
        }
        SlotId slot = impl_.sources[p.source].slot;
        auto [it, inserted] = anchor_slot_index.emplace(slot, impl_.dispatch.size());
        if (inserted) impl_.dispatch.emplace_back(slot, GuardedIndex{});
        auto& index = impl_.dispatch[it->second].second;
        ForEachAnchorValue(p, [&](const std::string& value) { File(index[value], guards, rule); });
      }
      std::string when;
      for (uint32_t guard : guards) absl::StrAppend(&when, when.empty() ? ", when " : " and ", impl_.predicates[guard].sql);
      impl_.anchor_description[rule] =
          (described.size() == 1 ? "anchored on " : "anchored on any of: ") + absl::StrJoin(described, "; ") + when;
    }
  }

  // A rule usually requires more than its anchor: the other conditions of
  // its top AND. Those on fields every record has early (up to
  // requestParameters: `eventSource = 'sts.amazonaws.com' AND userAgent LIKE
  // '%Boto3/%'`, `eventName = 'GetObject' AND requestParameters.bucketName IN
  // (…)`, `userIdentity.type = 'IAMUser' AND sourceIPAddress NOT IN
  // trusted_ips`) guard it: when the anchor holds, the rule is reached only
  // if they are all TRUE. Each is computed once a record, whatever the rules
  // behind it, so common anchors reach few rules. Their fields are decisive,
  // like the anchors' (FindDecisiveSlots). The likeliest to fail comes first:
  // equalities and patterns by their estimated reach, then the rest. The
  // first equality or pattern guards wherever it is; the others only on
  // fields CloudTrail writes no later than `further_up_to` (a position in
  // EveryRecordPosition), so that they do not make every record read
  // further before the walk may stop.
  template <typename Rank>
  std::vector<uint32_t> Guards(uint32_t root, const std::vector<uint32_t>& anchors, const Rank& rank,
                               int further_up_to) const {
    const std::vector<ProgramNode>& nodes = impl_.program_nodes;
    if (nodes[root].kind != ProgramNode::Kind::kAnd) return {};
    std::vector<std::pair<size_t, uint32_t>> ranked;  // (estimated reach, predicate)
    for (uint32_t child = root + 1; child < nodes[root].next; child = nodes[child].next) {
      if (nodes[child].kind != ProgramNode::Kind::kPredicate) continue;
      uint32_t id = nodes[child].predicate;
      const Predicate& p = impl_.predicates[id];
      if (p.kind == Predicate::Kind::kGeneric || std::find(anchors.begin(), anchors.end(), id) != anchors.end() ||
          !EarlyInEveryRecord(impl_.trie.path(impl_.sources[p.source].slot))) {
        continue;
      }
      bool ranked_by_reach = (p.kind == Predicate::Kind::kPattern && !p.negated) || IsEqualityAnchor(p);
      ranked.emplace_back(ranked_by_reach ? rank(p).first : SIZE_MAX, id);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<uint32_t> guards;
    for (size_t i = 0; i < ranked.size(); ++i) {
      const auto& [reach, id] = ranked[i];
      bool first_selective = i == 0 && reach != SIZE_MAX;
      if (first_selective || FieldPosition(id) <= further_up_to) guards.push_back(id);
    }
    return guards;
  }

  // Where the field a predicate reads comes in EveryRecordPosition.
  int FieldPosition(uint32_t predicate) const {
    return EveryRecordPosition(impl_.trie.path(impl_.sources[impl_.predicates[predicate].source].slot));
  }

  // How far into a record (a position in EveryRecordPosition) the walk reads
  // before it may stop, for eventName / eventTime, the anchors and the first
  // guards alone.
  template <typename Rank>
  int DecisiveReach(const std::vector<std::optional<AnchorSet>>& chosen, const Rank& rank) const {
    int reach = std::max(EveryRecordPosition("eventName"), EveryRecordPosition("eventTime"));
    for (uint32_t rule = 0; rule < rules_.rules.size(); ++rule) {
      if (!chosen[rule]) continue;
      for (uint32_t id : chosen[rule]->predicates) reach = std::max(reach, FieldPosition(id));
      for (uint32_t id : Guards(impl_.program_roots[rule], chosen[rule]->predicates, rank, -1)) {
        reach = std::max(reach, FieldPosition(id));
      }
    }
    return reach;
  }

  static void File(std::vector<GuardedRules>& groups, const std::vector<uint32_t>& guards, uint32_t rule) {
    auto group = std::lower_bound(groups.begin(), groups.end(), guards,
                                  [](const GuardedRules& g, const std::vector<uint32_t>& key) { return g.guards < key; });
    if (group == groups.end() || group->guards != guards) {
      group = groups.insert(group, GuardedRules{guards.empty() ? GuardedRules::kNoGuard : guards[0], guards, {}});
    }
    if (group->rules.empty() || group->rules.back() != rule) group->rules.push_back(rule);
  }

  // A rule is evaluated only when its anchor holds (or may hold: an IN list
  // over array elements), so in an AND the anchor is the child least likely
  // to be FALSE: it goes last, and a rule that fails on another condition
  // never reads it. Three-valued AND gives the same result in any order.
  void MoveAnchorLast(uint32_t root, uint32_t anchor) {
    std::vector<ProgramNode>& nodes = impl_.program_nodes;
    if (nodes[root].kind != ProgramNode::Kind::kAnd) return;
    const uint32_t end = nodes[root].next;
    uint32_t at = root + 1;
    while (at < end && !(nodes[at].kind == ProgramNode::Kind::kPredicate && nodes[at].predicate == anchor)) {
      at = nodes[at].next;
    }
    if (at >= end || at + 1 == end) return;  // not a direct child, or last already
    // The anchor is one node: the nodes after it move up by one (their
    // past-subtree indexes with them) and it takes the last place.
    ProgramNode moved = nodes[at];
    for (uint32_t i = at; i + 1 < end; ++i) {
      nodes[i] = nodes[i + 1];
      nodes[i].next -= 1;
    }
    moved.next = end;
    nodes[end - 1] = moved;
  }

  // When every rule is anchored, a record whose anchor (and guard) values
  // reach no rule needs nothing more than those values and the eventName /
  // eventTime the pipeline reads of every record: the walk may stop once it
  // has them.
  void FindDecisiveSlots() {
    if (!impl_.unanchored_rules.empty()) return;
    std::vector<SlotId>& slots = impl_.decisive_slots;
    slots = {impl_.event_name_slot, impl_.event_time_slot};
    for (const auto& [slot, index] : impl_.dispatch) slots.push_back(slot);
    for (uint32_t source : impl_.pattern_anchor_sources) slots.push_back(impl_.sources[source].slot);
    slots.insert(slots.end(), guard_slots_.begin(), guard_slots_.end());
  }

  bool IsEqualityAnchor(const Predicate& p) const {
    return p.indexed && !p.negated && !p.cidrs && impl_.sources[p.source].transform == Transform::kNone;
  }

  template <typename Visit>
  static void ForEachAnchorValue(const Predicate& p, Visit visit) {
    if (p.kind == Predicate::Kind::kCompare) {
      visit(p.literal.text);
    } else {
      for (const Literal& item : p.list->items) visit(item.text);
    }
  }

  absl::Status BuildPatterns() {
    size_t bytes = 0;
    for (Source& source : impl_.sources) {
      if (!source.patterns) continue;
      absl::Status status = source.patterns->Build(impl_.limits.max_pattern_bytes - bytes);
      if (!status.ok()) return status;
      const hs_database_t* database = source.patterns->database();
      if (database != nullptr) {
        size_t size = 0;
        hs_database_size(database, &size);
        bytes += size;
        if (hs_alloc_scratch(database, &impl_.prototype_scratch) != HS_SUCCESS) {
          return absl::ResourceExhaustedError("cannot allocate Hyperscan scratch space");
        }
      }
    }
    return absl::OkStatus();
  }

  const RuleSet& rules_;
  CompiledRuleSet::Impl& impl_;
  absl::flat_hash_map<std::string, uint32_t> source_ids_;
  absl::flat_hash_map<std::string, uint32_t> predicate_ids_;
  // Sources some rule can only be anchored on by their patterns (BuildDispatch).
  absl::flat_hash_set<uint32_t> scanned_sources_;
  std::set<SlotId> guard_slots_;  // the fields of guards (Guards)
};

// Evaluates predicates and programs for one record.
class Evaluation {
 public:
  Evaluation(const CompiledRuleSet::Impl& impl, CompiledRuleSet::Scratch& scratch)
      : impl_(impl), s_(scratch) {}

  // Lists every rule the record reaches (Scratch::reached_rules): the
  // unanchored ones, the ones filed under a value of the record, the ones
  // filed under a pattern that matches.
  void Reach() {
    std::vector<uint64_t>& reached = s_.reached;
    s_.pattern_hits.clear();
    for (uint32_t rule : s_.reached_rules) reached[rule / 64] = 0;
    s_.reached_rules.clear();
    auto reach = [&](const std::vector<uint32_t>& rules) {
      for (uint32_t rule : rules) {
        uint64_t& word = reached[rule / 64];
        const uint64_t bit = uint64_t{1} << (rule % 64);
        if ((word & bit) == 0) s_.reached_rules.push_back(rule);
        word |= bit;
      }
    };
    reach(impl_.unanchored_rules);
    // Groups are sorted by their guards: when a group's first guard fails,
    // the groups after it that start with the same guard fail too.
    auto reach_guarded = [&](const std::vector<GuardedRules>& groups) {
      for (size_t at = 0; at < groups.size();) {
        const uint32_t first_guard = groups[at].first_guard;
        if (first_guard != GuardedRules::kNoGuard && PredicateValue(first_guard) != TriBool::kTrue) {
          while (++at < groups.size() && groups[at].first_guard == first_guard) {
          }
          continue;
        }
        const std::vector<uint32_t>& guards = groups[at].guards;
        bool rest_hold = std::all_of(guards.begin() + std::min<size_t>(guards.size(), 1), guards.end(),
                                     [&](uint32_t guard) { return PredicateValue(guard) == TriBool::kTrue; });
        if (rest_hold) reach(groups[at].rules);
        ++at;
      }
    };
    for (const auto& [slot, index] : impl_.dispatch) {
      for (const ScalarRef& value : s_.view.candidates(slot)) {
        if (value.kind == ScalarRef::Kind::kNull) continue;
        std::string_view text = ScalarText(value, s_.buffer);
        auto it = index.find(text);
        if (it != index.end()) reach_guarded(it->second);
      }
    }
    for (uint32_t source_id : impl_.pattern_anchor_sources) {
      const Source& source = impl_.sources[source_id];
      if (Candidates(source_id).size() > kMaxIndexedCandidates) {  // no hit masks: reach them all
        for (uint32_t predicate : source.pattern_predicate) reach_guarded(impl_.predicates[predicate].anchored);
        continue;
      }
      EnsurePatternHits(source_id);
    }
    // By index: a pattern guard's scan may add hits.
    for (size_t hit = 0; hit < s_.pattern_hits.size(); ++hit) {
      reach_guarded(impl_.predicates[s_.pattern_hits[hit]].anchored);
    }
  }

  TriBool Program(uint32_t index) {
    const ProgramNode* nodes = impl_.program_nodes.data();
    const ProgramNode& node = nodes[index];
    switch (node.kind) {
      case ProgramNode::Kind::kTrue:
        return TriBool::kTrue;
      case ProgramNode::Kind::kPredicate:
        return PredicateValue(node.predicate);
      case ProgramNode::Kind::kNot:
        return Not(Program(index + 1));
      case ProgramNode::Kind::kAnd: {
        TriBool result = TriBool::kTrue;
        for (uint32_t child = index + 1; child < node.next; child = nodes[child].next) {
          TriBool v = Child(child);
          if (v == TriBool::kFalse) return v;
          if (v == TriBool::kNull) result = v;
        }
        return result;
      }
      case ProgramNode::Kind::kOr: {
        TriBool result = TriBool::kFalse;
        for (uint32_t child = index + 1; child < node.next; child = nodes[child].next) {
          TriBool v = Child(child);
          if (v == TriBool::kTrue) return v;
          if (v == TriBool::kNull) result = v;
        }
        return result;
      }
    }
    return TriBool::kNull;
  }

 private:
  // A child of AND / OR: a predicate without a call (most are).
  TriBool Child(uint32_t index) {
    const ProgramNode& node = impl_.program_nodes[index];
    return node.kind == ProgramNode::Kind::kPredicate ? PredicateValue(node.predicate) : Program(index);
  }

  TriBool PredicateValue(uint32_t id) {
    const auto& memo = s_.predicate_memo[id];
    return memo.epoch == s_.epoch ? memo.value : ComputeAndMemoise(id);
  }

  // Out of line, so that the program walk above stays small.
  __attribute__((noinline)) TriBool ComputeAndMemoise(uint32_t id) {
    TriBool value = Compute(id);
    s_.predicate_memo[id] = {s_.epoch, value};
    return value;
  }

  const std::vector<ScalarRef>& Candidates(uint32_t source_id) {
    const Source& source = impl_.sources[source_id];
    const std::vector<ScalarRef>& raw = s_.view.candidates(source.slot);
    if (source.transform == Transform::kNone) return raw;
    std::vector<ScalarRef>& out = s_.transformed[source_id];
    if (s_.source_epoch[source_id] == s_.epoch) return out;
    s_.source_epoch[source_id] = s_.epoch;
    out.clear();
    std::deque<std::string>& texts = s_.transformed_text[source_id];
    size_t used = 0;
    for (const ScalarRef& value : raw) {
      ScalarRef result;  // NULL unless the value transforms
      if (value.kind != ScalarRef::Kind::kNull) {
        std::string_view text = ScalarText(value, s_.buffer);
        if (source.transform == Transform::kLower || source.transform == Transform::kUpper) {
          if (used == texts.size()) texts.emplace_back();
          std::string& owned = texts[used++];
          owned.assign(text.data(), text.size());
          source.transform == Transform::kLower ? absl::AsciiStrToLower(&owned) : absl::AsciiStrToUpper(&owned);
          result.kind = ScalarRef::Kind::kString;
          result.text = owned;
        } else if (std::optional<absl::Time> time = ParseTimestamp(text)) {
          absl::CivilSecond civil = absl::ToCivilSecond(*time, source.time_zone);
          int number = source.transform == Transform::kHour ? civil.hour()
                                                            : static_cast<int>(absl::GetWeekday(civil)) + 1;
          result.kind = ScalarRef::Kind::kNumber;
          result.int_value = number;
          result.number = number;
        }
      }
      out.push_back(result);
    }
    return out;
  }

  // Looks the source's values up in its equality index.
  const CompiledRuleSet::Scratch::EqualityCandidates& EnsureEqualityLookup(uint32_t source_id) {
    CompiledRuleSet::Scratch::EqualityCandidates& summary = s_.equality_candidates[source_id];
    if (s_.equality_epoch[source_id] == s_.epoch) return summary;
    s_.equality_epoch[source_id] = s_.epoch;
    const Source& source = impl_.sources[source_id];
    const std::vector<ScalarRef>& values = Candidates(source_id);
    summary.indexed = values.size() <= kMaxIndexedCandidates;
    summary.null_or_none = values.empty();
    summary.non_null_mask = 0;
    summary.found.clear();
    if (!summary.indexed) return summary;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].kind == ScalarRef::Kind::kNull) {
        summary.null_or_none = true;
        continue;
      }
      summary.non_null_mask |= uint64_t{1} << i;
      std::string_view text = ScalarText(values[i], s_.buffer);
      auto it = source.equality_index.find(text);
      if (it != source.equality_index.end()) summary.found.emplace_back(static_cast<uint32_t>(i), &it->second);
    }
    return summary;
  }

  // Which candidates satisfy the indexed equality / IN predicate `id`.
  static uint64_t EqualityHits(uint32_t id, const CompiledRuleSet::Scratch::EqualityCandidates& candidates) {
    uint64_t hits = 0;
    for (const auto& [candidate, predicates] : candidates.found) {
      if (std::binary_search(predicates->begin(), predicates->end(), id)) hits |= uint64_t{1} << candidate;
    }
    return hits;
  }

  void EnsurePatternHits(uint32_t source_id) {
    if (s_.pattern_epoch[source_id] == s_.epoch) return;
    s_.pattern_epoch[source_id] = s_.epoch;
    const Source& source = impl_.sources[source_id];
    const std::vector<ScalarRef>& values = Candidates(source_id);
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i].kind == ScalarRef::Kind::kNull) continue;
      std::string_view text = ScalarText(values[i], s_.buffer);
      size_t hash = TextHash()(text);
      CompiledRuleSet::Scratch::ScanMemo& memo = *s_.scan_memo[source_id];
      const std::vector<uint32_t>* matched = memo.Find(text, hash);
      if (matched == nullptr) {
        s_.patterns_matched.clear();
        source.patterns->Scan(text, s_.hyperscan, s_.hyperscan_matched, s_.patterns_matched);
        memo.Remember(text, hash, s_.patterns_matched);
        matched = &s_.patterns_matched;
      }
      for (uint32_t pattern : *matched) {
        uint32_t predicate = source.pattern_predicate[pattern];
        if (s_.pattern_hit[predicate].epoch != s_.epoch) s_.pattern_hits.push_back(predicate);
        MarkPatternHit(predicate, i);
      }
    }
  }

  void MarkPatternHit(uint32_t predicate, size_t candidate) {
    CompiledRuleSet::Scratch::PatternHit& hit = s_.pattern_hit[predicate];
    if (hit.epoch != s_.epoch) {
      hit.epoch = s_.epoch;
      hit.mask = 0;
    }
    hit.mask |= uint64_t{1} << candidate;
  }

  bool PatternHitAt(uint32_t predicate, size_t candidate) const {
    const CompiledRuleSet::Scratch::PatternHit& hit = s_.pattern_hit[predicate];
    return hit.epoch == s_.epoch && (hit.mask >> candidate) & 1;
  }

  bool InCidrs(const Predicate& p, const ScalarRef& value) {
    if (!p.cidrs || p.cidrs->empty()) return false;
    std::optional<IpAddress> address = ParseIpAddress(ScalarText(value, s_.buffer));
    return address && p.cidrs->Contains(*address);
  }

  TriBool InList(const Predicate& p, const ScalarRef& value) {
    bool saw_null = false;
    for (const Literal& item : p.list->items) {
      TriBool equal = CompareScalar(value, item, CompareOp::kEq, s_.buffer);
      if (equal == TriBool::kTrue) return equal;
      saw_null |= equal == TriBool::kNull;
    }
    if (InCidrs(p, value)) return TriBool::kTrue;
    return saw_null ? TriBool::kNull : TriBool::kFalse;
  }

  bool PatternMatches(const Predicate& p, const ScalarRef& value) {
    return impl_.sources[p.source].patterns->MatchesOne(p.pattern, ScalarText(value, s_.buffer));
  }

  // Reads the predicate's head; the Predicate itself only where the head
  // does not answer (literals, lists, CIDRs, functions).
  TriBool Compute(uint32_t id) {
    const PredicateHead head = impl_.heads[id];
    const Predicate& p = impl_.predicates[id];
    if (head.kind == Predicate::Kind::kGeneric) return Generic(p);
    if (head.kind == Predicate::Kind::kIsNull) {
      return FromBool(s_.view.present(impl_.sources[head.source].slot) == head.negated);
    }
    if (head.kind == Predicate::Kind::kStringTest && p.function == Function::kContains) return Contains(p);
    if (head.indexed && !head.cidrs && (head.kind == Predicate::Kind::kCompare || head.kind == Predicate::Kind::kIn)) {
      // The common guard, answered from its hits and the candidates'
      // summary: what the loop below gives for it, without the loop.
      const CompiledRuleSet::Scratch::EqualityCandidates& candidates = EnsureEqualityLookup(head.source);
      if (candidates.indexed) {
        const uint64_t hits = EqualityHits(id, candidates);
        // IN: a candidate hit; NOT IN: a non-NULL candidate missed.
        const bool any_true = head.kind == Predicate::Kind::kIn && head.negated ? hits != candidates.non_null_mask
                                                                                : hits != 0;
        return any_true ? TriBool::kTrue : candidates.null_or_none ? TriBool::kNull : TriBool::kFalse;
      }
    }
    const std::vector<ScalarRef>& values = Candidates(head.source);
    bool use_hits = values.size() <= kMaxIndexedCandidates;
    // Of the indexed predicates only IN lists with CIDRs get here with few
    // enough candidates to look up (the others were answered above).
    const uint64_t equality_hits = use_hits && head.indexed ? EqualityHits(id, EnsureEqualityLookup(head.source)) : 0;
    if (use_hits && head.kind == Predicate::Kind::kPattern) EnsurePatternHits(head.source);
    AnyOf any;
    for (size_t i = 0; i < values.size(); ++i) {
      const ScalarRef& v = values[i];
      if (v.kind == ScalarRef::Kind::kNull) {
        any.Add(TriBool::kNull);
        continue;
      }
      TriBool result = TriBool::kNull;
      switch (head.kind) {
        case Predicate::Kind::kCompare:
          result = CompareScalar(v, p.literal, p.op, s_.buffer);
          break;
        case Predicate::Kind::kIn:
          result = head.indexed && use_hits ? FromBool(((equality_hits >> i) & 1) || InCidrs(p, v)) : InList(p, v);
          result = Negate(result, head.negated);
          break;
        case Predicate::Kind::kPattern:
          result = Negate(FromBool(use_hits ? PatternHitAt(id, i) : PatternMatches(p, v)), head.negated);
          break;
        case Predicate::Kind::kBetween:
          result = And(CompareScalar(v, p.literal, CompareOp::kGe, s_.buffer),
                       CompareScalar(v, p.high, CompareOp::kLe, s_.buffer));
          result = Negate(result, head.negated);
          break;
        case Predicate::Kind::kStringTest: {
          std::string_view text = ScalarText(v, s_.buffer);
          std::string_view needle = p.literal.text;
          bool hit = p.function == Function::kStartsWith
                         ? text.substr(0, needle.size()) == needle
                         : text.size() >= needle.size() && text.substr(text.size() - needle.size()) == needle;
          result = FromBool(hit);
          break;
        }
        case Predicate::Kind::kCidr: {
          std::optional<IpAddress> address = ParseIpAddress(ScalarText(v, s_.buffer));
          result = address ? FromBool(p.cidrs->Contains(*address)) : TriBool::kNull;
          break;
        }
        case Predicate::Kind::kTruthy: {
          std::optional<bool> b = ToBool(v);
          result = b ? FromBool(*b) : TriBool::kNull;
          break;
        }
        default:
          break;
      }
      any.Add(result);
      if (result == TriBool::kTrue) break;
    }
    return any.result();
  }

  // contains(x, 'lit'): a substring test on a string, element equality on an
  // array (an array gives TRUE or FALSE, never NULL).
  TriBool Contains(const Predicate& p) {
    const std::vector<ScalarRef>& values = Candidates(p.source);
    bool arrays = impl_.sources[p.source].transform == Transform::kNone &&
                  s_.view.array_count(impl_.sources[p.source].slot) > 0;
    bool saw_direct = false, saw_null = false;
    for (const ScalarRef& v : values) {
      if (v.from_array) {
        if (CompareScalar(v, p.literal, CompareOp::kEq, s_.buffer) == TriBool::kTrue) return TriBool::kTrue;
        continue;
      }
      saw_direct = true;
      if (v.kind == ScalarRef::Kind::kNull) {
        saw_null = true;
      } else if (ScalarText(v, s_.buffer).find(p.literal.text) != std::string_view::npos) {
        return TriBool::kTrue;
      }
    }
    if (saw_null || (!saw_direct && !arrays)) return TriBool::kNull;
    return TriBool::kFalse;
  }

  TriBool Generic(const Predicate& p) {
    if (s_.dom_epoch != s_.epoch) {
      s_.dom_epoch = s_.epoch;
      s_.dom_failed = s_.dom_parser.parse(s_.record.data(), s_.record.size()).get(s_.dom_record) != simdjson::SUCCESS;
    }
    if (s_.dom_failed) return TriBool::kNull;
    return ReferenceInterpreter::EvaluateCondition(*p.generic, s_.dom_record);
  }

  const CompiledRuleSet::Impl& impl_;
  CompiledRuleSet::Scratch& s_;
};

std::optional<std::string_view> SingleString(const RecordView& view, SlotId slot) {
  const std::vector<ScalarRef>& values = view.candidates(slot);
  if (values.size() != 1 || values[0].kind != ScalarRef::Kind::kString || values[0].from_array) return std::nullopt;
  return values[0].text;
}

}  // namespace

CompiledRuleSet::CompiledRuleSet(RuleSet rules) : rules_(std::move(rules)), impl_(std::make_unique<Impl>()) {}

CompiledRuleSet::~CompiledRuleSet() {
  if (impl_->prototype_scratch != nullptr) hs_free_scratch(impl_->prototype_scratch);
}

absl::StatusOr<std::unique_ptr<const CompiledRuleSet>> CompiledRuleSet::Compile(const RuleSet& rules,
                                                                                  CompileLimits limits) {
  std::unique_ptr<CompiledRuleSet> compiled(new CompiledRuleSet(rules));
  compiled->impl_->limits = limits;
  absl::Status status = Compiler(compiled->rules_, *compiled->impl_).Run();
  if (!status.ok()) return status;
  return std::unique_ptr<const CompiledRuleSet>(std::move(compiled));
}

bool CompiledRuleSet::Scratch::NothingMoreNeeded() {
  Evaluation(impl_, *this).Reach();
  reached_known = true;
  return reached_rules.empty();
}

CompiledRuleSet::ScratchPtr CompiledRuleSet::NewScratch(Walk walk) const {
  return ScratchPtr(
      new Scratch(*impl_, RecordViewLimits{impl_->limits.max_json_depth}, walk == Walk::kStopWhenNothingCanMatch));
}

void CompiledRuleSet::ScratchDeleter::operator()(Scratch* scratch) const { delete scratch; }

size_t CompiledRuleSet::predicate_count() const { return impl_->predicates.size(); }

absl::Status CompiledRuleSet::Match(std::string_view record, Scratch& scratch, std::vector<uint32_t>& matched) const {
  if (++scratch.epoch == 0) {  // after 2^32 records: start the memo afresh
    std::fill(scratch.predicate_memo.begin(), scratch.predicate_memo.end(), CompiledRuleSet::Scratch::PredicateMemo{});
    std::fill(scratch.pattern_hit.begin(), scratch.pattern_hit.end(), CompiledRuleSet::Scratch::PatternHit{});
    std::fill(scratch.source_epoch.begin(), scratch.source_epoch.end(), 0);
    std::fill(scratch.equality_epoch.begin(), scratch.equality_epoch.end(), 0);
    std::fill(scratch.pattern_epoch.begin(), scratch.pattern_epoch.end(), 0);
    scratch.dom_epoch = 0;
    scratch.epoch = 1;
  }
  scratch.record = record;
  scratch.reached_known = false;
  absl::Status status = scratch.view.Extract(record);
  if (!status.ok()) return status;

  Evaluation evaluation(*impl_, scratch);
  if (!scratch.reached_known) evaluation.Reach();
  const uint32_t* roots = impl_->program_roots.data();
  const ProgramNode* nodes = impl_->program_nodes.data();
  std::vector<uint32_t>& reached = scratch.reached_rules;
  std::sort(reached.begin(), reached.end());  // matches come in rule order
  for (size_t i = 0; i < reached.size(); ++i) {
    // The next reached rule's program, while this one runs: programs lie
    // far apart when there are many rules.
    if (i + 1 < reached.size()) __builtin_prefetch(&nodes[roots[reached[i + 1]]]);
    if (evaluation.Program(roots[reached[i]]) == TriBool::kTrue) matched.push_back(reached[i]);
  }
  if (scratch.dom_epoch == scratch.epoch && scratch.dom_failed) {
    matched.clear();
    return absl::InvalidArgumentError("invalid_json: the record does not parse as a whole");
  }
  return absl::OkStatus();
}

bool CompiledRuleSet::StoppedEarly(const Scratch& scratch) const { return scratch.view.cut_short(); }

std::optional<std::string_view> CompiledRuleSet::EventName(const Scratch& scratch) const {
  return SingleString(scratch.view, impl_->event_name_slot);
}
std::optional<std::string_view> CompiledRuleSet::EventId(const Scratch& scratch) const {
  return SingleString(scratch.view, impl_->event_id_slot);
}
std::optional<std::string_view> CompiledRuleSet::EventTime(const Scratch& scratch) const {
  return SingleString(scratch.view, impl_->event_time_slot);
}

namespace {

// A slot's value as JSON text, as ReferenceInterpreter::ValueJson gives it,
// appended to `out`: when it is a single scalar; false otherwise (`out`
// untouched).
bool AppendSlotJson(const RecordView& view, SlotId slot, std::string& out) {
  const std::vector<ScalarRef>& candidates = view.candidates(slot);
  if (candidates.empty()) {
    if (view.present(slot)) return false;  // e.g. an empty array
    out += "null";
    return true;
  }
  if (candidates.size() != 1 || candidates[0].from_array || view.array_count(slot) != 0) return false;
  const ScalarRef& scalar = candidates[0];
  switch (scalar.kind) {
    case ScalarRef::Kind::kNull:
      out += "null";
      return true;
    case ScalarRef::Kind::kString:
      AppendJsonString(out, scalar.text);
      return true;
    case ScalarRef::Kind::kObject:
    case ScalarRef::Kind::kArray:
      return false;
    default: {
      std::string buffer;  // integers fit in the string itself; a long double's text allocates
      out += ScalarText(scalar, buffer);
      return true;
    }
  }
}

}  // namespace

bool CompiledRuleSet::AppendExtractedValueJson(const Scratch& scratch, const BoundExpr& value,
                                               std::string& out) const {
  if (scratch.view.cut_short()) return false;
  auto found = impl_->value_slots.find(&value);
  return found != impl_->value_slots.end() && AppendSlotJson(scratch.view, found->second, out);
}

bool CompiledRuleSet::AppendExtractedFieldsJson(const Scratch& scratch, uint32_t rule, std::string& out) const {
  const Impl::Projection& projection = impl_->projections[rule];
  if (!projection.extracted || scratch.view.cut_short()) return false;
  const size_t size_before = out.size();
  for (const auto& [key, slot] : projection.items) {
    out += key;
    if (!AppendSlotJson(scratch.view, slot, out)) {
      out.resize(size_before);
      return false;
    }
  }
  out += projection.items.empty() ? "{}" : "}";
  return true;
}

std::string CompiledRuleSet::Explain() const {
  const Impl& impl = *impl_;
  std::string out = "compiled rule set\n";
  absl::StrAppend(&out, "  ", rules_.rules.size(), " rules, ", impl.predicates.size(), " distinct predicates, ",
                  impl.sources.size(), " value sources, ", impl.trie.slot_count(), " extracted paths\n");
  out += "\npath trie (one pass over each record enters only these):\n";
  out += impl.trie.ToString();
  out += "\nvalue sources:\n";
  for (const Source& source : impl.sources) {
    absl::StrAppend(&out, "  ", source.name, "  [slot ", source.slot, "]");
    if (!source.equality_index.empty()) absl::StrAppend(&out, "  hash index: ", source.equality_index.size(), " values");
    if (source.patterns) absl::StrAppend(&out, "  patterns: ", source.patterns->size());
    out += "\n";
    if (source.patterns) out += source.patterns->Describe();
  }
  out += "\nshared predicates (id: kind: condition <- rules):\n";
  for (size_t id = 0; id < impl.predicates.size(); ++id) {
    const Predicate& p = impl.predicates[id];
    absl::StrAppend(&out, "  p", id, ": ", p.KindName(), ": ", p.sql, "  <-");
    for (uint32_t rule : p.rules) absl::StrAppend(&out, " ", rules_.rules[rule].name);
    out += "\n";
  }
  out += "\ndispatch index:\n";
  size_t filed = 0, guarded = 0;
  auto count = [&](const std::vector<GuardedRules>& groups) {
    for (const GuardedRules& group : groups) {
      filed += group.rules.size();
      if (!group.guards.empty()) guarded += group.rules.size();
    }
  };
  for (const auto& [slot, index] : impl.dispatch) {
    filed = guarded = 0;
    for (const auto& [value, groups] : index) count(groups);
    absl::StrAppend(&out, "  on ", impl.trie.path(slot).ToString(), ": ", index.size(), " values -> ", filed,
                    " rule entries (", guarded, " behind a guard)\n");
  }
  for (uint32_t source_id : impl.pattern_anchor_sources) {
    size_t patterns = 0;
    filed = guarded = 0;
    for (uint32_t predicate : impl.sources[source_id].pattern_predicate) {
      patterns += !impl.predicates[predicate].anchored.empty();
      count(impl.predicates[predicate].anchored);
    }
    absl::StrAppend(&out, "  on the patterns of ", impl.sources[source_id].name, ": ", patterns, " patterns -> ",
                    filed, " rule entries (", guarded, " behind a guard)\n");
  }
  absl::StrAppend(&out, "  always evaluated: ", impl.unanchored_rules.size(), " rules\n");
  if (impl.decisive_slots.empty()) {
    out += "  the walk reads every path above (a rule is always evaluated)\n";
  } else {
    std::set<std::string> keys;
    for (SlotId slot : impl.decisive_slots) keys.insert(impl.trie.path(slot).steps[0].key);
    absl::StrAppend(&out, "  the walk stops once ", absl::StrJoin(keys, ", "),
                    " show that a record reaches no rule\n");
  }
  out += "\nrule programs:\n";
  const std::vector<ProgramNode>& nodes = impl.program_nodes;
  std::function<std::string(uint32_t)> show = [&](uint32_t index) -> std::string {
    const ProgramNode& node = nodes[index];
    switch (node.kind) {
      case ProgramNode::Kind::kTrue: return "TRUE";
      case ProgramNode::Kind::kPredicate: return absl::StrCat("p", node.predicate);
      case ProgramNode::Kind::kNot: return "NOT " + show(index + 1);
      default: {
        std::string joined;
        for (uint32_t child = index + 1; child < node.next; child = nodes[child].next) {
          if (!joined.empty()) joined += node.kind == ProgramNode::Kind::kAnd ? " AND " : " OR ";
          joined += show(child);
        }
        return "(" + joined + ")";
      }
    }
  };
  for (size_t rule = 0; rule < impl.program_roots.size(); ++rule) {
    absl::StrAppend(&out, "  ", rules_.rules[rule].name, ": ", show(impl.program_roots[rule]), "   [",
                    impl.anchor_description[rule], "]\n");
  }
  return out;
}

}  // namespace trailhound
