// fault_proxy.h — a user-space TCP proxy on loopback that misbehaves on purpose: latency,
// a bandwidth cap, a stall, a reset after N bytes, and "forward the request, let the server
// commit, drop the response". This kernel has no netem (GUIDE 3), and this runs unprivileged in
// CI. Test-only: it listens on 127.0.0.1 and forwards to one upstream on loopback.
// Each connection is served by one thread that moves bytes in both directions in turn, so a
// delay in one direction also holds the other; good enough to make a client wait or break.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace samvad::testing {

// Faults for one direction of a connection.
struct Shaping {
  int latency_ms = 0;                 // each piece waits this long before it is forwarded
  std::int64_t bytes_per_second = 0;  // 0 = no cap
  std::int64_t stall_after = -1;      // after this many bytes, stop forwarding for stall_ms (once)
  int stall_ms = 0;
  std::int64_t reset_after = -1;      // forward this many bytes, then reset both sides
};

struct Faults {
  Shaping up;    // client -> server
  Shaping down;  // server -> client
  // Forward the request, read the server's whole answer (it has committed by then) and throw it
  // away, then reset the client: the "did my POST land?" case idempotency exists for.
  bool drop_response = false;
  // Answer the connection's first request ourselves with 503 and "Retry-After: retry_after_s",
  // forwarding nothing, then close: central (or a gateway before it) too busy to take it.
  bool respond_503 = false;
  int retry_after_s = 1;
};

class FaultProxy {
 public:
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Listens on 127.0.0.1 (port 0 = a free one). False with `error` on failure.
  bool Start(std::string* error, int port = 0);
  void Stop();
  int port() const { return port_; }
  // Applies to connections accepted after the call.
  void SetFaults(const Faults& f);
  // Faults chosen per connection: `plan(n)` for the n-th connection accepted (from 0), for
  // connections accepted after the call; takes precedence over SetFaults until cleared ({}).
  void SetFaultPlan(std::function<Faults(std::int64_t connection)> plan);

  std::int64_t connections() const { return connections_; }
  std::int64_t bytes_up() const { return bytes_up_; }      // forwarded to the server
  std::int64_t bytes_down() const { return bytes_down_; }  // forwarded to the client

 private:
  void AcceptLoop();
  void Serve(int client, Faults faults);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  Faults faults_;
  std::function<Faults(std::int64_t)> plan_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::atomic<std::int64_t> connections_{0}, bytes_up_{0}, bytes_down_{0};
};

}  // namespace samvad::testing
