#include "checkpoint/hal/protocols/camera_json.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint::hal::protocols;
using checkpoint::hal::Candidate;
using checkpoint::hal::ContainerCodeRead;
using checkpoint::hal::PlateRead;

namespace {

// The OpenALPR daemon's documented result shape (two plates, coordinates).
const char* kAlprResults = R"({"uuid":"f11e0acc-6aaf-4817-9299-9e6773043b8e","camera_id":1,
 "site_id":"headquarters","img_width":640,"img_height":480,"epoch_time":1402161050,
 "processing_time_ms":138.669163,"results":[
  {"plate":"S11FRE","confidence":77.130661,"matches_template":0,"region":"","region_confidence":0,
   "coordinates":[{"x":218,"y":342},{"x":407,"y":325},{"x":407,"y":413},{"x":218,"y":431}],
   "candidates":[{"plate":"S11FRE","confidence":77.130661,"matches_template":0},
    {"plate":"S11ERE","confidence":75.496307,"matches_template":0},
    {"plate":"S11RE","confidence":75.440361,"matches_template":0},
    {"plate":"S11CRE","confidence":75.340179,"matches_template":0},
    {"plate":"S11FHE","confidence":75.240974,"matches_template":0},
    {"plate":"S11EHE","confidence":73.606621,"matches_template":0},
    {"plate":"S11HE","confidence":73.550682,"matches_template":0},
    {"plate":"S11CHE","confidence":73.450493,"matches_template":0},
    {"plate":"S11FBE","confidence":71.782944,"matches_template":0},
    {"plate":"S11FE","confidence":71.762756,"matches_template":0},
    {"plate":"S11F3","confidence":70.1,"matches_template":0}]},
  {"plate":"EJLESSIE","confidence":78.167984,"region":"gb","candidates":[
    {"plate":"EDLESSIE","confidence":77.61319},{"plate":"EJLESSIE","confidence":78.167984}]}]})";

const char* kAlprGroupOld = R"({"version":1,"data_type":"alpr_group","epoch_start":1448326208789,
 "camera_id":1414799424,"uuids":["a","b"],"best_plate":{"plate":"A13709","confidence":92.075203,
 "matches_template":0,"plate_index":0,"region":"mo","region_confidence":0,
 "coordinates":[{"x":204,"y":134}],"candidates":[{"plate":"A13709","confidence":92.075203},
 {"plate":"A137O9","confidence":83.32373}]},"best_confidence":92.075203,
 "best_uuid":"a","best_plate_number":"A13709"})";

const char* kAlprGroupNew = R"({"data_type":"alpr_group","camera_id":1,
 "best_plate_number":"JD6085B","best_confidence":60.49,"best_region":"mx-nle",
 "best_plate":{"coordinates":[{"x":429,"y":502}],"vehicle_region":{"x":319,"y":322}},
 "candidates":[{"plate":"JD6085B","confidence":60.49},{"plate":"JO6085B","confidence":56.7}],
 "vehicle":{"color":[{"name":"white","confidence":80.1}]}})";

std::vector<PlateRead> Plates(std::string_view body) {
  auto d = ParsePlateEvent(body);
  if (auto* e = std::get_if<FrameError>(&d)) FAIL(e->kind + ": " + e->detail);
  return std::get<std::vector<PlateRead>>(d);
}

FrameError PlateError(std::string_view body, const CameraJsonLimits& limits = {}) {
  auto d = ParsePlateEvent(body, limits);
  REQUIRE(std::holds_alternative<FrameError>(d));
  return std::get<FrameError>(d);
}

FrameError ContainerError(std::string_view body) {
  auto d = ParseContainerEvent(body);
  REQUIRE(std::holds_alternative<FrameError>(d));
  return std::get<FrameError>(d);
}

}  // namespace

