// client_engine.tests.cpp — the sync engine end to end: a real device store (app/store's SQLite
// outbox and photos folder), the engine on its thread, real samvad-central processes, and the
// fault proxy where the link must misbehave.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "client_rig.h"
#include "sync/client/tus_upload.h"
#include "sync/model/pin_hash.h"
#include "sync/protocol/form.h"
#include "sync/protocol/json.h"

namespace {

using namespace samvad;
using namespace samvad::testing::client;
using Clock = std::chrono::steady_clock;

store::OutboxStore& Ob(Device& d) { return d.store().outbox(); }

model::OutboxEntry Entry(Device& d, const model::Ticket& t) {
  model::OutboxEntry e;
  REQUIRE(Ob(d).Get(t, &e) == model::OutboxResult::Ok);
  return e;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("Complaints reach central exactly once, with their photos byte for byte", "[client][engine][backend]") {
  Rig rig(false);
  Device dev("client-dev");
  auto with_photo = FileMany(dev, 2, 200 << 10, 20 << 10, 1);
  auto without = FileMany(dev, 2, 0, 0, 2);
  auto three_photos = FileMany(dev, 2, 150 << 10, 15 << 10, 3, model::kMaxPhotos);
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  const sync::SyncSnapshot s = engine.Snapshot();
  CHECK(s.items_total == 6);
  CHECK(s.items_sent == 6);
  CHECK(s.items_done == 6);
  CHECK(s.bytes_done == s.bytes_total);
  CHECK(s.bytes_total > 2 * (220 << 10) + 2 * 3 * (160 << 10));
  CHECK(s.cause.empty());
  CHECK(s.last_success_at > 0);
  engine.Stop();
  CHECK(engine.Snapshot().phase == sync::SessionPhase::Stopped);

  std::vector<CentralRequest> held;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 6);
  for (const auto* group : {&with_photo, &without, &three_photos}) {
    for (const auto& f : *group) {
      const model::OutboxEntry e = Entry(dev, f.result.ticket);
      CHECK(e.state == model::OutboxState::Sent);
      CHECK(e.attempts == 1);
      int found = 0;
      for (const auto& q : held) {
        if (q.ticket != f.result.ticket_display) continue;
        ++found;
        CHECK(q.id == e.central_id);
        CHECK(q.photo_sha256 == f.photo_sha256);
        CHECK(q.thumb_sha256 == f.thumb_sha256);
        CHECK(q.photos_sha256 == f.photos_sha256);  // every photo, in the citizen's order
      }
      CHECK(found == 1);
      const store::LookupResult l = dev.store().Lookup(f.result.ticket, "3456");
      CHECK(l.sent);
      CHECK(l.current == model::Status::Received);
    }
  }
  // Photos were acknowledged before central flushed them (PROTOCOL.md, "Flushing later"); none
  // counts as sent until flushed, so after the sync central has flushed every one.
  sync::Transport t(sync::TransportConfig{});
  const std::string key = rig.Config(dev).api_key;
  int uploads = 0;
  for (const auto& q : held)
    for (const std::string& url : q.uploads) {
      ++uploads;
      const sync::HttpResult h = t.Perform(sync::HttpCall{"HEAD", url, {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}}, {}});
      INFO(url);
      CHECK(h.status == 200);
      CHECK(!h.Header("upload-offset").empty());
      CHECK(h.Header("upload-offset") == h.Header("upload-length"));
      CHECK(h.Header("samvad-durable").empty());
    }
  CHECK(uploads == 2 * 2 + 2 * 2 * model::kMaxPhotos);
}

