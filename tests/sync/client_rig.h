// client_rig.h — the stage the sync client's Catch2 tests set up again and again: samvad-central
// (SQLite, or PostgreSQL when SAMVAD_TEST_BACKEND=postgresql) with a fresh database, optionally
// behind the fault proxy (then central's base URL, and so every Location it gives, is the
// proxy's), an enrolled device key, and engine settings scaled for tests. Header-only.
#pragma once
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "sync/client/engine.h"
#include "sync_client_support.h"
#include "tests/support/fault_proxy.h"

namespace samvad::testing::client {

inline bool UsingPostgres() {
  const char* b = std::getenv("SAMVAD_TEST_BACKEND");
  return b && std::strcmp(b, "postgresql") == 0;
}

class Rig {
  TempDir dir_;  // first, so it is removed last: after central and the proxy have stopped

 public:
  explicit Rig(bool with_proxy, int central_threads = 4) : dir_("client-central") {
    std::string why;
    const std::string db = UsingPostgres() ? NewPostgresDatabase(&why) : "sqlite:" + dir_.str() + "/central.db";
    INFO(why);
    REQUIRE(!db.empty());
    // The proxy's port is chosen first: central must name it in every Location it hands out.
    const int proxy_port = with_proxy ? FreeLoopbackPort() : 0;
    const std::string base = with_proxy ? "http://127.0.0.1:" + std::to_string(proxy_port) : "";
    const bool started = central.Start(db, dir_.str() + "/media", 0, base, &why, central_threads);
    INFO(why);
    REQUIRE(started);
    if (with_proxy) {
      proxy = std::make_unique<FaultProxy>(central.port());
      const bool ok = proxy->Start(&why, proxy_port);
      INFO(why);
      REQUIRE(ok);
    }
    api_key = central.EnrollDevice(&why);
    INFO(why);
    REQUIRE(!api_key.empty());
  }

  // Where the device reaches central.
  std::string device_url() const {
    return proxy ? "http://127.0.0.1:" + std::to_string(proxy->port()) : central.url();
  }

  // Settings as production has them, with waits scaled down so a test of many failures ends
  // in seconds: backoff 20 ms–0.5 s, a 5 s connect timeout, no session unless asked.
  sync::SyncConfig Config(Device& device) const {
    sync::SyncConfig c;
    c.base_url = device_url();
    c.api_key = api_key;
    c.photos_dir = device.photos_dir();
    c.data_dir = device.data_dir();
    c.backoff = {20, 500};
    c.interval_ms = 3600'000;
    c.transport.connect_timeout_s = 5;
    c.transport.low_speed_bytes_per_s = 1024;
    c.transport.low_speed_seconds = 10;
    if (std::getenv("SAMVAD_TEST_TRACE")) {
      c.log = [t0 = std::chrono::steady_clock::now()](const std::string& line) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "sync: %7lld %s\n", static_cast<long long>(ms), line.c_str());
      };
    }
    return c;
  }

  CentralServer central;
  std::unique_ptr<FaultProxy> proxy;
  std::string api_key;
};

// Waits (on the engine's session counters, not by sleeping) until a session numbered above
// `begun_after` ends cleanly; the engine retries failed ones by itself. False when `limit`
// passes first. 0 counts every session since Start: for what was filed before Start. Work done
// while the engine runs needs a session that began after it (one under way may have read the
// outbox before): SyncNowUntilClean.
inline bool SyncUntilClean(sync::SyncEngine& engine, std::chrono::seconds limit, std::uint64_t begun_after = 0) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::uint64_t seen = engine.Snapshot().sessions;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    seen = engine.WaitForSessions(seen, left);
    const sync::SyncSnapshot s = engine.Snapshot();
    // Sessions run one after another: once more than `begun_after` have finished, the last of
    // them began after the `begun_after`-th.
    if (s.sessions > begun_after && s.last_action == sync::Action::Ok && s.phase == sync::SessionPhase::Idle)
      return true;
  }
  return false;
}

// Staff's "sync now" on a running engine, and the wait for a session that began after it: so
// it saw everything done before this call.
inline bool SyncNowUntilClean(sync::SyncEngine& engine, std::chrono::seconds limit) {
  const std::uint64_t begun = engine.Snapshot().sessions_started;
  engine.RequestSync();  // a session under way now is followed by another
  return SyncUntilClean(engine, limit, begun);
}

// `n` complaints filed on `dev` (Device::File), each with `photos` photos when `photo` > 0;
// `seed` makes the bytes repeatable.
inline std::vector<Device::Filed> FileMany(Device& dev, int n, std::int64_t photo, std::int64_t thumb, std::uint64_t seed,
                                    int photos = 1) {
  std::mt19937_64 rng(seed);
  std::vector<Device::Filed> out(static_cast<size_t>(n));
  for (auto& f : out) {
    std::string why;
    const bool filed = dev.File(rng, photo, thumb, &f, &why, photos);
    INFO(why);
    REQUIRE(filed);
  }
  return out;
}

// The engine's call log (SyncConfig::log: one line per HTTP call, "(second connection) " before
// the calls of its second one), kept for the test to read once the engine has stopped.
class CallLog {
 public:
  std::function<void(const std::string&)> Sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    };
  }
  std::vector<std::string> Lines() const {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// Every entry of the outbox has left pending/sending.
inline int PendingEntries(model::Outbox& outbox) {
  std::vector<model::OutboxEntry> due;
  outbox.ListDue(std::int64_t{1} << 40, 100000, &due);
  return static_cast<int>(due.size());
}

}  // namespace samvad::testing::client