TEST_CASE("hal camera: OpenALPR results: percent confidences, candidates best first and capped",
          "[hal][camera]") {
  auto plates = Plates(kAlprResults);
  REQUIRE(plates.size() == 2);
  CHECK(plates[0].plate == "S11FRE");
  CHECK(plates[0].confidence == Approx(0.77130661));
  CHECK(plates[0].region.empty());
  REQUIRE(plates[0].candidates.size() == kMaxCandidates);
  CHECK(plates[0].candidates[0] == Candidate{"S11FRE", plates[0].confidence});
  CHECK(plates[0].candidates[1].text == "S11ERE");
  CHECK(plates[0].candidates.back().text == "S11FE");
  // The reading leads even when the camera listed it later; no duplicates.
  CHECK(plates[1].region == "gb");
  REQUIRE(plates[1].candidates.size() == 2);
  CHECK(plates[1].candidates[0].text == "EJLESSIE");
  CHECK(plates[1].candidates[1].text == "EDLESSIE");
  CHECK(Plates(R"({"data_type":"alpr_results","results":[]})").empty());
}

TEST_CASE("hal camera: OpenALPR agent groups, old and new field layouts", "[hal][camera]") {
  auto old_form = Plates(kAlprGroupOld);
  REQUIRE(old_form.size() == 1);
  CHECK(old_form[0].plate == "A13709");
  CHECK(old_form[0].region == "mo");
  CHECK(old_form[0].candidates.size() == 2);
  auto new_form = Plates(kAlprGroupNew);
  REQUIRE(new_form.size() == 1);
  CHECK(new_form[0].plate == "JD6085B");
  CHECK(new_form[0].confidence == Approx(0.6049));
  CHECK(new_form[0].region == "mx-nle");
  REQUIRE(new_form[0].candidates.size() == 2);
  CHECK(new_form[0].candidates[1].text == "JO6085B");
  CHECK(new_form[0].candidates[1].confidence == Approx(0.567));
  CHECK(PlateError(R"({"data_type":"heartbeat","cpu_cores":2})").kind == "unsupported");
}

TEST_CASE("hal camera: generic plate form: fractions, region, best reading added",
          "[hal][camera]") {
  auto p = Plates(R"({"type":"plate","text":" AA1234BB ","confidence":0.93,"region":"ua",
    "candidates":[{"text":"AA1234B8","confidence":0.41},{"text":"AA1Z34BB","confidence":0.52}]})");
  REQUIRE(p.size() == 1);
  CHECK(p[0] ==
        PlateRead{
            "AA1234BB", "ua", 0.93, {{"AA1234BB", 0.93}, {"AA1Z34BB", 0.52}, {"AA1234B8", 0.41}}});
  CHECK(Plates(R"({"type":"plate","text":"КА1234ВВ","confidence":1})")[0].plate == "КА1234ВВ");
  CHECK(PlateError(R"({"type":"container","code":"CSQU3054383","confidence":1})").kind ==
        "unsupported");
}

TEST_CASE("hal camera: container events: generic and results forms, spaces removed",
          "[hal][camera]") {
  auto d = ParseContainerEvent(R"({"type":"container","code":"CSQU 305438 3","confidence":0.8,
    "candidates":[{"text":"CSQU3O54383","confidence":0.2}]})");
  REQUIRE(std::holds_alternative<std::vector<ContainerCodeRead>>(d));
  auto c = std::get<std::vector<ContainerCodeRead>>(d);
  REQUIRE(c.size() == 1);
  CHECK(c[0] ==
        ContainerCodeRead{"CSQU3054383", 0.8, {{"CSQU3054383", 0.8}, {"CSQU3O54383", 0.2}}});
  // The check digit is not ours to judge.
  auto r = ParseContainerEvent(R"({"results":[{"code":"MSKU1234560","confidence":64}]})");
  REQUIRE(std::holds_alternative<std::vector<ContainerCodeRead>>(r));
  CHECK(std::get<std::vector<ContainerCodeRead>>(r)[0].confidence == Approx(0.64));
  CHECK(ContainerError(R"({"type":"container","code":"csqu3054383","confidence":1})").kind ==
        "malformed");
  CHECK(ContainerError(R"({"type":"container","code":"CSQU305438312345","confidence":1})").kind ==
        "out_of_range");
  CHECK(ContainerError(R"({"type":"container","code":"   ","confidence":1})").kind == "malformed");
}

