#include "checkpoint/risk/watchlist.hpp"

#include <malloc.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <tuple>
#include <unordered_set>

#include "checkpoint/cargo/iso6346.hpp"
#include "checkpoint/risk/document_key.hpp"
#include "checkpoint/risk/plate.hpp"

namespace checkpoint::risk {
namespace {

Error ParseError(std::string message) {
  return MakeError(CommonErrc::kParse, std::move(message));
}

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kDaysTo2000 = 10'957;  // 1970-01-01 to 2000-01-01
constexpr std::size_t kMaxIdBytes = 128;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

// Validity kept to the day (1 = 2000-01-01, 0 = open): from rounded down, until
// rounded up, so that an entry may apply longer than listed, never shorter.
std::uint16_t FromDay(std::int64_t ms) {
  if (ms == 0) return 0;
  return static_cast<std::uint16_t>(
      std::clamp<std::int64_t>(FloorDiv(ms, kDayMs) - kDaysTo2000 + 1, 1, 65535));
}
std::uint16_t UntilDay(std::int64_t ms) {
  if (ms == 0) return 0;
  return static_cast<std::uint16_t>(
      std::clamp<std::int64_t>(FloorDiv(ms + kDayMs - 1, kDayMs) - kDaysTo2000 + 1, 1, 65535));
}
bool ActiveOn(std::uint16_t from, std::uint16_t until, std::int64_t now_ms) {
  if (now_ms == 0) return true;
  const std::int64_t today = FloorDiv(now_ms, kDayMs) - kDaysTo2000 + 1;
  return (from == 0 || from <= today) && (until == 0 || today < until);
}

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<' || c == ' ') continue;
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

// Germany is "D" in an MRZ; some lists write DEU.
std::string StateCode(std::string_view s) {
  std::string u = Upper(s);
  return u == "DEU" ? "D" : u;
}

std::uint64_t Hash(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

// The texts of a listing (agency, reason, action, document type, sharing policy as
// SharingKey), interned: lists repeat a few of them millions of times.
struct ListingText {
  std::string agency, reason, action, type, sharing;
  auto operator<=>(const ListingText&) const = default;
};

// Exact matches on a key: a document number key with its state, a plate key with its
// country, a container key. Arrays side by side, sorted by the key's hash (64 bits;
// a false match between a reading and ten million entries has odds below 1e-12).
class KeyIndex {
 public:
  Status Add(std::string_view key, std::string_view id, std::uint16_t listing, const Listing& l) {
    if (id.empty() || id.size() > kMaxIdBytes) {
      return ParseError("entry id must be 1 to " + std::to_string(kMaxIdBytes) + " bytes");
    }
    hash_.push_back(Hash(key));
    id_at_.push_back(static_cast<std::uint32_t>(ids_.size()));
    id_len_.push_back(static_cast<std::uint8_t>(id.size()));
    ids_.append(id);
    listing_.push_back(listing);
    // Validity arrays only once some entry has one: most lists have none.
    const std::uint16_t from = FromDay(l.valid_from_ms), until = UntilDay(l.valid_until_ms);
    if ((from != 0 || until != 0) && !validity_) {
      validity_ = true;
      from_.assign(hash_.size() - 1, 0);
      until_.assign(hash_.size() - 1, 0);
    }
    if (validity_) {
      from_.push_back(from);
      until_.push_back(until);
    }
    return {};
  }

  void Finish() {
    std::vector<std::uint32_t> order(hash_.size());
    std::iota(order.begin(), order.end(), 0U);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t a, std::uint32_t b) { return hash_[a] < hash_[b]; });
    Permute(hash_, order);
    Permute(id_at_, order);
    Permute(id_len_, order);
    Permute(listing_, order);
    if (validity_) {
      Permute(from_, order);
      Permute(until_, order);
    }
    ids_.shrink_to_fit();
  }

