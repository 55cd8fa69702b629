#include "checkpoint/hal/protocols/n42.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace checkpoint::hal::protocols;
using checkpoint::hal::RadiationReading;

namespace {

// A gross-counting portal in the shape of NIST's N42-2011 RPM example (Annex D):
// four gamma detectors with three energy windows, two neutron detectors, 100 ms
// slices, occupied in the third to fifth, plus a background measurement.
std::string Rpm2011(bool alarmed, const std::string& prefix = "") {
  const std::string p = prefix.empty() ? "" : prefix + ":";
  const std::string ns = prefix.empty() ? "xmlns" : "xmlns:" + prefix;
  std::string x = "<?xml version=\"1.0\"?>\n<" + p + "RadInstrumentData " + ns +
                  "=\"http://physics.nist.gov/N42/2011/N42\" n42DocUUID=\"d72b7fa7-4a20-43d4-b1b2-"
                  "7e3b8c5a0b1e\">\n";
  x += "<" + p + "RadInstrumentInformation id=\"RIi\"><" + p +
       "RadInstrumentManufacturerName>Acme</" + p + "RadInstrumentManufacturerName><" + p +
       "RadInstrumentModelName>RPM-4</" + p + "RadInstrumentModelName><" + p +
       "RadInstrumentClassCode>Portal Monitor</" + p + "RadInstrumentClassCode></" + p +
       "RadInstrumentInformation>\n";
  for (const char* d : {"Aa1", "Ab1", "Ba1", "Bb1"}) {
    x += "<" + p + "RadDetectorInformation id=\"" + d + "\"><" + p +
         "RadDetectorCategoryCode>Gamma</" + p + "RadDetectorCategoryCode></" + p +
         "RadDetectorInformation>\n";
  }
  for (const char* d : {"Aa1N", "Ba1N"}) {
    x += "<" + p + "RadDetectorInformation id=\"" + d + "\"><" + p +
         "RadDetectorCategoryCode>Neutron</" + p + "RadDetectorCategoryCode></" + p +
         "RadDetectorInformation>\n";
  }
  auto measurement = [&](const std::string& id, const char* cls, const char* rt, bool occupied,
                         const char* gamma, const char* neutron) {
    x += "<" + p + "RadMeasurement id=\"" + id + "\"><" + p + "MeasurementClassCode>" + cls + "</" +
         p + "MeasurementClassCode><" + p + "StartDateTime>2024-05-01T10:00:00Z</" + p +
         "StartDateTime><" + p + "RealTimeDuration>" + rt + "</" + p + "RealTimeDuration>\n";
    for (const char* d : {"Aa1", "Ab1", "Ba1", "Bb1"}) {
      x += "<" + p + "GrossCounts radDetectorInformationReference=\"" + d + "\"><" + p +
           "CountData>" + gamma + "</" + p + "CountData></" + p + "GrossCounts>\n";
    }
    for (const char* d : {"Aa1N", "Ba1N"}) {
      x += "<" + p + "GrossCounts radDetectorInformationReference=\"" + d + "\"><" + p +
           "CountData>" + neutron + "</" + p + "CountData></" + p + "GrossCounts>\n";
    }
    x += "<" + p + "OccupancyIndicator>" + (occupied ? "true" : "false") + "</" + p +
         "OccupancyIndicator></" + p + "RadMeasurement>\n";
  };
  measurement("Bkg", "Background", "PT60S", false, "600000 24000 6000", "120");
  for (int i = 1; i <= 7; ++i) {
    const bool occ = i >= 3 && i <= 5;
    measurement("M" + std::to_string(i), "Foreground", "PT0.1S", occ,
                occ ? "200 80 20" : "100 50 10", occ ? "2" : "0");
  }
  if (alarmed) {
    x += "<" + p + "AnalysisResults><" + p +
         "RadAlarm radDetectorInformationReferences=\"Aa1 Ab1\"><" + p +
         "RadAlarmCategoryCode>Gamma</" + p + "RadAlarmCategoryCode><" + p +
         "RadAlarmDescription>Gamma alarm, 3 detectors</" + p + "RadAlarmDescription></" + p +
         "RadAlarm><" + p + "RadAlarm><" + p + "RadAlarmCategoryCode>Neutron</" + p +
         "RadAlarmCategoryCode></" + p + "RadAlarm></" + p + "AnalysisResults>\n";
  }
  x += "</" + p + "RadInstrumentData>\n";
  return x;
}

// The 2006 portal usage (N42.35): DetectorData time slices per occupancy.
const char* kRpm2006 = R"(<?xml version="1.0" encoding="UTF-8"?>
<N42InstrumentData xmlns="http://physics.nist.gov/Divisions/Div846/Gp4/ANSIN4242/2005/ANSIN4242">
  <Measurement UUID="5b1f">
    <InstrumentInformation><InstrumentType>PortalMonitor</InstrumentType>
      <Manufacturer>Acme</Manufacturer><InstrumentModel>GP-2</InstrumentModel></InstrumentInformation>
    <DetectorData><StartTime>2006-06-01T08:00:00Z</StartTime><SampleRealTime>PT0.2S</SampleRealTime>
      <Occupied>false</Occupied>
      <DetectorMeasurement Detector="GA" DetectorType="Gamma"><GrossCountMeasurement>
        <GrossCounts>150</GrossCounts></GrossCountMeasurement></DetectorMeasurement>
    </DetectorData>
    <DetectorData><StartTime>2006-06-01T08:00:00.2Z</StartTime><SampleRealTime>PT0.2S</SampleRealTime>
      <Occupied>true</Occupied>
      <DetectorMeasurement Detector="GA" DetectorType="Gamma"><GrossCountMeasurement>
        <GrossCounts>300</GrossCounts></GrossCountMeasurement></DetectorMeasurement>
      <DetectorMeasurement Detector="NA" DetectorType="Neutron"><GrossCountMeasurement>
        <GrossCounts>3</GrossCounts></GrossCountMeasurement></DetectorMeasurement>
    </DetectorData>
    <DetectorData><StartTime>2006-06-01T08:00:00.4Z</StartTime><SampleRealTime>PT0.2S</SampleRealTime>
      <Occupied>true</Occupied>
      <DetectorMeasurement Detector="GA" DetectorType="Gamma"><GrossCountMeasurement>
        <GrossCounts>500</GrossCounts></GrossCountMeasurement></DetectorMeasurement>
      <DetectorMeasurement Detector="NA" DetectorType="Neutron"><GrossCountMeasurement>
        <GrossCounts>5</GrossCounts></GrossCountMeasurement></DetectorMeasurement>
    </DetectorData>
    <AnalysisResults><ThreatDescription>Neutron Alarm</ThreatDescription></AnalysisResults>
  </Measurement>
</N42InstrumentData>)";

