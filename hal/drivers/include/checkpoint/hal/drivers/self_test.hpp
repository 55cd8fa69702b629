#pragma once
// A device's self-test, as `checkpointctl provision` runs it for every configured
// device before the daemon starts: open the device with its real driver (serial port,
// TCP connection, or the camera's listener), check that the driver serves the class,
// and read what the device sends within a short wait. A frame the driver cannot
// decode (wrong baud rate, wrong protocol) fails the test. A device that sends nothing
// by itself (a document reader with no document on it) passes once opened, with
// `frame` false.
//
// Threading: runs its own io_context on the calling thread and returns when done.
// Nothing of a reading (names, document numbers, plates) is kept: only its kind.

#include <chrono>
#include <cstdint>
#include <string>

#include "checkpoint/common/log.hpp"
#include "checkpoint/hal/device.hpp"

namespace checkpoint::hal::drivers {

struct SelfTestOptions {
  // How long opening may take (connect, bind) before the test fails.
  std::chrono::milliseconds open_timeout{3'000};
  // After opening, how long to wait for a first frame.
  std::chrono::milliseconds frame_wait{1'000};
};

struct SelfTestResult {
  std::string device_id;
  std::string device_class;  // DeviceClassName
  std::string driver;
  bool ok = false;         // opened, and no fault
  bool opened = false;     // connected (serial, tcp) or listening (cameras)
  bool frame = false;      // a reading arrived within frame_wait
  std::string frame_kind;  // "mrz", "weight", ... (the payload kind, never its content)
  std::string detail;      // why it failed ("open_failed: ..."), or a note
  std::int64_t elapsed_ms = 0;
};

SelfTestResult SelfTest(const DeviceConfig& config, const SelfTestOptions& options,
                        const log::Logger& log);

}  // namespace checkpoint::hal::drivers