TEST_CASE("Each batch's flush goes on the second connection while the next batch is sent; every entry ends flushed",
          "[client][engine][backend]") {
  Rig rig(false);
  Device dev("client-seal-overlap");
  auto filed = FileMany(dev, 7, 120 << 10, 12 << 10, 4);
  sync::SyncConfig cfg = rig.Config(dev);
  cfg.batch = 2;  // 4 batches: 3 seals overlap the batch after them, the last one is waited for
  CallLog log;
  cfg.log = log.Sink();
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  const sync::SyncSnapshot s = engine.Snapshot();
  engine.Stop();
  CHECK(s.items_sent == 7);
  CHECK(s.bytes_done == s.bytes_total);
  CHECK(PendingEntries(dev.outbox()) == 0);
  // The seals: on the second connection, one per batch that had photos acknowledged unflushed
  // (the engine's first photo goes flushed, before it knows the link is fast).
  int seals = 0, seals_second = 0;
  for (const std::string& line : log.Lines()) {
    if (line.find("POST /media/sync") == std::string::npos) continue;
    ++seals;
    seals_second += line.rfind("(second connection) ", 0) == 0;
    CHECK(line.find("-> 200") != std::string::npos);
  }
  CHECK(seals >= 3);
  CHECK(seals_second == seals);
  std::vector<CentralRequest> held;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 7);
  sync::Transport t(sync::TransportConfig{});
  for (const auto& f : filed) {
    const model::OutboxEntry e = Entry(dev, f.result.ticket);
    CHECK(e.state == model::OutboxState::Sent);
    CHECK(e.attempts == 1);
    for (const auto& q : held) {
      if (q.ticket != f.result.ticket_display) continue;
      CHECK(q.photo_sha256 == f.photo_sha256);
      CHECK(q.thumb_sha256 == f.thumb_sha256);
      for (const std::string& url : q.uploads) {
        const sync::HttpResult h = t.Perform(
            sync::HttpCall{"HEAD", url, {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + cfg.api_key}}, {}});
        INFO(url);
        CHECK(h.Header("upload-offset") == h.Header("upload-length"));
        CHECK(h.Header("samvad-durable").empty());  // flushed: the seal covered it
      }
    }
  }
}

TEST_CASE("A photo counts as sent only when central's flush says it holds every byte", "[client][tus]") {
  sync::UploadMemo memo;
  memo.location = "http://central/media/0123abcd";
  memo.offset = 5000;
  memo.done = true;
  memo.unsynced = true;
  SECTION("flushed whole: sent") {
    CHECK(sync::SettleMemo(&memo, {{"0123abcd", 5000}}));
    CHECK_FALSE(memo.unsynced);
    CHECK(memo.done);
  }
  SECTION("central started it again after its machine restarted: ask where to go on") {
    CHECK_FALSE(sync::SettleMemo(&memo, {{"0123abcd", 0}}));
    CHECK_FALSE(memo.done);
    CHECK(memo.offset == -1);
    CHECK(memo.location == "http://central/media/0123abcd");
  }
  SECTION("acknowledged again while the flush ran (-1): not yet") {
    CHECK_FALSE(sync::SettleMemo(&memo, {{"0123abcd", -1}}));
    CHECK_FALSE(memo.done);
  }
  SECTION("central no longer knows it as ours: made again") {
    CHECK_FALSE(sync::SettleMemo(&memo, {{"ffff", 5000}}));
    CHECK(memo.location.empty());
  }
  SECTION("an upload flushed before its answer needs no seal") {
    memo.unsynced = false;
    CHECK(sync::SettleMemo(&memo, {}));
    CHECK(memo.done);
  }
}

TEST_CASE("Progress numbers move monotonically and reach their totals", "[client][engine]") {
  Rig rig(true);
  testing::Faults slow;
  slow.up.bytes_per_second = 600 << 10;  // ~1.7 s for three photos: many snapshots in between
  rig.proxy->SetFaults(slow);
  Device dev("client-progress");
  FileMany(dev, 3, 300 << 10, 20 << 10, 3);
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());
  engine.Start();
  std::vector<sync::SyncSnapshot> seen;
  // The UI's way: a snapshot per "frame" until the session is over.
  while (seen.empty() || seen.back().sessions == 0) {
    seen.push_back(engine.Snapshot());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const sync::SyncSnapshot& last = seen.back();
  REQUIRE(last.last_action == sync::Action::Ok);
  int distinct = 0;
  bool saw_rate = false, saw_eta = false;
  for (size_t i = 1; i < seen.size(); ++i) {
    const auto &a = seen[i - 1], &b = seen[i];
    if (b.phase == sync::SessionPhase::Idle || a.items_total == 0) continue;
    INFO("snapshot " << i);
    REQUIRE(b.items_done >= a.items_done);
    REQUIRE(b.bytes_done >= a.bytes_done);
    REQUIRE(b.bytes_done <= b.bytes_total);
    for (size_t k = 0; k < b.items.size() && k < a.items.size(); ++k) REQUIRE(b.items[k].bytes_done >= a.items[k].bytes_done);
    distinct += b.bytes_done != a.bytes_done;
    saw_rate = saw_rate || b.rate_bytes_per_s > 0;
    saw_eta = saw_eta || b.eta_s >= 0;
  }
  CHECK(distinct >= 5);  // it moved in steps as bytes went out, not only from 0 to the total
  CHECK(saw_rate);
  CHECK(saw_eta);
  CHECK(last.items_done == 3);
  CHECK(last.items_total == 3);
  CHECK(last.bytes_done == last.bytes_total);
  for (const auto& item : last.items) {
    CHECK(item.phase == sync::ItemPhase::Sent);
    CHECK(item.bytes_done == item.bytes_total);
  }
}