// The 2006 spectrometer form: a spectrum with counted zeroes and CountDoseData.
const char* kSpectrum2006 = R"(<N42InstrumentData>
  <Measurement>
    <Spectrum DetectorType="Gamma"><SourceType>Item</SourceType><RealTime>PT60S</RealTime>
      <ChannelData Compression="CountedZeroes">0 4 10 20 0 2 30</ChannelData></Spectrum>
    <Spectrum DetectorType="Gamma"><SourceType>Background</SourceType><RealTime>PT60S</RealTime>
      <ChannelData>9999 9999</ChannelData></Spectrum>
    <CountDoseData DetectorType="Neutron"><SampleRealTime>PT60S</SampleRealTime><Counts>12</Counts></CountDoseData>
    <CountDoseData DetectorType="Gamma"><SampleRealTime>PT60S</SampleRealTime>
      <DoseRate Units="&#xB5;Sv/h">0.15</DoseRate></CountDoseData>
  </Measurement>
</N42InstrumentData>)";

RadiationReading Reading(const Decoded<RadiationReading>& d) {
  if (auto* e = std::get_if<FrameError>(&d)) FAIL(e->kind + ": " + e->detail);
  return std::get<RadiationReading>(d);
}

FrameError ErrorOf(const Decoded<RadiationReading>& d) {
  REQUIRE(std::holds_alternative<FrameError>(d));
  return std::get<FrameError>(d);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("hal n42: N42-2011 portal: occupied foreground slices, background ignored",
          "[hal][n42]") {
  auto r = Reading(ParseN42(Rpm2011(false)));
  CHECK(r.format == "N42-2011");
  CHECK(r.occupied);
  CHECK(r.duration_s == Approx(0.3));
  CHECK(*r.gamma_cps == Approx(3 * 4 * 300 / 0.3));
  CHECK(*r.neutron_cps == Approx(3 * 2 * 2 / 0.3));
  CHECK_FALSE(r.dose_rate_usv_h);
  CHECK_FALSE(r.gamma_alarm);
  CHECK_FALSE(r.neutron_alarm);
}

TEST_CASE("hal n42: N42-2011 alarms come from AnalysisResults/RadAlarm", "[hal][n42]") {
  auto r = Reading(ParseN42(Rpm2011(true)));
  CHECK(r.gamma_alarm);
  CHECK(r.neutron_alarm);
  CHECK(r.alarm_text == "Gamma alarm, 3 detectors");
}

TEST_CASE("hal n42: N42 elements match by local name whatever the prefix", "[hal][n42]") {
  CHECK(Reading(ParseN42(Rpm2011(true, "n42"))) == Reading(ParseN42(Rpm2011(true))));
}

TEST_CASE("hal n42: N42-2011 without occupancy keeps every foreground slice", "[hal][n42]") {
  std::string doc = Rpm2011(false);
  for (auto at = doc.find(">true<"); at != std::string::npos; at = doc.find(">true<")) {
    doc.replace(at, 6, ">false<");
  }
  auto r = Reading(ParseN42(doc));
  CHECK_FALSE(r.occupied);
  CHECK(r.duration_s == Approx(0.7));
  CHECK(*r.gamma_cps == Approx((4 * 4 * 160 + 3 * 4 * 300) / 0.7));
}

TEST_CASE("hal n42: N42-2011 with only a background measurement is not an occupancy",
          "[hal][n42]") {
  const char* doc = R"(<RadInstrumentData><RadDetectorInformation id="G">
    <RadDetectorCategoryCode>Gamma</RadDetectorCategoryCode></RadDetectorInformation>
    <RadMeasurement><MeasurementClassCode>Background</MeasurementClassCode>
    <RealTimeDuration>PT300S</RealTimeDuration><GrossCounts radDetectorInformationReference="G">
    <CountData>3000</CountData></GrossCounts></RadMeasurement></RadInstrumentData>)";
  CHECK(ErrorOf(ParseN42(doc)).kind == "unsupported");
}

