#pragma once
// ANSI N42.42 documents from radiation portal monitors: the 2006 form
// (N42InstrumentData, portal usage of N42.35) and the 2011/2012 form
// (RadInstrumentData). Elements are matched by local name, whatever their
// namespace prefix. Fields, selection rules and faults: docs/hal/network-protocols.md.
//
// Pure: no I/O, no clock; every input is bounded before the XML parser sees it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::protocols {

struct N42Limits {
  std::size_t max_bytes = 1024 * 1024;
  // Upper bound on the number of markup items ('<' characters), counted before
  // parsing so that the DOM built from a hostile document stays small.
  std::size_t max_elements = 20000;
};

// Decodes one document into the occupancy it reports.
//
// Measurement selection (a portal sends an occupancy as several time slices,
// sometimes with background measurements): slices are the 2011 RadMeasurements
// whose MeasurementClassCode is Foreground, NotSpecified or absent (Background,
// Calibration and IntrinsicActivity are ignored), and in the 2006 form each
// Measurement's DetectorData, CountDoseData and non-background Spectrum. If any
// slice is occupied, the slices that are occupied or do not say are kept;
// otherwise all are. gamma_cps = sum of the kept gamma counts / sum of the
// real times of the kept slices that carry gamma counts (likewise neutrons);
// duration_s = the longer of the two (or of all kept slices if neither);
// dose_rate_usv_h = the highest kept dose rate; occupied = any kept slice
// occupied. Alarms come from every AnalysisResults in the document.
//
// Faults: "too_large" (size, element count), "unsupported" (DOCTYPE or ENTITY
// declarations, unknown root, unknown dose units, no foreground measurement),
// "malformed" (XML syntax with pugixml's byte offset, missing or unparsable
// values), "out_of_range" (negative, NaN, infinite or implausibly large values).
[[nodiscard]] Decoded<hal::RadiationReading> ParseN42(std::string_view xml,
                                                      const N42Limits& limits = {});

struct N42FramerOptions {
  std::size_t max_bytes = 1024 * 1024;  // per document, prolog included
};

// Splits a TCP byte stream into N42 documents. A document starts at an
// optional <?xml ...?> prolog (and other processing instructions or comments)
// followed by <[prefix:]N42InstrumentData or <[prefix:]RadInstrumentData, and
// ends at the matching close tag; tags inside comments, CDATA, processing
// instructions and attribute values do not count. Whitespace between
// documents is ignored; any other run of bytes there gives one "garbage". A
// document over max_bytes gives "too_large" and is skipped up to the next
// document start; a new document start inside a document gives "truncated"
// for the unfinished one. Byte-at-a-time feeding gives the same output as
// whole feeding. Not thread-safe; one instance per connection.
class N42Framer {
 public:
  explicit N42Framer(N42FramerOptions options = {}) : options_(options) {}

  void Feed(std::string_view bytes, std::vector<Decoded<std::string>>& out);
  // End of stream: a document in progress is reported as "truncated".
  void Reset(std::vector<Decoded<std::string>>& out);
  std::size_t buffered() const noexcept { return pending_.size() + doc_.size(); }

 private:
  enum class Lex { kText, kOpen, kStartTag, kEndTag, kBang, kComment, kCData, kDecl, kPi };

  void Seek(char c, std::vector<Decoded<std::string>>& out);
  void InDocument(char c, std::vector<Decoded<std::string>>& out);
  void StartDocument(std::string bytes, std::vector<Decoded<std::string>>& out);
  void Garbage(std::vector<Decoded<std::string>>& out);

  N42FramerOptions options_;
  bool in_doc_ = false;
  bool in_garbage_ = false;  // the current garbage run was reported
  std::string pending_;      // possible document start while seeking
  std::string doc_;
  // Lexer state inside a document.
  Lex lex_ = Lex::kText;
  std::size_t depth_ = 0;
  std::size_t tag_start_ = 0;  // offset in doc_ of the current '<'
  std::string name_;           // start-tag name being read
  bool name_done_ = false;
  char quote_ = 0;
  char prev_ = 0;
  std::string bang_;  // "<!" lookahead: "--", "[CDATA["
  int dashes_ = 0;    // trailing '-' or ']' seen in a comment or CDATA
};

// What the encoders say about the instrument (pure code has no clock, so the
// start time is given).
struct N42Instrument {
  std::string manufacturer = "Checkpoint Edge";
  std::string model = "Simulated RPM";
  std::string identifier = "SIM-RPM-0001";
  std::string uuid = "00000000-0000-4000-8000-000000000000";
  std::string start_time = "2024-01-01T00:00:00Z";
};

// A 2011/2012 document with one Foreground RadMeasurement: one gamma and one
// neutron detector, integer GrossCounts (cps x duration, rounded), DoseRate
// when present, OccupancyIndicator, and an AnalysisResults RadAlarm per alarm.
std::string EncodeN42_2011(const hal::RadiationReading& reading,
                           const N42Instrument& instrument = {});
// A 2006 document: one Measurement with one DetectorData slice (gross counts per
// detector type, Occupied), CountDoseData for the dose rate, AnalysisResults
// with ThreatDescription and the alarm flags in our extension namespace.
std::string EncodeN42_2006(const hal::RadiationReading& reading,
                           const N42Instrument& instrument = {});

}  // namespace checkpoint::hal::protocols