TEST_CASE("Status updates from central reach the device's history once, and the catalog its file",
          "[client][engine][backend]") {
  Rig rig(false);
  Device dev("client-updates");
  auto filed = FileMany(dev, 2, 0, 0, 4);
  sync::SyncConfig cfg = rig.Config(dev);
  {
    sync::SyncEngine engine(cfg, dev.outbox());
    engine.Start();
    REQUIRE(SyncUntilClean(engine, std::chrono::seconds(30)));
    // Central's field staff move the first complaint on, and fix the second.
    const std::string a = Entry(dev, filed[0].result.ticket).central_id, b = Entry(dev, filed[1].result.ticket).central_id;
    for (const auto& [id, status, note] : {std::tuple{a, "in_progress", "Crew sent"}, std::tuple{b, "fixed", "Filled"}}) {
      const Got g = HttpPostForm(rig.central.url() + "/servicerequestupdates.json",
                                 protocol::EncodeForm({{"api_key", rig.api_key}, {"service_request_id", id},
                                                       {"status", status}, {"description", note}}),
                                 {"Idempotency-Key: update-" + id});
      REQUIRE(g.status == 200);
    }
    REQUIRE(SyncNowUntilClean(engine, std::chrono::seconds(30)));
    CHECK(engine.Snapshot().updates_applied == 2);
  }
  const store::LookupResult la = dev.store().Lookup(filed[0].result.ticket, "3456");
  CHECK(la.current == model::Status::InProgress);
  std::vector<model::Status> history;
  for (const auto& e : la.history) history.push_back(e.status);
  CHECK(history == std::vector<model::Status>{model::Status::Filed, model::Status::Received, model::Status::InProgress});
  REQUIRE_FALSE(la.history.empty());
  CHECK(la.history.back().note == "Crew sent");
  CHECK(dev.store().Lookup(filed[1].result.ticket, "3456").current == model::Status::Resolved);

  // The cursor was kept: a new engine (the program restarted) applies nothing twice.
  CHECK_THAT(ReadText(dev.data_dir() + "/sync-state.txt"), Catch::Contains("feed_cursor c1-"));
  sync::SyncEngine again(cfg, dev.outbox());
  again.Start();
  REQUIRE(SyncUntilClean(again, std::chrono::seconds(30)));
  CHECK(again.Snapshot().updates_applied == 0);
  CHECK(again.Snapshot().last_success_at > 0);

  // The catalog, as central serves it, in a file the UI reads.
  std::string why;
  const auto catalog = protocol::ParseJson(ReadText(dev.data_dir() + "/catalog/services.json"), &why);
  REQUIRE(catalog);
  bool pothole = false;
  for (const auto& s : catalog->items) pothole = pothole || s.Str("service_code") == "pothole";
  CHECK(pothole);
}

