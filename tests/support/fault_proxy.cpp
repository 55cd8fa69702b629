#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace checkpoint::testing {

namespace {
void Reset(int fd) {
  linger l{1, 0};  // close with RST, as a cut cable or a dying middlebox would look
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}
sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}
}  // namespace

FaultProxy::FaultProxy(std::uint16_t target_port, CutPolicy cut_after, bool http_connect)
    : target_port_(target_port), cut_after_(std::move(cut_after)), http_connect_(http_connect) {
  Listen();
}

FaultProxy::FaultProxy(std::vector<std::uint16_t> targets, CutPolicy cut_after)
    : target_port_(targets.at(0)), targets_(std::move(targets)), cut_after_(std::move(cut_after)) {
  Listen();
}

void FaultProxy::Listen() {
  if (::pipe(wake_) != 0) throw std::runtime_error("pipe failed");
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("proxy cannot listen");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void FaultProxy::SetLinkUp(bool up) {
  if (!up) ++down_epoch_;
  link_down_ = !up;
}

void FaultProxy::AcceptLoop() {
  for (int index = 0;; ++index) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++connections_;
    if (link_down_) {
      ++refused_;
      Reset(client);
      continue;
    }
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, client, index] { Pump(client, index); });
  }
}

bool FaultProxy::Connect(int client) {
  // Reads the request head (up to the blank line) without reading past it.
  std::string head;
  char c = 0;
  while (head.size() < 4096 && head.find("\r\n\r\n") == std::string::npos) {
    pollfd fds[2] = {{client, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || fds[1].revents || ::read(client, &c, 1) != 1) return false;
    head.push_back(c);
  }
  const std::string want = "CONNECT 127.0.0.1:" + std::to_string(target_port_) + " HTTP/1.1\r\n";
  const bool ok = head.rfind(want, 0) == 0;
  const std::string answer = ok ? "HTTP/1.1 200 Connection established\r\n\r\n"
                                : "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
  if (::send(client, answer.data(), answer.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(answer.size())) {
    return false;
  }
  if (ok) ++tunnels_;
  return ok;
}

void FaultProxy::Pump(int client, int index) {
  if (http_connect_ && !Connect(client)) {
    ::close(client);
    return;
  }
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a =
      Loopback(targets_.empty() ? target_port_
                                : targets_[static_cast<std::size_t>(index) % targets_.size()]);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (server >= 0) ::close(server);
    Reset(client);
    return;
  }
  const std::optional<std::size_t> cut = cut_after_ ? cut_after_(index) : std::nullopt;
  const std::size_t budget = cut.value_or(SIZE_MAX);
  std::size_t carried = 0;
  char buf[4096];
  bool open[2] = {true, true};  // client→server, server→client
  const unsigned epoch = down_epoch_;
  while (open[0] || open[1]) {
    pollfd fds[3] = {{client, static_cast<short>(open[0] ? POLLIN : 0), 0},
                     {server, static_cast<short>(open[1] ? POLLIN : 0), 0},
                     {wake_[0], POLLIN, 0}};
    // A link that went down cuts this connection within 20 ms.
    if (::poll(fds, 3, 20) < 0 && errno != EINTR) break;
    if (fds[2].revents) break;
    if (down_epoch_ != epoch) {
      ++cuts_;
      break;
    }
    for (int dir = 0; dir < 2; ++dir) {
      if (!open[dir] || !(fds[dir].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = dir == 0 ? client : server;
      const int to = dir == 0 ? server : client;
      if (carried >= budget) {
        ++cuts_;
        Reset(client);
        Reset(server);
        return;
      }
      const std::size_t want = std::min(sizeof buf, budget - carried);
      const ssize_t n = ::read(from, buf, want);
      if (n <= 0) {
        ::shutdown(to, SHUT_WR);
        open[dir] = false;
        continue;
      }
      if (::send(to, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) {
        open[0] = open[1] = false;
        break;
      }
      carried += static_cast<std::size_t>(n);
    }
  }
  Reset(client);
  Reset(server);
}

}  // namespace checkpoint::testing