  // f(id, listing, active) for every entry under key.
  template <typename F>
  void Find(std::string_view key, std::int64_t now_ms, F&& f) const {
    const std::uint64_t h = Hash(key);
    auto [lo, hi] = std::equal_range(hash_.begin(), hash_.end(), h);
    for (auto it = lo; it != hi; ++it) {
      const auto i = static_cast<std::size_t>(it - hash_.begin());
      f(std::string_view(ids_).substr(id_at_[i], id_len_[i]), listing_[i],
        !validity_ || ActiveOn(from_[i], until_[i], now_ms));
    }
  }

  std::size_t size() const { return hash_.size(); }
  std::size_t bytes() const {
    return hash_.capacity() * 8 + id_at_.capacity() * 4 + id_len_.capacity() + ids_.capacity() +
           (listing_.capacity() + from_.capacity() + until_.capacity()) * 2;
  }

 private:
  template <typename T>
  static void Permute(std::vector<T>& v, const std::vector<std::uint32_t>& order) {
    std::vector<T> out;
    out.reserve(v.size());
    for (std::uint32_t i : order) out.push_back(v[i]);
    v = std::move(out);
  }

  std::vector<std::uint64_t> hash_;
  std::vector<std::uint32_t> id_at_;
  std::vector<std::uint8_t> id_len_;
  std::string ids_;
  std::vector<std::uint16_t> listing_, from_, until_;
  bool validity_ = false;  // from_ and until_ exist once an entry has a validity
};

std::string DocumentKey(std::string_view number, std::string_view state) {
  return DocumentNumberKey(number, state) + '|' + StateCode(state);
}
std::string PlateKey(const NormalisedPlate& plate, std::string_view country) {
  return PlateMatchKey(plate.text, country) + '|' + Upper(country);
}

}  // namespace

// The exact-match lists and the texts of their listings.
struct ExactLists {
  KeyIndex documents, vehicles, containers;
  std::vector<ListingText> listings;
  std::map<ListingText, std::uint16_t> interned;  // build time only

  Expected<std::uint16_t> Intern(const Listing& l, std::string_view type) {
    ListingText t{l.agency, l.reason, l.action, std::string(type), SharingKey(l.share_with)};
    auto it = interned.find(t);
    if (it != interned.end()) return it->second;
    if (listings.size() >= 65535) return ParseError("more than 65535 distinct listings");
    const auto id = static_cast<std::uint16_t>(listings.size());
    listings.push_back(t);
    interned.emplace(std::move(t), id);
    return id;
  }

  Status AddDocument(const DocumentRecord& d) {
    if (DocumentNumberKey(d.number, d.issuing_state).empty()) {
      return ParseError("listed document " + d.id + " has no number");
    }
    auto l = Intern(d.listing, d.type);
    if (!l) return std::move(l).error();
    return documents.Add(DocumentKey(d.number, d.issuing_state), d.id, *l, d.listing);
  }
  Status AddVehicle(const VehicleRecord& v) {
    const NormalisedPlate p = NormalisePlate(v.plate, v.country);
    if (p.text.empty()) return ParseError("listed vehicle " + v.id + " has no readable plate");
    auto l = Intern(v.listing, "");
    if (!l) return std::move(l).error();
    return vehicles.Add(PlateKey(p, v.country), v.id, *l, v.listing);
  }
  Status AddContainer(const ContainerRecord& c) {
    const std::string key = cargo::ContainerMatchKey(c.code);
    if (key.empty()) return ParseError("listed container " + c.id + " has no readable code");
    auto l = Intern(c.listing, "");
    if (!l) return std::move(l).error();
    return containers.Add(key, c.id, *l, c.listing);
  }
  void Finish() {
    documents.Finish();
    vehicles.Finish();
    containers.Finish();
    interned.clear();
  }
  std::size_t bytes() const {
    return documents.bytes() + vehicles.bytes() + containers.bytes() + listings.capacity() * 128;
  }
};