TEST_CASE("A kiosk's pull asks central for its own complaints' updates only, and still hears of each",
          "[client][engine][backend]") {
  // Two kiosks of ward 08, devices 001 and 002, syncing to one central.
  Rig rig(false);
  Device one("client-kiosk-one", 8, 1), two("client-kiosk-two", 8, 2);
  auto filed_one = FileMany(one, 2, 0, 0, 11), filed_two = FileMany(two, 2, 0, 0, 12);
  std::mutex mu;
  std::vector<std::string> calls;  // kiosk one's HTTP calls
  sync::SyncConfig cfg_one = rig.Config(one), cfg_two = rig.Config(two);
  cfg_one.log = [&](const std::string& line) {
    std::lock_guard lock(mu);
    calls.push_back(line);
  };
  sync::SyncEngine engine_one(cfg_one, one.outbox()), engine_two(cfg_two, two.outbox());
  engine_one.Start();
  engine_two.Start();
  REQUIRE(SyncUntilClean(engine_one, std::chrono::seconds(30)));
  REQUIRE(SyncUntilClean(engine_two, std::chrono::seconds(30)));
  // Central moves all four on.
  std::vector<std::string> ids_two;
  for (auto* filed : {&filed_one, &filed_two}) {
    Device& dev = filed == &filed_one ? one : two;
    for (const auto& f : *filed) {
      const std::string id = Entry(dev, f.result.ticket).central_id;
      if (&dev == &two) ids_two.push_back(id);
      const Got g = HttpPostForm(rig.central.url() + "/servicerequestupdates.json",
                                 protocol::EncodeForm({{"api_key", rig.api_key}, {"service_request_id", id},
                                                       {"status", "in_progress"}, {"description", "Crew sent"}}),
                                 {"Idempotency-Key: kiosk-pull-" + id});
      REQUIRE(g.status == 200);
    }
  }
  {
    std::lock_guard lock(mu);
    calls.clear();
  }
  REQUIRE(SyncNowUntilClean(engine_one, std::chrono::seconds(30)));
  REQUIRE(SyncNowUntilClean(engine_two, std::chrono::seconds(30)));
  CHECK(engine_one.Snapshot().updates_applied == 2);
  CHECK(engine_two.Snapshot().updates_applied == 2);
  for (const auto& f : filed_one) CHECK(one.store().Lookup(f.result.ticket, "3456").current == model::Status::InProgress);
  for (const auto& f : filed_two) CHECK(two.store().Lookup(f.result.ticket, "3456").current == model::Status::InProgress);
  // Kiosk one asked for 08-001's complaints, and never named kiosk two's in the ticket lookup.
  std::lock_guard lock(mu);
  int feed_calls = 0;
  for (const std::string& line : calls) {
    INFO(line);
    if (line.find("GET /servicerequestupdates.json") == 0) {
      ++feed_calls;
      CHECK(line.find("issued_by=08-001") != std::string::npos);
      CHECK(line.find("08-002") == std::string::npos);
    }
    const std::string lookup = "GET /requests.json?service_request_id=";
    if (line.find(lookup) == 0) {
      const std::string list = line.substr(lookup.size(), line.find('&') - lookup.size());
      for (const std::string& id : ids_two) CHECK(("," + list + ",").find("," + id + ",") == std::string::npos);
    }
  }
  CHECK(feed_calls >= 1);
}

TEST_CASE("A photo upload interrupted 10 times sends at most 1.1x its size in total", "[client][engine][resume]") {
  const bool checksum_always = GENERATE(false, true);
  Rig rig(true);
  // A 2G/3G-like link (512 KB/s up) that drops every connection after 30 KB until the engine has
  // been interrupted ten times. (The rate matters: with none, the proxy's reset lands
  // microseconds after its last burst and central's kernel throws away what central had not yet
  // read — bytes no real link delivers that fast before dropping.) The 300 KB photo starts about
  // 21 KB into the first connection, so every one of the ten cuts lands in it.
  std::atomic<sync::SyncEngine*> watched{nullptr};
  rig.proxy->SetFaultPlan([&watched](std::int64_t n) {
    testing::Faults f;
    f.up.bytes_per_second = 512 << 10;
    const sync::SyncEngine* e = watched.load();
    const std::uint64_t cuts = e ? e->Snapshot().transient_failures : 0;
    if (cuts < 10) f.up.reset_after = 30 << 10;
    if (std::getenv("SAMVAD_TEST_TRACE"))
      std::fprintf(stderr, "proxy: connection %lld%s\n", static_cast<long long>(n), cuts < 10 ? " (cut at 30 KB)" : "");
    return f;
  });
  Device dev("client-resume");
  auto filed = FileMany(dev, 1, 300 << 10, 20 << 10, 5);
  sync::SyncConfig cfg = rig.Config(dev);
  cfg.pull_updates = cfg.refresh_catalog = false;  // count the complaint's bytes alone
  cfg.always_checksum = checksum_always;
  sync::SyncEngine engine(cfg, dev.outbox());
  watched = &engine;
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(60)));
  const sync::SyncSnapshot s = engine.Snapshot();
  engine.Stop();
  watched = nullptr;
  const double payload = static_cast<double>(s.bytes_total);  // record + thumbnail + photo
  const double ratio = static_cast<double>(rig.proxy->bytes_up()) / payload;
  std::printf("resume: %s: %llu interruptions, %lld bytes through the proxy for %lld of payload: %.3fx\n",
              checksum_always ? "checksum on every PATCH" : "checksum until the first cut",
              static_cast<unsigned long long>(s.transient_failures), static_cast<long long>(rig.proxy->bytes_up()),
              static_cast<long long>(s.bytes_total), ratio);
  CHECK(s.transient_failures == 10);
  std::vector<CentralRequest> held;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 1);
  CHECK(held[0].photo_sha256 == filed[0].photo_sha256);
  CHECK(held[0].thumb_sha256 == filed[0].thumb_sha256);
  if (!checksum_always) {
    CHECK(ratio <= 1.1);
  } else {
    // Every cut throws away the checksummed chunk it hit: reported above, bounded loosely.
    CHECK(ratio <= 2.0);
  }
}

