#include "checkpoint/inspection/sources.hpp"

#include <type_traits>
#include <variant>

namespace checkpoint::inspection {

Expected<std::shared_ptr<const documents::TrustAnchorSet>> LoadTrustAnchors(store::Store& store) {
  auto anchors = store.trust().LoadAnchors();
  if (!anchors) return std::move(anchors).error().WithContext("while loading trust anchors");
  auto set = documents::TrustAnchorSet::Build(*anchors);
  if (!set) return std::move(set).error().WithContext("while building trust anchors");
  return std::make_shared<const documents::TrustAnchorSet>(std::move(*set));
}

Expected<std::string> TrustGeneration(store::Store& store) {
  auto st = store.db().Prepare(
      "SELECT (SELECT count(*) FROM trust_csca), (SELECT coalesce(max(id), 0) FROM trust_csca), "
      "(SELECT count(*) FROM trust_crl), (SELECT coalesce(max(id), 0) FROM trust_crl)");
  if (!st) return std::move(st).error();
  auto row = st->Step();
  if (!row) return std::move(row).error();
  if (!*row) return std::string();
  return std::to_string(st->Int(0)) + ":" + std::to_string(st->Int(1)) + "/" +
         std::to_string(st->Int(2)) + ":" + std::to_string(st->Int(3));
}

Status StoreWatchlistSource::Load(store::Store& store, risk::Watchlist& into) {
  risk::WatchlistBuilder builder;
  auto s = store.watchlist().ForEach([&](risk::WatchlistEntry&& e) -> Status {
    return std::visit(
        [&](auto&& r) -> Status {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, risk::PersonRecord>) {
            return builder.AddPerson(std::move(r));
          } else if constexpr (std::is_same_v<T, risk::DocumentRecord>) {
            return builder.AddDocument(r);
          } else if constexpr (std::is_same_v<T, risk::VehicleRecord>) {
            return builder.AddVehicle(r);
          } else if constexpr (std::is_same_v<T, risk::ContainerRecord>) {
            return builder.AddContainer(r);
          } else {
            return {};  // a removal: the store holds none
          }
        },
        std::move(e.record));
  });
  if (!s) return s;
  return builder.Publish(into);
}

}  // namespace checkpoint::inspection
