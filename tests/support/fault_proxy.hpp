#pragma once
// A TCP proxy on 127.0.0.1 that cuts connections on purpose, for network fault
// tests (the kernel here has no netem): connection number i (from 0) is reset after
// it has carried cut_after(i) bytes in both directions together; nullopt never.
//
// It can also stand in for an HTTP forward proxy (CONNECT), to test proxy support,
// and for a flapping link: SetLinkUp(false) resets every open connection, and while
// the link is down each new connection is reset as soon as it is accepted (counted
// in refused()), as a dead uplink behind a firewall that answers RST would look.
//
// Thread-safety: counters may be read from any thread. Lifetime: the destructor
// stops accepting, resets open connections and joins every thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace checkpoint::testing {

class FaultProxy {
 public:
  using CutPolicy = std::function<std::optional<std::size_t>(int connection)>;
  // With http_connect, each connection must start with an HTTP CONNECT request for
  // 127.0.0.1:target_port (as through a forward proxy); it is answered 200, then
  // tunnelled. Anything else is answered 403 and closed.
  FaultProxy(std::uint16_t target_port, CutPolicy cut_after, bool http_connect = false);
  // A load balancer: connection i goes to targets[i % targets.size()] (round robin).
  FaultProxy(std::vector<std::uint16_t> targets, CutPolicy cut_after);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int cuts() const { return cuts_.load(); }
  int tunnels() const { return tunnels_.load(); }
  int refused() const { return refused_.load(); }
  void SetLinkUp(bool up);

 private:
  void Listen();  // then accepts, on its own thread
  void AcceptLoop();
  void Pump(int client, int index);
  bool Connect(int client);

  std::uint16_t target_port_;
  std::vector<std::uint16_t> targets_;  // round robin when not empty
  CutPolicy cut_after_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // written once on stop; every poll watches the read end
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> cuts_{0};
  std::atomic<int> tunnels_{0};
  std::atomic<int> refused_{0};
  std::atomic<bool> link_down_{false};
  std::atomic<unsigned> down_epoch_{0};  // +1 each time the link goes down
  bool http_connect_ = false;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace checkpoint::testing