TEST_CASE("hal camera: camera events: hostile structure", "[hal][camera]") {
  CHECK(PlateError(std::string(100000, '[') + std::string(100000, ']')).kind == "too_large");
  CHECK(PlateError(R"({"type":"plate","text":"AA1","confidence":0.5,"pad":")" +
                   std::string(70000, 'x') + "\"}")
            .kind == "too_large");
  CHECK(PlateError("{\"a\":[[[[1]]]]}", CameraJsonLimits{1024, 3}).kind == "too_large");
  CHECK(PlateError(R"({"type":"plate","text":"AA1","text":"BB2","confidence":0.5})").kind ==
        "malformed");
  CHECK(PlateError("{\"type\":\"plate\",\"text\":\"AA\xff\",\"confidence\":0.5}").kind ==
        "malformed");
  CHECK(
      PlateError(std::string("{\"type\":\"plate\",\"text\":\"A\0B\",\"confidence\":1}", 42)).kind ==
      "malformed");
  CHECK(PlateError(R"({"type":"plate","text":"A\u0000B","confidence":1})").kind == "malformed");
  CHECK(PlateError(R"([{"plate":"AA1"}])").kind == "malformed");
  CHECK(PlateError(R"({"results":{"plate":"AA1"}})").kind == "malformed");
  CHECK(PlateError(R"({"results":[{"confidence":50}]})").kind == "malformed");
  CHECK(PlateError(R"({"results":[{"plate":7,"confidence":50}]})").kind == "malformed");
  CHECK(PlateError(R"({"results":[{"plate":"AA1","confidence":"high"}]})").kind == "malformed");
  CHECK(PlateError(R"({"results":[{"plate":"AA1","confidence":true}]})").kind == "malformed");
  CHECK(PlateError(R"({"results":[{"plate":"AA1","confidence":50,"region":5}]})").kind ==
        "malformed");
  std::string many = "{\"results\":[";
  for (int i = 0; i < 20; ++i) many += "{\"plate\":\"A\",\"confidence\":1},";
  many.back() = ']';
  CHECK(PlateError(many + "}").kind == "too_large");
  CHECK(PlateError("{\"results\":[").kind == "malformed");
}

TEST_CASE("hal camera: camera events: hostile values never echo the plate", "[hal][camera]") {
  auto e = PlateError(R"({"type":"plate","text":"SECRETPLATE123456","confidence":0.5})");
  CHECK(e.kind == "out_of_range");
  CHECK(e.detail.find("SECRET") == std::string::npos);
  for (const char* conf : {"-0.1", "1.5", "1e400", "-1e400"}) {
    INFO(conf);
    auto err =
        PlateError(std::string(R"({"type":"plate","text":"AA1","confidence":)") + conf + "}");
    CHECK(err.kind == "out_of_range");
  }
  CHECK(PlateError(R"({"results":[{"plate":"AA1","confidence":100.5}]})").kind == "out_of_range");
  CHECK(PlateError(R"({"type":"plate","text":"AA1","confidence":NaN})").kind == "malformed");
  CHECK(
      PlateError(
          R"({"type":"plate","text":"AA1","confidence":0.5,"candidates":[{"text":"B","confidence":7}]})")
          .kind == "out_of_range");
}

TEST_CASE("hal camera: camera encoders round-trip through the decoders", "[hal][camera]") {
  const PlateRead plate{"AA1234BB", "ua", 0.93, {{"AA1234BB", 0.93}, {"AA1Z34BB", 0.52}}};
  auto back = Plates(EncodeOpenAlprPlate(plate));
  REQUIRE(back.size() == 1);
  CHECK(back[0].plate == plate.plate);
  CHECK(back[0].region == plate.region);
  CHECK(back[0].confidence == Approx(plate.confidence));
  REQUIRE(back[0].candidates.size() == 2);
  CHECK(back[0].candidates[1].text == "AA1Z34BB");
  CHECK(back[0].candidates[1].confidence == Approx(0.52));

  const ContainerCodeRead code{"CSQU3054383", 0.8, {{"CSQU3054383", 0.8}, {"CSQU3O54383", 0.2}}};
  auto d = ParseContainerEvent(EncodeGenericContainer(code));
  REQUIRE(std::holds_alternative<std::vector<ContainerCodeRead>>(d));
  CHECK(std::get<std::vector<ContainerCodeRead>>(d) == std::vector<ContainerCodeRead>{code});
}