TEST_CASE("The wait after a 503 is at least its Retry-After, even when asked to sync now", "[client][engine][backoff]") {
  Rig rig(true);
  std::mutex mu;
  std::vector<Clock::time_point> accepted;
  rig.proxy->SetFaultPlan([&](std::int64_t n) {
    std::lock_guard lock(mu);
    accepted.push_back(Clock::now());
    testing::Faults f;
    if (n == 0) {
      f.respond_503 = true;
      f.retry_after_s = 2;
    }
    return f;
  });
  Device dev("client-503");
  FileMany(dev, 1, 0, 0, 6);
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());  // backoff 20 ms–0.5 s: far below 2 s
  engine.Start();
  // Poll like the UI until the engine shows it is waiting for central.
  sync::SyncSnapshot waiting = engine.Snapshot();
  const auto limit = Clock::now() + std::chrono::seconds(10);
  while (waiting.phase != sync::SessionPhase::Waiting && Clock::now() < limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    waiting = engine.Snapshot();
  }
  CHECK(waiting.phase == sync::SessionPhase::Waiting);
  CHECK(waiting.last_action == sync::Action::Transient);
  CHECK(waiting.cause == "server busy (503), retrying after 2 s: busy (fault proxy)");
  REQUIRE(SyncNowUntilClean(engine, std::chrono::seconds(30)));  // staff press "sync now": the server's wish still stands
  std::lock_guard lock(mu);
  REQUIRE(accepted.size() >= 2);
  const double gap = std::chrono::duration<double>(accepted[1] - accepted[0]).count();
  INFO("gap " << gap);
  CHECK(gap >= 2.0);
  CHECK(gap < 4.0);
}

TEST_CASE("A damaged photo fails its own complaint only, with a reason staff can read", "[client][engine]") {
  Rig rig(false);
  Device dev("client-damaged");
  auto filed = FileMany(dev, 2, 100 << 10, 10 << 10, 7);
  {
    std::ofstream damage(dev.photos_dir() + "/" + filed[0].photo_sha256 + ".jpg", std::ios::binary | std::ios::in);
    REQUIRE(damage);
    damage.seekp(1000);
    damage.write("XXXX", 4);
  }
  sync::SyncEngine engine(rig.Config(dev), dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(30)));
  const model::OutboxEntry bad = Entry(dev, filed[0].result.ticket), good = Entry(dev, filed[1].result.ticket);
  CHECK(bad.state == model::OutboxState::Failed);
  CHECK(bad.last_error == "photo file damaged on this device (SHA-256 does not match its name)");
  CHECK(good.state == model::OutboxState::Sent);
  const sync::SyncSnapshot s = engine.Snapshot();
  REQUIRE(s.items.size() == 2);
  CHECK(s.items[0].phase == sync::ItemPhase::Failed);
  CHECK(s.items[0].cause == bad.last_error);
  CHECK(s.items[1].phase == sync::ItemPhase::Sent);
}

