#pragma once
// Simulated devices that ship in the product: a scenario drives every configured
// device through its REAL driver and wire protocol, with no hardware.
//  - serial devices: a pseudo-terminal per device (openpty); the driver's serial
//    path is rewritten to a symlink to the pty's slave, so an unplug (closing the
//    master) and a replug (a new pty behind the same symlink) look like a USB
//    adapter going away and coming back;
//  - TCP devices: a listener on 127.0.0.1 the driver connects to;
//  - HTTP cameras: the driver listens on 127.0.0.1, the simulator POSTs to it.
//
// Threading and lifetimes: single-threaded io_context; create with Create(),
// which returns a shared_ptr; asynchronous work holds weak_from_this().

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "checkpoint/common/error.hpp"
#include "checkpoint/common/log.hpp"
#include "checkpoint/hal/device.hpp"
#include "checkpoint/hal/sim/scenario.hpp"

namespace checkpoint::hal::sim {

class Peer;

class Simulator : public std::enable_shared_from_this<Simulator> {
 public:
  ~Simulator();

  // Creates a peer for every device in `devices` and rewrites the device's
  // transport to reach it; `work_dir` holds the pty symlinks. Every step must
  // name a configured device whose driver can play its action.
  static Expected<std::shared_ptr<Simulator>> Create(boost::asio::io_context& io,
                                                     std::vector<DeviceConfig>& devices,
                                                     std::vector<Step> steps,
                                                     std::filesystem::path work_dir,
                                                     log::Logger log);

  // The port a camera device listens on, once the driver has bound it.
  using PortLookup = std::function<std::uint16_t(const std::string& device_id)>;

  // Plays the steps at their offsets from now, multiplied by `time_scale`
  // (0.5 = twice as fast; outages are scaled too); calls `done` once the last step
  // was played and every peer has sent all it was given (at most 30 s later).
  void Run(PortLookup ports, double time_scale, std::function<void()> done);
  void Stop();

  std::size_t steps_played() const noexcept { return played_; }

 private:
  Simulator(boost::asio::io_context& io, std::vector<Step> steps, log::Logger log);
  void Play(std::size_t index);
  void WaitIdle(std::chrono::steady_clock::time_point deadline);

  boost::asio::io_context& io_;
  std::vector<Step> steps_;
  log::Logger log_;
  std::map<std::string, std::shared_ptr<Peer>> peers_;
  std::map<std::string, DeviceConfig> encoders_;  // the device configs the steps encode for
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::function<void()> done_;
  PortLookup ports_;
  std::chrono::steady_clock::time_point start_;
  double time_scale_ = 1.0;
  std::size_t played_ = 0;
  bool stopped_ = false;
};

// The bytes a device with this configuration sends for `action` (its real wire
// protocol), or an error when the driver cannot play that action.
Expected<std::string> EncodeFor(const DeviceConfig& device, const Action& action);

}  // namespace checkpoint::hal::sim