struct Watchlist::Snapshot {
  std::shared_ptr<const PersonIndex> persons, overlay_persons;
  std::shared_ptr<const ExactLists> exact, overlay_exact;
  // The overlay's records, kept to rebuild it with the next delta.
  std::shared_ptr<const WatchlistData> overlay;
  // Ids hidden in the base (removed, or replaced by the overlay), and the base's
  // person entries among them.
  std::shared_ptr<const std::unordered_set<std::string>> hidden;
  std::shared_ptr<const std::vector<bool>> hidden_persons;
  std::uint64_t version = 0;
};

namespace {

std::shared_ptr<const PersonIndex> EmptyPersons() {
  static const auto empty = PersonIndex::Build({}).value();
  return empty;
}

bool Hidden(const Watchlist::Snapshot& s, std::string_view id) {
  return !s.hidden->empty() && s.hidden->contains(std::string(id));
}

void ListingReasons(const ListingText& l, std::vector<std::string>& reasons) {
  if (!l.agency.empty()) reasons.push_back("listed by " + l.agency);
  if (!l.reason.empty()) reasons.push_back("reason: " + l.reason);
  if (!l.action.empty()) reasons.push_back("action: " + l.action);
}

// Exact hits in the base (minus hidden ids) and the overlay.
template <typename Lookup>
std::vector<WatchlistHit> ExactHits(const Watchlist::Snapshot& s, const char* kind, Lookup lookup,
                                    const std::function<std::string(const ListingText&)>& what) {
  std::vector<WatchlistHit> hits;
  auto collect = [&](const ExactLists& lists, bool base) {
    lookup(lists, [&](std::string_view id, std::uint16_t listing, bool active) {
      if (!active || (base && Hidden(s, id))) return;
      WatchlistHit h;
      h.id = id;
      h.kind = kind;
      h.score = 1.0;
      const ListingText& l = lists.listings[listing];
      h.agency = l.agency;
      h.share_with = SharingFromKey(l.sharing);
      h.reasons.push_back(what(l));
      ListingReasons(l, h.reasons);
      hits.push_back(std::move(h));
    });
  };
  collect(*s.exact, true);
  collect(*s.overlay_exact, false);
  std::sort(hits.begin(), hits.end(),
            [](const WatchlistHit& a, const WatchlistHit& b) { return a.id < b.id; });
  hits.erase(std::unique(hits.begin(), hits.end(),
                         [](const WatchlistHit& a, const WatchlistHit& b) { return a.id == b.id; }),
             hits.end());
  return hits;
}

WatchlistHit FromPerson(PersonHit&& p) {
  WatchlistHit h;
  h.id = std::move(p.id);
  h.kind = "person";
  h.score = p.score;
  h.agency = std::move(p.agency);
  h.share_with = std::move(p.share_with);
  h.reasons = std::move(p.reasons);
  return h;
}

}  // namespace

struct WatchlistBuilder::Impl {
  std::vector<PersonRecord> persons;
  std::shared_ptr<ExactLists> exact = std::make_shared<ExactLists>();
};

WatchlistBuilder::WatchlistBuilder() : impl_(std::make_unique<Impl>()) {}
WatchlistBuilder::~WatchlistBuilder() = default;

Status WatchlistBuilder::AddPerson(PersonRecord person) {
  impl_->persons.push_back(std::move(person));
  return {};
}
Status WatchlistBuilder::AddDocument(const DocumentRecord& d) {
  return impl_->exact->AddDocument(d);
}
Status WatchlistBuilder::AddVehicle(const VehicleRecord& v) {
  return impl_->exact->AddVehicle(v);
}
Status WatchlistBuilder::AddContainer(const ContainerRecord& c) {
  return impl_->exact->AddContainer(c);
}