TEST_CASE("A refused device key ends the session; entries wait, and the cause says why", "[client][engine]") {
  Rig rig(false);
  Device dev("client-revoked");
  auto filed = FileMany(dev, 2, 0, 0, 8);
  sync::SyncConfig cfg = rig.Config(dev);
  cfg.api_key = std::string(64, 'a');  // a key central never issued
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();
  REQUIRE(engine.WaitForSessions(0, std::chrono::seconds(20)) >= 1);
  const sync::SyncSnapshot s = engine.Snapshot();
  CHECK(s.last_action == sync::Action::AuthExpired);
  CHECK(s.cause == "device key refused (403): api_key is not valid");
  CHECK(s.phase == sync::SessionPhase::Waiting);
  CHECK(s.next_session_at >= s.last_success_at);
  for (const auto& f : filed) {
    const model::OutboxEntry e = Entry(dev, f.result.ticket);
    CHECK(e.state == model::OutboxState::Pending);  // not failed: a new key will send it
    CHECK(e.last_error == s.cause);
  }
}

TEST_CASE("Stop ends a session within a second and leaves nothing sending; the next run sends only what is missing",
          "[client][engine][stop]") {
  Rig rig(true);
  testing::Faults slow;
  slow.up.bytes_per_second = 64 << 10;
  rig.proxy->SetFaults(slow);
  Device dev("client-stop");
  auto filed = FileMany(dev, 1, 400 << 10, 20 << 10, 9);
  sync::SyncConfig cfg = rig.Config(dev);
  {
    sync::SyncEngine engine(cfg, dev.outbox());
    engine.Start();
    // Poll like the UI until the photo (after record and thumbnail) is well under way.
    while (engine.Snapshot().bytes_done < (150 << 10)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto t0 = Clock::now();
    engine.Stop();
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    CHECK(took < 1.5);
    CHECK(engine.Snapshot().phase == sync::SessionPhase::Stopped);
  }
  CHECK(Entry(dev, filed[0].result.ticket).state == model::OutboxState::Pending);
  rig.proxy->SetFaults({});
  CallLog calls;
  cfg.log = calls.Sink();
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(30)));
  engine.Stop();
  CHECK(Entry(dev, filed[0].result.ticket).state == model::OutboxState::Sent);
  std::vector<CentralRequest> held;
  std::string why;
  REQUIRE(ReadAllRequests(rig.central.url(), true, &held, &why));
  REQUIRE(held.size() == 1);
  CHECK(held[0].photo_sha256 == filed[0].photo_sha256);
  // The second run sent nothing central already had: the create was a replay, and the
  // thumbnail, complete before Stop, was asked about (HEAD) but not sent again.
  const Got req = HttpGet(rig.central.url() + "/requests/" + held[0].id + ".json");
  const auto json = protocol::ParseJson(req.body, &why);
  REQUIRE(json);
  const std::string thumb_url = json->items.at(0).Str("thumbnail_url");
  const std::string thumb_path = thumb_url.substr(thumb_url.find("/media/"));
  int thumb_patches = 0;
  for (const auto& line : calls.Lines()) {
    INFO(line);
    thumb_patches += line.find("PATCH " + thumb_path) != std::string::npos;
  }
  CHECK(thumb_patches == 0);
}

namespace {

// The device's side of GET /staff.json, kept in memory: what the engine handed over, and when.
// Written on the engine's thread; `list` is read only after Stop() joined it.
struct StaffSeen final : model::StaffDirectory {
  std::vector<model::StaffEntry> list;
  std::atomic<int> replaced{0};
  bool Replace(const std::vector<model::StaffEntry>& l, std::int64_t, std::string*) override {
    list = l;
    ++replaced;
    return true;
  }
};

}  // namespace