TEST_CASE("hal n42: N42-2011 dose rate and durations in minutes", "[hal][n42]") {
  const char* doc = R"(<RadInstrumentData><RadDetectorInformation id="G">
    <RadDetectorCategoryCode>Gamma</RadDetectorCategoryCode></RadDetectorInformation>
    <RadMeasurement><MeasurementClassCode>Foreground</MeasurementClassCode>
    <RealTimeDuration>PT1M30S</RealTimeDuration><GrossCounts radDetectorInformationReference="G">
    <CountData>900</CountData></GrossCounts><DoseRate radDetectorInformationReference="G">
    <DoseRateValue>0.25</DoseRateValue></DoseRate></RadMeasurement></RadInstrumentData>)";
  auto r = Reading(ParseN42(doc));
  CHECK(r.duration_s == 90);
  CHECK(*r.gamma_cps == 10);
  CHECK(*r.dose_rate_usv_h == 0.25);
  CHECK_FALSE(r.neutron_cps);
}

TEST_CASE("hal n42: N42-2006 portal: occupied DetectorData slices and the threat text",
          "[hal][n42]") {
  auto r = Reading(ParseN42(kRpm2006));
  CHECK(r.format == "N42-2006");
  CHECK(r.occupied);
  CHECK(r.duration_s == Approx(0.4));
  CHECK(*r.gamma_cps == Approx(800 / 0.4));
  CHECK(*r.neutron_cps == Approx(8 / 0.4));
  CHECK(r.neutron_alarm);
  CHECK_FALSE(r.gamma_alarm);
  CHECK(r.alarm_text == "Neutron Alarm");
}

TEST_CASE("hal n42: N42-2006 spectrometer: counted zeroes, background spectrum, dose units",
          "[hal][n42]") {
  auto r = Reading(ParseN42(kSpectrum2006));
  CHECK(*r.gamma_cps == Approx(60.0 / 60));
  CHECK(*r.neutron_cps == Approx(12.0 / 60));
  CHECK(*r.dose_rate_usv_h == Approx(0.15));
  CHECK(r.duration_s == 60);
  CHECK_FALSE(r.occupied);
  CHECK(ErrorOf(ParseN42(Replace(kSpectrum2006, "&#xB5;Sv/h", "furlongs"))).kind == "unsupported");
  CHECK(*Reading(ParseN42(Replace(kSpectrum2006, "&#xB5;Sv/h", "nSv/h"))).dose_rate_usv_h ==
        Approx(0.00015));
}

