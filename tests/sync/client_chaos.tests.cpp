// client_chaos.tests.cpp — the chaos test: 500 complaints (300 with a 150–300 KB photo and a
// ~20 KB thumbnail) from a real device store, through a link that resets about every 100 KB,
// a central that is sometimes busy (503 + Retry-After) and sometimes commits but loses its
// answer, and that is killed with -9 and restarted mid-run. Afterwards central holds exactly the
// device's 500 complaints, once each, every photo and thumbnail byte for byte.
// Runs against SQLite and PostgreSQL (ctest sync.client.chaos.*), each well under 5 minutes.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "client_rig.h"

namespace {

using namespace samvad;
using namespace samvad::testing::client;
using Clock = std::chrono::steady_clock;

}  // namespace

TEST_CASE("Chaos: 500 complaints over a breaking link, a busy and a crashing central, arrive exactly once",
          "[chaos]") {
  const auto t0 = Clock::now();
  Rig rig(true);
  std::mutex mu;
  std::mt19937_64 fault_rng(2024);
  int busy = 0, dropped = 0, cut = 0;
  rig.proxy->SetFaultPlan([&](std::int64_t) {
    std::lock_guard lock(mu);
    testing::Faults f;
    // A finite link (4 MB/s up). Without any rate the proxy's reset lands microseconds after a
    // burst, and central's kernel discards what central had not yet read: bytes no real link
    // delivers that fast before dropping.
    f.up.bytes_per_second = 4 << 20;
    const auto roll = fault_rng() % 100;
    if (roll < 4) {
      f.respond_503 = true;  // Retry-After scaled down from production's minutes to 1 s
      f.retry_after_s = 1;
      ++busy;
    } else if (roll < 12) {
      f.drop_response = true;  // central commits, the device never hears
      ++dropped;
    } else {
      f.up.reset_after = 60'000 + static_cast<std::int64_t>(fault_rng() % 80'000);  // "about every 100 KB"
      ++cut;
    }
    return f;
  });

  Device dev("client-chaos");
  std::mt19937_64 rng(500);
  struct Want {
    std::string photo, thumb;
    model::Ticket ticket;
  };
  std::map<std::string, Want> want;  // by display ticket
  std::int64_t payload_photos = 0;
  std::vector<bool> has_photo(500, false);
  for (int i = 0; i < 300; ++i) has_photo[static_cast<size_t>(i)] = true;
  std::shuffle(has_photo.begin(), has_photo.end(), rng);
  for (int i = 0; i < 500; ++i) {
    const std::int64_t photo = has_photo[static_cast<size_t>(i)] ? 150'000 + static_cast<std::int64_t>(rng() % 150'000) : 0;
    const std::int64_t thumb = photo ? 16'000 + static_cast<std::int64_t>(rng() % 8'000) : 0;
    Device::Filed f;
    std::string why;
    INFO(why);
    REQUIRE(dev.File(rng, photo, thumb, &f, &why));
    want[f.result.ticket_display] = Want{f.photo_sha256, f.thumb_sha256, f.result.ticket};
    payload_photos += photo + thumb;
  }
  const double filed_s = std::chrono::duration<double>(Clock::now() - t0).count();

  sync::SyncConfig cfg = rig.Config(dev);
  cfg.backoff = {10, 200};
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();

  // The crash: once about 40 % of the bytes have gone through, kill -9 and start central again
  // on the same port, database and media folder.
  std::atomic<bool> crashed{false};
  std::string restart_error;
  std::thread crasher([&] {
    const auto limit = Clock::now() + std::chrono::seconds(200);
    while (Clock::now() < limit) {
      if (rig.proxy->bytes_up() * 10 >= payload_photos * 4) {
        rig.central.Kill9();
        if (!rig.central.Restart(&restart_error)) return;
        crashed = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // Done when a session ends cleanly with nothing left pending.
  bool clean = false;
  const auto deadline = Clock::now() + std::chrono::seconds(230);
  while (!clean && Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    if (!SyncUntilClean(engine, std::max(left, std::chrono::seconds(1)))) break;
    clean = PendingEntries(dev.outbox()) == 0;
    if (!clean) engine.RequestSync();
  }
  crasher.join();
  const sync::SyncSnapshot s = engine.Snapshot();
  engine.Stop();
  INFO("last cause: " << s.cause << "; restart: " << restart_error);
  REQUIRE(crashed);
  REQUIRE(clean);

  // Every entry sent, none failed.
  int sent = 0;
  for (const auto& [display, w] : want) {
    model::OutboxEntry e;
    REQUIRE(dev.store().outbox().Get(w.ticket, &e) == model::OutboxResult::Ok);
    INFO(display << ": " << model::OutboxStateCode(e.state) << " " << e.last_error);
    CHECK(e.state == model::OutboxState::Sent);
    sent += e.state == model::OutboxState::Sent;
  }

  // What central holds, read back directly (not through the proxy).
  std::vector<CentralRequest> held;
  std::string why;
  INFO(why);
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  std::set<std::string> tickets;
  int duplicates = 0, mismatches = 0, unknown = 0;
  for (const auto& q : held) {
    if (!tickets.insert(q.ticket).second) ++duplicates;
    const auto it = want.find(q.ticket);
    if (it == want.end()) {
      ++unknown;
      continue;
    }
    mismatches += q.photo_sha256 != it->second.photo || q.thumb_sha256 != it->second.thumb;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const double ratio = static_cast<double>(rig.proxy->bytes_up()) / static_cast<double>(payload_photos);
  std::printf("chaos (%s): %zu requests on central, %d duplicates, %d unknown, %d photo hash mismatches, "
              "%d/500 entries sent; %lld bytes through the proxy for %lld of photos+thumbnails (%.3fx); "
              "%lld connections: %d cut, %d 503, %d answers dropped; central killed -9 and restarted once; "
              "%llu transient failures; filing %.1f s, total %.1f s\n",
              UsingPostgres() ? "postgresql" : "sqlite", held.size(), duplicates, unknown, mismatches, sent,
              static_cast<long long>(rig.proxy->bytes_up()), static_cast<long long>(payload_photos), ratio,
              static_cast<long long>(rig.proxy->connections()), cut, busy, dropped,
              static_cast<unsigned long long>(s.transient_failures), filed_s, secs);
  std::fflush(stdout);
  CHECK(held.size() == 500);
  CHECK(duplicates == 0);
  CHECK(unknown == 0);
  CHECK(mismatches == 0);
  CHECK(sent == 500);
  CHECK(busy > 0);
  CHECK(dropped > 0);
}