TEST_CASE("Staff accounts set on central reach the device at each sync, hashes that verify the PIN", "[client][engine]") {
  Rig rig(false);
  std::string out;
  const std::string add = "printf '4721\\n' | " + CentralBinary() + " staff add --user GN-ENG-04 --name 'राजेश कदम' --ward 08" +
                          " --dept roads --role engineer --db '" + rig.central.db_url() + "'";
  INFO(out);
  REQUIRE(RunShell(add, &out) == 0);
  Device dev("client-staff");
  StaffSeen seen;
  sync::SyncConfig cfg = rig.Config(dev);
  cfg.staff = &seen;
  sync::SyncEngine engine(cfg, dev.outbox());
  engine.Start();
  REQUIRE(SyncUntilClean(engine, std::chrono::seconds(30)));
  REQUIRE(seen.replaced >= 1);
  engine.Stop();
  REQUIRE(seen.list.size() == 1);
  const model::StaffEntry& e = seen.list[0];
  CHECK(e.user_id == "GN-ENG-04");
  CHECK(e.name == "राजेश कदम");
  CHECK(e.role == "engineer");
  CHECK(e.active);
  CHECK(model::VerifyPin(e.pin_hash, "4721"));
  CHECK_FALSE(model::VerifyPin(e.pin_hash, "1234"));

  // Disabled on central: the next session tells the device.
  REQUIRE(RunShell(CentralBinary() + " staff disable --user GN-ENG-04 --db '" + rig.central.db_url() + "'", &out) == 0);
  const int before = seen.replaced;
  sync::SyncEngine again(cfg, dev.outbox());
  again.Start();
  for (int i = 0; i < 100 && seen.replaced == before; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  again.Stop();
  REQUIRE(seen.list.size() == 1);
  CHECK_FALSE(seen.list[0].active);
}

namespace {

// The device's outbox, with its first two ListDue calls each held after it has read, until
// released: a session that has read the outbox but not yet said so (its phase is still Idle) —
// the window in which a caller may file something that session will not send.
class HeldReads : public model::Outbox {
 public:
  explicit HeldReads(model::Outbox& inner) : inner_(inner) {}
  model::OutboxResult ListDue(std::int64_t now, size_t limit, std::vector<model::OutboxEntry>* out) override {
    const model::OutboxResult r = inner_.ListDue(now, limit, out);
    std::unique_lock lock(mu_);
    const int n = ++reads_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return n > 2 || released_ >= n; });
    return r;
  }
  std::string PhotoPath(std::string_view f) const override { return inner_.PhotoPath(f); }
  model::OutboxResult MarkSending(const model::Ticket& t, std::int64_t now) override { return inner_.MarkSending(t, now); }
  model::OutboxResult MarkSent(const model::Ticket& t, std::string_view id, std::int64_t now) override {
    return inner_.MarkSent(t, id, now);
  }
  model::OutboxResult MarkRetry(const model::Ticket& t, std::string_view cause, std::int64_t at) override {
    return inner_.MarkRetry(t, cause, at);
  }
  model::OutboxResult MarkFailed(const model::Ticket& t, std::string_view cause, std::int64_t now) override {
    return inner_.MarkFailed(t, cause, now);
  }
  model::OutboxResult ApplyStatus(const model::Ticket& t, model::Status s, std::int64_t at, std::string_view note) override {
    return inner_.ApplyStatus(t, s, at, note);
  }
  void AwaitRead(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return reads_ >= n; });
  }
  void Release(int n) {
    std::lock_guard lock(mu_);
    released_ = n;
    cv_.notify_all();
  }

 private:
  model::Outbox& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int reads_ = 0, released_ = 0;
};

}  // namespace

TEST_CASE("A session is counted as begun before it reads the outbox, so a clean end after it means the filing was seen",
          "[client][engine]") {
  Rig rig(false);
  Device dev("client-begun");
  HeldReads held(dev.outbox());
  sync::SyncEngine engine(rig.Config(dev), held);
  engine.Start();
  held.AwaitRead(1);  // session 1 has listed an empty outbox
  const sync::SyncSnapshot during = engine.Snapshot();
  CHECK(during.sessions_started == 1);
  CHECK(during.sessions == 0);
  CHECK(during.phase == sync::SessionPhase::Idle);  // the phase alone cannot tell it has begun

  // Filed now, as a kiosk files and asks for a sync while a session runs.
  const auto filed = FileMany(dev, 1, 0, 0, 21);
  std::thread release([&] {
    // Session 1 ends clean, having sent nothing, once the wait below has begun; session 2, which
    // sends the complaint, is held in the same window for a while after. A wait that counted
    // session 1 would return in that while. (The sleeps only make that case likely, for the
    // check; the wait itself does not depend on them.)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    held.Release(1);
    held.AwaitRead(2);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    held.Release(2);
  });
  const bool clean = SyncNowUntilClean(engine, std::chrono::seconds(60));
  CHECK(Entry(dev, filed.at(0).result.ticket).state == model::OutboxState::Sent);
  release.join();
  REQUIRE(clean);
  CHECK(engine.Snapshot().sessions >= 2);
}
