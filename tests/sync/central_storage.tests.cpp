// central_storage.tests.cpp — Storage (sync/central/storage.h) used directly, without HTTP, on
// the backend under test: racing creates of one client UUID, each from its own thread and
// connection, leave one request, because the UNIQUE index and the retried transaction say so.
// Also the group commit's rule (sync_group.h) on its own: no caller returns before a sync that
// covers its write. And the media sweep on a folder larger than its lookup batch.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <latch>
#include <thread>

#include "harness.h"
#include "sync/central/storage.h"
#include "sync/central/sweep.h"
#include "sync/central/sync_group.h"

using namespace samvad::testing;
using namespace samvad::central;

namespace {

// A Storage on the backend under test (SQLite in `dir`), with one service and device "dev-1".
std::unique_ptr<Storage> OpenSeeded(const std::string& dir) {
  const std::string url = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir + "/central.db";
  std::string error;
  auto db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  REQUIRE(db->SeedServices({{"pothole", "Pothole", "", "Roads", 48}}).ok());
  REQUIRE(db->AddEnrolment("dev-1", "t", "codehash", UnixNow() + 60, "", "").ok());
  return db;
}

}  // namespace

TEST_CASE("Storage: 20 threads creating one client UUID at once leave one request",
          "[central][storage][idempotency][concurrency]") {
  const std::string dir = MakeTempDir("samvad-storage");
  auto db = OpenSeeded(dir);

  constexpr int kThreads = 20;
  // Runs CreateRequest from kThreads threads released together; uuid_for(i) picks each one's key.
  const auto race = [&](const std::function<std::string(int)>& uuid_for, std::vector<IdemOutcome>* outs) {
    std::latch start(kThreads);
    std::vector<Status> statuses(kThreads);
    outs->assign(kThreads, IdemOutcome{});
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        samvad::protocol::open311::NewServiceRequest req;
        req.client_uuid = uuid_for(i);
        req.service_code = "pothole";
        req.address = "Dadar";
        const IdemKey idem{req.client_uuid, "dev-1", "requests", "hash-of-the-payload"};
        start.arrive_and_wait();
        statuses[static_cast<size_t>(i)] =
            db->CreateRequest(req, idem, [](std::int64_t id) { return std::to_string(id); }, &(*outs)[static_cast<size_t>(i)]);
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& st : statuses) {
      INFO(st.message);
      REQUIRE(st.ok());
    }
  };
  // First 20 different complaints at once: they queue on the write lock while holding their
  // connections, so the pool ends up with about 20 open ones and the real race below is not
  // paced by connection set-up.
  std::vector<IdemOutcome> outs;
  race([](int) { return NewUuid(); }, &outs);
  const std::string uuid = NewUuid();
  race([&](int) { return uuid; }, &outs);
  int created = 0;
  for (const auto& out : outs) {
    created += out.kind == IdemOutcome::Kind::kCreated;
    CHECK(out.body == outs[0].body);
  }
  CHECK(created == 1);
  std::vector<samvad::protocol::open311::ServiceRequest> rows;
  REQUIRE(db->QueryRequests(RequestQuery{}, &rows).ok());
  CHECK(rows.size() == kThreads + 1);
  std::vector<samvad::protocol::open311::RequestUpdate> feed;
  REQUIRE(db->FeedAfter(0, 100, &feed).ok());
  CHECK(feed.size() == kThreads + 1);

  SECTION("and the same key with another payload is a conflict, not a second request") {
    samvad::protocol::open311::NewServiceRequest req;
    req.client_uuid = uuid;
    req.service_code = "pothole";
    req.address = "Dadar";
    const IdemKey other{uuid, "dev-1", "requests", "another payload"};
    IdemOutcome out;
    REQUIRE(db->CreateRequest(req, other, [](std::int64_t) { return std::string(); }, &out).ok());
    CHECK(out.kind == IdemOutcome::Kind::kConflict);
    REQUIRE(db->QueryRequests(RequestQuery{}, &rows).ok());
    CHECK(rows.size() == kThreads + 1);
  }
  db.reset();
  RemoveTree(dir);
}