Status WatchlistBuilder::Publish(Watchlist& watchlist) {
  auto persons = PersonIndex::Build(std::move(impl_->persons));
  if (!persons) return std::move(persons).error();
  impl_->exact->Finish();
  auto next = std::make_shared<Watchlist::Snapshot>();
  next->persons = *persons;
  next->overlay_persons = EmptyPersons();
  next->exact = std::move(impl_->exact);
  auto empty = std::make_shared<ExactLists>();
  empty->Finish();
  next->overlay_exact = std::move(empty);
  next->overlay = std::make_shared<const WatchlistData>();
  next->hidden = std::make_shared<const std::unordered_set<std::string>>();
  next->hidden_persons = std::make_shared<const std::vector<bool>>();
  impl_ = std::make_unique<Impl>();
  watchlist.Publish(std::move(next));
  // Building freed far more than the indexes keep (records, sort orders): hand it
  // back to the system so that the resident size is the indexes' (glibc).
  malloc_trim(0);
  return {};
}

Watchlist::Watchlist() {
  WatchlistBuilder empty;
  (void)empty.Publish(*this);
}
Watchlist::~Watchlist() = default;

void Watchlist::Publish(std::shared_ptr<const Snapshot> next) {
  auto cur = current_.load();
  auto with_version = std::make_shared<Snapshot>(*next);
  with_version->version = cur ? cur->version + 1 : 0;
  current_.store(std::move(with_version));
}

Status Watchlist::Replace(WatchlistData data) {
  std::lock_guard lock(writer_);
  WatchlistBuilder b;
  for (auto& p : data.persons) {
    if (auto s = b.AddPerson(std::move(p)); !s) return s;
  }
  for (const auto& d : data.documents) {
    if (auto s = b.AddDocument(d); !s) return s;
  }
  for (const auto& v : data.vehicles) {
    if (auto s = b.AddVehicle(v); !s) return s;
  }
  for (const auto& c : data.containers) {
    if (auto s = b.AddContainer(c); !s) return s;
  }
  return b.Publish(*this);
}

Status Watchlist::Apply(WatchlistDelta delta) {
  std::lock_guard lock(writer_);
  const auto cur = current_.load();
  // Every id the delta touches leaves the base and the old overlay.
  std::unordered_set<std::string> touched(delta.remove_ids.begin(), delta.remove_ids.end());
  for (const auto& p : delta.upsert.persons) touched.insert(p.id);
  for (const auto& d : delta.upsert.documents) touched.insert(d.id);
  for (const auto& v : delta.upsert.vehicles) touched.insert(v.id);
  for (const auto& c : delta.upsert.containers) touched.insert(c.id);

  WatchlistData overlay;
  auto keep = [&](const auto& from, auto& to, auto& add) {
    for (const auto& r : from) {
      if (!touched.contains(r.id)) to.push_back(r);
    }
    for (auto& r : add) to.push_back(std::move(r));
  };
  keep(cur->overlay->persons, overlay.persons, delta.upsert.persons);
  keep(cur->overlay->documents, overlay.documents, delta.upsert.documents);
  keep(cur->overlay->vehicles, overlay.vehicles, delta.upsert.vehicles);
  keep(cur->overlay->containers, overlay.containers, delta.upsert.containers);

  auto next = std::make_shared<Snapshot>(*cur);
  auto persons = PersonIndex::Build(overlay.persons);
  if (!persons) return std::move(persons).error();
  auto exact = std::make_shared<ExactLists>();
  for (const auto& d : overlay.documents) {
    if (auto s = exact->AddDocument(d); !s) return s;
  }
  for (const auto& v : overlay.vehicles) {
    if (auto s = exact->AddVehicle(v); !s) return s;
  }
  for (const auto& c : overlay.containers) {
    if (auto s = exact->AddContainer(c); !s) return s;
  }
  exact->Finish();
  auto hidden = std::make_shared<std::unordered_set<std::string>>(*cur->hidden);
  auto hidden_persons = std::make_shared<std::vector<bool>>(*cur->hidden_persons);
  hidden_persons->resize(cur->persons->size(), false);
  for (const auto& id : touched) {
    hidden->insert(id);
    if (auto e = cur->persons->Find(id)) (*hidden_persons)[*e] = true;
  }
  next->overlay_persons = *persons;
  next->overlay_exact = std::move(exact);
  next->overlay = std::make_shared<const WatchlistData>(std::move(overlay));
  next->hidden = std::move(hidden);
  next->hidden_persons = std::move(hidden_persons);
  Publish(std::move(next));
  return {};
}

