// fault_proxy.cpp — the misbehaving loopback proxy (see fault_proxy.h).
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace samvad::testing {

namespace {

void Sleep(std::int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// A reset, not a FIN: SO_LINGER with a zero timeout makes close() send RST, which is what a
// flaky mobile network or a crashed middlebox looks like to the peer.
void Reset(int fd) {
  linger l{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(fd);
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Pieces go out as they come: with Nagle on, a request's body waits behind its unacknowledged
// headers for the server's delayed ACK (40 ms), a delay no fault asked for.
void NoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int ConnectUpstream(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) NoDelay(fd);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

// State of one direction of one connection.
struct Pipe {
  const Shaping& shape;
  std::int64_t moved = 0;
  bool stalled = false;
  std::atomic<std::int64_t>& total;
};

// Forwards `n` bytes under `p`'s shaping. Returns false when the connection must end: a write
// failed, or the reset point was reached (then both sockets have been reset).
bool Forward(Pipe& p, int to, int from, const char* data, size_t n, bool* reset) {
  const Shaping& s = p.shape;
  size_t allowed = n;
  if (s.reset_after >= 0) allowed = static_cast<size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(n), s.reset_after - p.moved));
  Sleep(s.latency_ms);
  size_t done = 0;
  while (done < allowed) {
    size_t chunk = allowed - done;
    if (s.stall_after >= 0 && !p.stalled && p.moved < s.stall_after)
      chunk = std::min<size_t>(chunk, static_cast<size_t>(s.stall_after - p.moved));
    if (s.bytes_per_second > 0) chunk = std::min<size_t>(chunk, static_cast<size_t>(std::max<std::int64_t>(1, s.bytes_per_second / 20)));
    if (!WriteAll(to, data + done, chunk)) return false;
    done += chunk;
    p.moved += static_cast<std::int64_t>(chunk);
    p.total += static_cast<std::int64_t>(chunk);
    if (s.bytes_per_second > 0) Sleep(static_cast<std::int64_t>(chunk) * 1000 / s.bytes_per_second);
    if (s.stall_after >= 0 && !p.stalled && p.moved >= s.stall_after) {
      p.stalled = true;
      Sleep(s.stall_ms);
    }
  }
  if (s.reset_after >= 0 && p.moved >= s.reset_after) {
    Reset(to);
    Reset(from);
    *reset = true;
    return false;
  }
  return true;
}

// Reads the request's headers, answers 503 + Retry-After with Connection: close, then reads
// (and drops) whatever body follows until the client closes, so it sees our answer rather than
// a reset.
void Answer503(int client, int retry_after_s) {
  std::string head;
  char buf[16384];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
    pollfd p{client, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = recv(client, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  const std::string body = "[{\"code\":503,\"description\":\"busy (fault proxy)\"}]";
  const std::string reply = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + std::to_string(retry_after_s) +
                            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                            "\r\nConnection: close\r\n\r\n" + body;
  WriteAll(client, reply.data(), reply.size());
  shutdown(client, SHUT_WR);
  for (;;) {
    pollfd p{client, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0 || recv(client, buf, sizeof buf, 0) <= 0) break;
  }
  close(client);
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {}

FaultProxy::~FaultProxy() { Stop(); }

bool FaultProxy::Start(std::string* error, int port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only, whatever the caller wants
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    *error = std::string("fault-proxy: cannot listen: ") + std::strerror(errno);
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return true;
}

void FaultProxy::Stop() {
  if (listen_fd_ < 0) return;
  stop_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  close(listen_fd_);
  listen_fd_ = -1;
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

void FaultProxy::SetFaults(const Faults& f) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = f;
}

void FaultProxy::SetFaultPlan(std::function<Faults(std::int64_t)> plan) {
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = std::move(plan);
}

void FaultProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    NoDelay(client);
    const std::int64_t n = connections_++;
    std::lock_guard<std::mutex> lock(mu_);
    workers_.emplace_back([this, client, f = plan_ ? plan_(n) : faults_] { Serve(client, f); });
  }
}

void FaultProxy::Serve(int client, Faults faults) {
  if (faults.respond_503) {
    Answer503(client, faults.retry_after_s);
    return;
  }
  const int server = ConnectUpstream(upstream_port_);
  if (server < 0) {
    Reset(client);
    return;
  }
  Pipe up{faults.up, 0, false, bytes_up_}, down{faults.down, 0, false, bytes_down_};
  bool client_open = true, server_open = true, reset = false;
  char buf[16384];
  while (!stop_ && !reset && (client_open || server_open)) {
    pollfd p[2] = {{client_open ? client : -1, POLLIN, 0}, {server_open ? server : -1, POLLIN, 0}};
    if (poll(p, 2, 100) <= 0) continue;
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = recv(client, buf, sizeof buf, 0);
      if (n <= 0) {
        client_open = false;
        shutdown(server, SHUT_WR);  // pass the client's end-of-request on
      } else if (!Forward(up, server, client, buf, static_cast<size_t>(n), &reset)) {
        break;
      }
    }
    if (reset) break;
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (faults.drop_response) {
        // The server is answering, so it has committed. Swallow the whole answer (until it
        // closes or goes quiet), then reset the client, which never learns the outcome.
        for (;;) {
          pollfd q{server, POLLIN, 0};
          if (poll(&q, 1, 300) <= 0) break;
          if (recv(server, buf, sizeof buf, 0) <= 0) break;
        }
        Reset(client);
        close(server);
        return;
      }
      const ssize_t n = recv(server, buf, sizeof buf, 0);
      if (n <= 0) {
        server_open = false;
        shutdown(client, SHUT_WR);
      } else if (!Forward(down, client, server, buf, static_cast<size_t>(n), &reset)) {
        break;
      }
    }
    if (!client_open && !server_open) break;
  }
  if (!reset) {
    close(client);
    close(server);
  }
}

}  // namespace samvad::testing
