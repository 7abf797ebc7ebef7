// sync_link.cpp — how close the sync engine gets to a slow link's capacity: complaints with
// photos from a real device store through the fault proxy capped at 256 kbit/s (32,000 bytes/s)
// each way, answers delayed 300 ms (the round trip of a loaded 2G/3G cell), to a real
// samvad-central on SQLite. Figure: total time ÷ (bytes the proxy carried up ÷ 32,000 B/s); 1.0
// would be a link never idle. What keeps it above 1 is the round trips the protocol needs per
// complaint (create, tus POST + PATCH for the thumbnail, tus POST + PATCH for the photo), each
// an idle 300 ms on the upload side.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "sync/client/engine.h"
#include "sync_client_support.h"
#include "tests/support/fault_proxy.h"

using namespace samvad;
using namespace samvad::testing::client;

int main() {
  constexpr std::int64_t kRate = 32'000;  // 256 kbit/s
  constexpr int kComplaints = 3;
  TempDir dir("bench-link");
  CentralServer central;
  std::string why;
  const int proxy_port = FreeLoopbackPort();
  if (!central.Start("sqlite:" + dir.str() + "/central.db", dir.str() + "/media", 0,
                     "http://127.0.0.1:" + std::to_string(proxy_port), &why)) {
    std::fprintf(stderr, "bench_sync_link: %s\n", why.c_str());
    return 1;
  }
  const std::string key = central.EnrollDevice(&why);
  testing::FaultProxy proxy(central.port());
  if (key.empty() || !proxy.Start(&why, proxy_port)) {
    std::fprintf(stderr, "bench_sync_link: %s\n", why.c_str());
    return 1;
  }
  testing::Faults link;
  link.up.bytes_per_second = kRate;
  link.down.bytes_per_second = kRate;
  link.down.latency_ms = 300;  // on answers: a request waits one round trip for its answer
  proxy.SetFaults(link);

  Device dev("bench-link-dev");
  std::mt19937_64 rng(42);
  std::int64_t payload = 0;
  for (int i = 0; i < kComplaints; ++i) {
    Device::Filed f;
    const std::int64_t photo = 200'000 + static_cast<std::int64_t>(rng() % 100'000);  // a kiosk photo: 200–300 KB
    if (!dev.File(rng, photo, 20'000, &f, &why)) {
      std::fprintf(stderr, "bench_sync_link: %s\n", why.c_str());
      return 1;
    }
    payload += photo + 20'000;
  }
  sync::SyncConfig cfg;
  cfg.base_url = "http://127.0.0.1:" + std::to_string(proxy_port);
  cfg.api_key = key;
  cfg.photos_dir = dev.photos_dir();
  cfg.data_dir = dev.data_dir();
  cfg.pull_updates = cfg.refresh_catalog = false;  // the upload side alone
  cfg.interval_ms = 3600'000;
  sync::SyncEngine engine(cfg, dev.outbox());
  const auto t0 = std::chrono::steady_clock::now();
  engine.Start();
  engine.WaitForSessions(0, std::chrono::seconds(120));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const sync::SyncSnapshot s = engine.Snapshot();
  engine.Stop();
  if (s.last_action != sync::Action::Ok || s.items_sent != kComplaints) {
    std::fprintf(stderr, "bench_sync_link: the sync did not complete: %s\n", s.cause.c_str());
    return 1;
  }
  const double up = static_cast<double>(proxy.bytes_up());
  const double link_time = up / kRate;
  std::printf("sync link: %d complaints + photos over 256 kbit/s, 300 ms RTT  %.1f s  bytes÷rate %.1f s (%.0f KB up, "
              "%.0f KB payload)  ratio %.2f  (payload÷rate: %.2f)  (target <= 1.15)\n",
              kComplaints, secs, link_time, up / 1000, static_cast<double>(payload) / 1000, secs / link_time,
              secs / (static_cast<double>(payload) / kRate));
  return 0;
}