std::vector<WatchlistHit> Watchlist::ScreenPerson(const PersonQuery& query,
                                                  const ScreeningOptions& options,
                                                  std::int64_t now_ms) const {
  const auto s = current_.load();
  ScreeningOptions o = options;
  o.now_ms = now_ms;
  o.hidden = s->hidden_persons.get();
  std::vector<PersonHit> hits = s->persons->Screen(query, o);
  o.hidden = nullptr;
  for (auto& h : s->overlay_persons->Screen(query, o)) hits.push_back(std::move(h));
  std::sort(hits.begin(), hits.end(), [](const PersonHit& a, const PersonHit& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.id < b.id);
  });
  if (hits.size() > options.max_hits) hits.resize(options.max_hits);
  std::vector<WatchlistHit> out;
  for (auto& h : hits) out.push_back(FromPerson(std::move(h)));
  return out;
}

std::vector<WatchlistHit> Watchlist::CheckDocument(std::string_view number,
                                                   std::string_view issuing_state,
                                                   std::int64_t now_ms) const {
  const auto s = current_.load();
  const std::string key = DocumentKey(number, issuing_state);
  if (DocumentNumberKey(number, issuing_state).empty()) return {};
  const std::string state = StateCode(issuing_state);
  return ExactHits(
      *s, "document", [&](const ExactLists& l, auto&& f) { l.documents.Find(key, now_ms, f); },
      [&](const ListingText& l) {
        return "document number listed for " + (state.empty() ? std::string("no state") : state) +
               (l.type.empty() ? "" : " (type " + l.type + ")");
      });
}

std::vector<WatchlistHit> Watchlist::CheckVehicle(std::string_view plate, std::string_view country,
                                                  std::int64_t now_ms) const {
  const auto s = current_.load();
  const NormalisedPlate p = NormalisePlate(plate, country);
  if (p.text.empty()) return {};
  const std::string key = PlateKey(p, country);
  return ExactHits(
      *s, "vehicle", [&](const ExactLists& l, auto&& f) { l.vehicles.Find(key, now_ms, f); },
      [&](const ListingText&) { return "plate " + p.text + " listed"; });
}

std::vector<WatchlistHit> Watchlist::CheckContainer(std::string_view code,
                                                    std::int64_t now_ms) const {
  const auto s = current_.load();
  const std::string key = cargo::ContainerMatchKey(code);
  if (key.empty()) return {};
  return ExactHits(
      *s, "container", [&](const ExactLists& l, auto&& f) { l.containers.Find(key, now_ms, f); },
      [&](const ListingText&) { return "container " + key + " listed"; });
}

WatchlistStats Watchlist::stats() const {
  const auto s = current_.load();
  WatchlistStats st;
  st.persons = s->persons->size() + s->overlay_persons->size();
  st.documents = s->exact->documents.size() + s->overlay_exact->documents.size();
  st.vehicles = s->exact->vehicles.size() + s->overlay_exact->vehicles.size();
  st.containers = s->exact->containers.size() + s->overlay_exact->containers.size();
  st.overlay_entries = s->overlay_persons->size() + s->overlay_exact->documents.size() +
                       s->overlay_exact->vehicles.size() + s->overlay_exact->containers.size();
  st.hidden_entries = s->hidden->size();
  st.version = s->version;
  st.bytes = s->persons->stats().bytes + s->overlay_persons->stats().bytes + s->exact->bytes() +
             s->overlay_exact->bytes();
  return st;
}

}  // namespace checkpoint::risk