TEST_CASE("hal n42: N42 encoders round-trip through the decoder", "[hal][n42]") {
  RadiationReading r;
  r.occupied = true;
  r.duration_s = 2.5;
  r.gamma_cps = 1200;
  r.neutron_cps = 2.4;
  r.dose_rate_usv_h = 0.125;
  r.gamma_alarm = true;
  r.alarm_text = "Gamma alarm <Cs-137 & Co-60>";
  for (bool gamma_alarm : {false, true}) {
    for (bool neutron_alarm : {false, true}) {
      r.gamma_alarm = gamma_alarm;
      r.neutron_alarm = neutron_alarm;
      r.format = "N42-2011";
      CHECK(Reading(ParseN42(EncodeN42_2011(r))) == r);
      r.format = "N42-2006";
      CHECK(Reading(ParseN42(EncodeN42_2006(r))) == r);
    }
  }
  RadiationReading quiet;
  quiet.duration_s = 1;
  quiet.format = "N42-2011";
  CHECK(Reading(ParseN42(EncodeN42_2011(quiet))) == quiet);
  quiet.format = "N42-2006";
  CHECK(Reading(ParseN42(EncodeN42_2006(quiet))) == quiet);
}

TEST_CASE("hal n42: N42 refuses DOCTYPE and entity payloads", "[hal][n42]") {
  const char* laughs = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<RadInstrumentData><RadMeasurement><Remark>&lol3;</Remark></RadMeasurement></RadInstrumentData>)";
  CHECK(ErrorOf(ParseN42(laughs)).kind == "unsupported");
  const char* xxe =
      R"(<!doctype r [<!ENTITY x SYSTEM "file:///etc/shadow">]><RadInstrumentData>&x;</RadInstrumentData>)";
  CHECK(ErrorOf(ParseN42(xxe)).kind == "unsupported");
}

TEST_CASE("hal n42: N42 malformed XML reports pugixml's offset, never the content", "[hal][n42]") {
  std::string doc = Rpm2011(false);
  doc.resize(doc.size() / 2);
  doc += "<Remark>SECRET-PLATE-AA1234BB</Rem>";
  auto e = ErrorOf(ParseN42(doc));
  CHECK(e.kind == "malformed");
  CHECK(e.detail.find("byte") != std::string::npos);
  CHECK(e.detail.find("SECRET") == std::string::npos);
  CHECK(ErrorOf(ParseN42("")).kind == "malformed");
  CHECK(ErrorOf(ParseN42(std::string("<RadInstrumentData>\0</RadInstrumentData>", 40))).kind ==
        "malformed");
  CHECK(ErrorOf(ParseN42("<Event><N42InstrumentData/></Event>")).kind == "unsupported");
}

TEST_CASE("hal n42: N42 hostile numbers are out of range", "[hal][n42]") {
  const std::string doc = Rpm2011(false);
  for (const char* bad : {"-5 80 20", "nan 1 2", "NaN", "inf", "1e400", "1e13", "200 -0 20"}) {
    INFO(bad);
    CHECK(ErrorOf(ParseN42(Replace(doc, "200 80 20", bad))).kind == "out_of_range");
  }
  CHECK(ErrorOf(ParseN42(Replace(doc, "200 80 20", "2OO"))).kind == "malformed");
  CHECK(ErrorOf(ParseN42(Replace(doc, "PT0.1S", "-PT0.1S"))).kind == "out_of_range");
  CHECK(ErrorOf(ParseN42(Replace(doc, "PT0.1S", "PT90000S"))).kind == "out_of_range");
  CHECK(ErrorOf(ParseN42(Replace(doc, "PT0.1S", "0.1"))).kind == "malformed");
  CHECK(ErrorOf(ParseN42(Replace(doc, "PT0.1S", "P1M"))).kind == "unsupported");
  CHECK(ErrorOf(ParseN42(Replace(doc, "\"Aa1\"><", "\"Zz9\"><"))).kind == "malformed");
}

TEST_CASE("hal n42: N42 size and element caps apply before parsing", "[hal][n42]") {
  const std::string doc = Rpm2011(false);
  CHECK(ErrorOf(ParseN42(doc, N42Limits{100, 20000})).kind == "too_large");
  CHECK(ErrorOf(ParseN42(doc, N42Limits{1 << 20, 50})).kind == "too_large");
  std::string flood = "<RadInstrumentData>" + std::string(300000, '<');
  CHECK(ErrorOf(ParseN42(flood)).kind == "too_large");
}