TEST_CASE("SyncGroup: every caller returns after a sync that covers its write, and callers share syncs",
          "[central][storage][durability][concurrency]") {
  // A fake file: `written` counts writes that reached "the kernel"; a sync makes everything
  // written before it started durable, and takes a while, as an fsync does.
  std::atomic<std::uint64_t> written{0}, durable{0};
  std::atomic<int> runs{0};
  const auto sync = [&]() -> std::string {
    const std::uint64_t covers = written.load();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    durable = covers;
    ++runs;
    return {};
  };

  SECTION("eight writers, fifty writes each") {
    SyncGroup group(/*sticky=*/true);
    constexpr int kThreads = 8, kWrites = 50;
    std::atomic<int> uncovered{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int i = 0; i < kWrites; ++i) {
          const std::uint64_t mine = ++written;
          std::string error;
          if (!group.Join(sync, &error) || durable.load() < mine) ++uncovered;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(uncovered == 0);
    CHECK(runs < kThreads * kWrites);  // shared: one sync served several writers
    CHECK(group.Quiet());
  }

  SECTION("a number taken early is served by a sync another caller ran since") {
    SyncGroup group(/*sticky=*/false);
    ++written;
    const std::uint64_t ticket = group.Take();
    std::string error;
    REQUIRE(group.Join(sync, &error));  // someone else's sync, started after the ticket
    const int before = runs;
    CHECK(group.JoinAs(ticket, sync, &error));
    CHECK(runs == before);
  }

  SECTION("a failed sync fails its callers; sticky, it fails every later one without trying") {
    int attempts = 0;
    const auto failing = [&]() -> std::string { ++attempts; return "EIO"; };
    std::string error;
    SyncGroup sticky(/*sticky=*/true);
    CHECK_FALSE(sticky.Join(failing, &error));
    CHECK(error == "EIO");
    CHECK_FALSE(sticky.Join(sync, &error));
    CHECK(attempts == 1);
    CHECK(runs == 0);
    CHECK_FALSE(sticky.Quiet());

    SyncGroup once(/*sticky=*/false);
    CHECK_FALSE(once.Join(failing, &error));
    CHECK(once.Join(sync, &error));
    CHECK(runs == 1);
  }
}

TEST_CASE("SweepMedia checks a large folder a batch at a time and stops early when told",
          "[central][storage][sweep]") {
  const std::string dir = MakeTempDir("samvad-sweep");
  auto db = OpenSeeded(dir);
  samvad::protocol::open311::NewServiceRequest req;
  req.client_uuid = "6f1c2a9e-0b7d-4c55-9d2e-3a4b5c6d7e8f";
  req.service_code = "pothole";
  req.address = "Dadar";
  IdemOutcome created;
  REQUIRE(db->CreateRequest(req, {req.client_uuid, "dev-1", "requests", "h"}, [](std::int64_t) { return std::string(); },
                            &created).ok());

  // More orphans than two lookup batches, and a finished upload's file among them (two days old
  // like the rest, named by its row), which must stay whichever batch it falls in.
  const std::string media = dir + "/media";
  REQUIRE(::mkdir(media.c_str(), 0700) == 0);
  const std::time_t now = std::time(nullptr);
  const auto make_old = [&](const std::string& name) {
    const std::string path = media + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f);
    std::fputs("x", f);
    std::fclose(f);
    const timeval times[2] = {{now - 2 * 86400, 0}, {now - 2 * 86400, 0}};
    REQUIRE(::utimes(path.c_str(), times) == 0);
  };
  const int kOrphans = static_cast<int>(2 * kLookupBatch + 7);
  for (int i = 0; i < kOrphans; ++i) {
    char name[33];
    std::snprintf(name, sizeof name, "%032x", i + 1);
    make_old(name);
  }
  Upload want, got;
  want.id = "f00dfacef00dfacef00dfacef00dface";
  want.request_id = created.id;
  want.kind = "photo";
  want.content_type = "image/jpeg";
  want.device_id = "dev-1";
  want.length = 1;
  UploadCreate how{};
  REQUIRE(db->CreateUpload(want, &got, &how).ok());
  REQUIRE(how == UploadCreate::kCreated);
  make_old(want.id);
  const auto files = [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(media)) n += e.is_regular_file();
    return n;
  };

  SECTION("told to stop before it starts (serve shutting down), it removes nothing and says so") {
    const std::atomic<bool> stop{true};
    const SweepReport r = SweepMedia(*db, media, 30, now, &stop);
    CHECK(r.interrupted);
    CHECK(r.orphans == 0);
    CHECK(files() == kOrphans + 1);
    CHECK(SweepSummary(r, 30).find("stopped early") != std::string::npos);
  }
  SECTION("left to run, every orphan goes, across batches, and the upload's file stays") {
    const SweepReport r = SweepMedia(*db, media, 30, now);
    INFO(r.problems);
    CHECK(r.ok);
    CHECK_FALSE(r.interrupted);
    CHECK(r.orphans == kOrphans);
    CHECK(files() == 1);
    CHECK(std::filesystem::exists(media + "/" + want.id));
  }
  db.reset();
}
