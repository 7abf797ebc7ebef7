// central_storage.tests.cpp — Storage (sync/central/storage.h) used directly, without HTTP, on
// the backend under test: racing creates of one client UUID, each from its own thread and
// connection, leave one request, because the UNIQUE index and the retried transaction say so.
#include <catch2/catch.hpp>
#include <functional>
#include <latch>
#include <thread>

#include "harness.h"
#include "sync/central/storage.h"

using namespace samvad::testing;
using namespace samvad::central;

TEST_CASE("Storage: 20 threads creating one client UUID at once leave one request",
          "[central][storage][idempotency][concurrency]") {
  const std::string dir = MakeTempDir("samvad-storage");
  const std::string url = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir + "/central.db";
  std::string error;
  auto db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  REQUIRE(db->SeedServices({{"pothole", "Pothole", "", "Roads", 48}}).ok());
  REQUIRE(db->AddEnrolment("dev-1", "t", "codehash", UnixNow() + 60).ok());

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
