// central_load.h — what the central benchmarks share: N client threads, each with its own
// keep-alive connection (the sync client's own Transport), running a fixed number of calls
// against a server and timing them. Header-only; benchmarks only.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "sync/client/transport.h"

namespace samvad::bench {

// Runs worker(next, failed) on `threads` threads at once and times them: each takes the next
// index from `next` until it has all it wants, and sets `failed` (having printed why) to stop
// them all. Returns seconds, or -1 if one failed.
inline double TimedWorkers(int threads, const std::function<void(std::atomic<int>& next, std::atomic<bool>& failed)>& worker) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&] { worker(next, failed); });
  for (auto& t : pool) t.join();
  if (failed) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs call(transport, i) for i in [0, n) over `threads` threads, each with its own keep-alive
// connection; returns seconds, or -1 if a call returned false (it has printed why).
inline double Timed(int threads, int n, const std::function<bool(sync::Transport&, int)>& call) {
  return TimedWorkers(threads, [&](std::atomic<int>& next, std::atomic<bool>& failed) {
    sync::Transport transport(sync::TransportConfig{});
    for (int i; !failed && (i = next++) < n;)
      if (!call(transport, i)) failed = true;
  });
}

}  // namespace samvad::bench
