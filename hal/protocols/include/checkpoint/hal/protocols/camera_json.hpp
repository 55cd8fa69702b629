#pragma once
// JSON events pushed by ANPR and container-code cameras (HTTP POST bodies).
// Forms accepted, fields and faults: docs/hal/network-protocols.md.
//
// Plates:
//  - OpenALPR results {"results":[{"plate","confidence" (percent),"region",
//    "candidates":[{"plate","confidence"}]}]}, with or without
//    "data_type":"alpr_results" (agent webhook);
//  - OpenALPR agent group {"data_type":"alpr_group","best_plate_number",
//    "best_confidence","best_region","candidates", "best_plate":{...}};
//  - our generic form {"type":"plate","text","confidence" (0..1),"region",
//    "candidates":[{"text","confidence"}]}.
// Containers:
//  - generic {"type":"container","code","confidence" (0..1),"candidates":[{"text",...}]};
//  - OpenALPR-like {"results":[{"code","confidence" (percent),"candidates":[{"code",...}]}]}.
//
// Pure functions, thread-safe. The body is checked (size, UTF-8, nesting depth)
// before any JSON parser sees it. Errors never echo plate or code text.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hal/events.hpp"
#include "checkpoint/hal/protocols/frame_error.hpp"

namespace checkpoint::hal::protocols {

struct CameraJsonLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_depth = 20;  // nested objects/arrays
};

inline constexpr std::size_t kMaxPlateChars = 16;      // code points, after trimming
inline constexpr std::size_t kMaxContainerChars = 15;  // after removing spaces
inline constexpr std::size_t kMaxRegionBytes = 32;
inline constexpr std::size_t kMaxCandidates = 10;  // per reading, the reading included
inline constexpr std::size_t kMaxReadsPerEvent = 16;

// Plates in event order (OpenALPR may report several per image; an event with
// no plate gives an empty vector). Confidences normalised to [0, 1]; each
// reading's candidates start with the reading itself, then the others by
// falling confidence, without duplicates, at most kMaxCandidates.
[[nodiscard]] Decoded<std::vector<hal::PlateRead>> ParsePlateEvent(
    std::string_view body, const CameraJsonLimits& limits = {});

// Container codes, spaces removed, [A-Z0-9] only, at most 15 characters. The
// ISO 6346 check digit is not verified here (firmware/cargo does).
[[nodiscard]] Decoded<std::vector<hal::ContainerCodeRead>> ParseContainerEvent(
    std::string_view body, const CameraJsonLimits& limits = {});

// An OpenALPR agent "alpr_results" body carrying one plate, as a camera sends
// it (confidences in percent).
std::string EncodeOpenAlprPlate(const hal::PlateRead& read);
// Our generic container body.
std::string EncodeGenericContainer(const hal::ContainerCodeRead& read);

}  // namespace checkpoint::hal::protocols
