// fault_proxy.tests.cpp — the fault proxy does what it says, measured against a tiny loopback
// server that records what it received: forwarding, latency, bandwidth, stall, reset after N
// bytes, and dropping a response the server did send.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "tests/support/fault_proxy.h"

namespace {

using samvad::testing::FaultProxy;
using samvad::testing::Faults;
using Clock = std::chrono::steady_clock;

// Reads until it has `expect` bytes (or EOF), remembers them, answers `reply`, closes.
class RecordingServer {
 public:
  RecordingServer(size_t expect, std::string reply) : expect_(expect), reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~RecordingServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  std::string received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }
  bool answered() const { return answered_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      char buf[8192];
      size_t got = 0;
      while (got < expect_) {
        const ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
        std::lock_guard<std::mutex> lock(mu_);
        received_.append(buf, static_cast<size_t>(n));
      }
      if (got >= expect_) {
        answered_ = send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(reply_.size());
      }
      close(c);
    }
  }
  size_t expect_;
  std::string reply_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false}, answered_{false};
  std::mutex mu_;
  std::string received_;
  std::thread thread_;
};

struct Exchange {
  std::string reply;
  bool reset = false;  // the client saw ECONNRESET
  double seconds = 0;
};

// Sends `request` through port, reads until EOF or error.
Exchange Talk(int port, const std::string& request) {
  Exchange ex;
  const auto t0 = Clock::now();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  size_t off = 0;
  while (off < request.size()) {
    const ssize_t n = send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      ex.reset = errno == ECONNRESET || errno == EPIPE;
      break;
    }
    off += static_cast<size_t>(n);
  }
  char buf[8192];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == ECONNRESET) ex.reset = true;
    if (n <= 0) break;
    ex.reply.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  ex.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return ex;
}

FaultProxy& Started(FaultProxy& p) {
  std::string error;
  REQUIRE(p.Start(&error));
  return p;
}

}  // namespace

TEST_CASE("Without faults the proxy forwards both ways byte for byte", "[fault_proxy]") {
  const std::string request(5000, 'q');
  RecordingServer server(request.size(), "answer");
  FaultProxy proxy(server.port());
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), request);
  CHECK(ex.reply == "answer");
  CHECK_FALSE(ex.reset);
  CHECK(server.received() == request);
  CHECK(proxy.bytes_up() == 5000);
  CHECK(proxy.bytes_down() == 6);
}

TEST_CASE("Latency holds each piece back in each direction", "[fault_proxy]") {
  RecordingServer server(4, "pong");
  FaultProxy proxy(server.port());
  Faults f;
  f.up.latency_ms = f.down.latency_ms = 150;
  proxy.SetFaults(f);
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), "ping");
  CHECK(ex.reply == "pong");
  CHECK(ex.seconds >= 0.29);  // 150 ms there and 150 ms back
  CHECK(ex.seconds < 3.0);
}

TEST_CASE("A bandwidth cap stretches a transfer to its size over the rate", "[fault_proxy]") {
  const std::string request(60000, 'b');
  RecordingServer server(request.size(), "ok");
  FaultProxy proxy(server.port());
  Faults f;
  f.up.bytes_per_second = 120000;  // 60 KB at 120 KB/s: half a second
  proxy.SetFaults(f);
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), request);
  CHECK(ex.reply == "ok");
  CHECK(server.received().size() == request.size());
  CHECK(ex.seconds >= 0.45);
  CHECK(ex.seconds < 3.0);
}

TEST_CASE("A stall pauses forwarding once, after the given number of bytes", "[fault_proxy]") {
  const std::string request(2000, 's');
  RecordingServer server(request.size(), "ok");
  FaultProxy proxy(server.port());
  Faults f;
  f.up.stall_after = 1000;
  f.up.stall_ms = 400;
  proxy.SetFaults(f);
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), request);
  CHECK(ex.reply == "ok");
  CHECK(server.received() == request);
  CHECK(ex.seconds >= 0.38);
  CHECK(ex.seconds < 3.0);
}

TEST_CASE("Reset after N bytes: the server gets exactly N bytes and the client a reset", "[fault_proxy]") {
  const std::string request(10000, 'r');
  RecordingServer server(request.size(), "never sent");
  FaultProxy proxy(server.port());
  Faults f;
  f.up.reset_after = 1234;
  proxy.SetFaults(f);
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), request);
  CHECK(ex.reply.empty());
  CHECK(ex.reset);
  // Give the server's recv a moment to see the bytes and the reset.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(server.received().size() == 1234);
  CHECK_FALSE(server.answered());
}

TEST_CASE("Drop response: the server receives the whole request and answers, the client gets nothing",
          "[fault_proxy]") {
  const std::string request = "POST /commit\r\n\r\n";
  RecordingServer server(request.size(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  FaultProxy proxy(server.port());
  Faults f;
  f.drop_response = true;
  proxy.SetFaults(f);
  Started(proxy);
  const Exchange ex = Talk(proxy.port(), request);
  CHECK(server.received() == request);
  CHECK(server.answered());
  CHECK(ex.reply.empty());
  CHECK(ex.reset);
}

TEST_CASE("Faults apply to connections made after they are set", "[fault_proxy]") {
  RecordingServer server(4, "pong");
  FaultProxy proxy(server.port());
  Started(proxy);
  CHECK(Talk(proxy.port(), "ping").reply == "pong");
  Faults f;
  f.drop_response = true;
  proxy.SetFaults(f);
  CHECK(Talk(proxy.port(), "ping").reply.empty());
  proxy.SetFaults(Faults{});
  CHECK(Talk(proxy.port(), "ping").reply == "pong");
  CHECK(proxy.connections() == 3);
}
