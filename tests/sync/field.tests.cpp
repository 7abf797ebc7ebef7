// field.tests.cpp — the field engineer's tablet against a real samvad-central (issue 5): the
// assigned list arrives for the engineer who signed in; work-log updates with before/after photos
// recorded while central is down go at a later sync exactly once — even when central's answers
// are lost and the device resends; and the conflict case: central's newer outcome stands, the
// tablet's update is kept in the history, and the tablet shows central's outcome.
// On SQLite and PostgreSQL (SAMVAD_TEST_BACKEND).
#include <catch2/catch.hpp>
#include <functional>
#include <sqlite3.h>

#include <ctime>
#include <fstream>
#include <random>

#include "app/store/field_store.h"
#include "app/store/store.h"
#include "client_rig.h"
#include "sync/model/sha256.h"
#include "sync/protocol/json.h"

using namespace samvad;
using namespace samvad::testing::client;
using protocol::JsonValue;

namespace {

std::int64_t Now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// GET on central (directly, not through the proxy), parsed.
// With `key`, as the device reads it (the whole text); without, the public view.
JsonValue Get(const Rig& rig, const std::string& path, std::string* raw = nullptr, const std::string& key = "") {
  std::string out;
  const std::string auth = key.empty() ? "" : "-H " + Quote("Authorization: Bearer " + key) + " ";
  const int rc = testing::RunShell("curl -sf --noproxy '*' " + auth + Quote(rig.central.url() + path), &out);
  INFO(path << ": " << out);
  REQUIRE(rc == 0);
  if (raw) *raw = out;
  std::string why;
  const auto v = protocol::ParseJson(out, &why);
  REQUIRE(v);
  return *v;
}

std::string Sha256OfUrl(const std::string& url) {
  std::string out;
  REQUIRE(testing::RunShell("curl -sf --noproxy '*' " + Quote(url), &out) == 0);
  return model::Sha256Hex(out);
}

struct Tablet {
  Rig rig{true};
  Device dev{"field"};
  store::FieldStore field{dev.store().store(), dev.store().db_mutex(), dev.data_dir() + "/field"};
  std::unique_ptr<sync::SyncEngine> engine;
  std::mt19937_64 rng{11};
  std::string central_id;
  std::string key;  // the tablet's device key

  Tablet() {
    std::string why;
    REQUIRE(field.Open(&why));
    sync::SyncConfig cfg = rig.Config(dev);
    key = cfg.api_key;
    cfg.field = &field;
    engine = std::make_unique<sync::SyncEngine>(cfg, dev.outbox());
    // A citizen's complaint reaches central, a nodal officer assigns it to GN-ENG-04.
    FileMany(dev, 1, 20000, 2000, 5);
    engine->Start();
    REQUIRE(SyncUntilClean(*engine, std::chrono::seconds(60)));
    std::vector<store::OutboxRow> rows;
    REQUIRE(dev.store().outbox().List(0, &rows) == model::OutboxResult::Ok);
    REQUIRE(rows.size() == 1);
    central_id = rows[0].central_id;
    std::string out;
    const std::string cli = testing::CentralBinary();
    INFO(out);
    REQUIRE(testing::RunShell("printf '4821\\n' | " + Quote(cli) +
                                  " staff add --user GN-ENG-04 --name 'सुनील पाटील' --ward 08 --dept roads --role engineer --db " +
                                  Quote(rig.central.db_url()),
                              &out) == 0);
    REQUIRE(rig.central.Cli({"assign", central_id, "GN-ENG-04"}, &out) == 0);
    // The engineer signs in on the tablet: their list comes with the next sync.
    REQUIRE(field.RememberUser("GN-ENG-04", Now()));
    SyncNow();
  }
  void SyncNow() {
    REQUIRE(SyncNowUntilClean(*engine, std::chrono::seconds(60)));
  }
  // Whether `done` comes to hold within `limit`, checked after each session ends. A session
  // already running when the test asked for one may end first, without the new work: waiting
  // for "one more session" alone was a race (seen once in a clean clone: the work still sending).
  bool Eventually(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      engine->WaitForSessions(engine->Snapshot().sessions, std::chrono::seconds(1));
    }
    return true;
  }
  store::WorkPhotoDraft Photo(const char* kind, size_t n) {
    store::WorkPhotoDraft p;
    p.kind = kind;
    p.jpeg.resize(n);
    for (std::uint8_t& b : p.jpeg) b = static_cast<std::uint8_t>(rng());
    p.sha256 = model::Sha256Hex(std::string_view(reinterpret_cast<const char*>(p.jpeg.data()), p.jpeg.size()));
    return p;
  }
  // The updates of our complaint in central's feed, oldest first (as the tablet reads them, or
  // as the public does).
  std::vector<JsonValue> History(bool as_device = false) {
    std::vector<JsonValue> out;
    for (const JsonValue& u : Get(rig, "/servicerequestupdates.json?limit=500", nullptr, as_device ? key : "").items)
      if (u.Str("service_request_id") == central_id) out.push_back(u);
    return out;
  }
};

int Count(const std::vector<JsonValue>& h, const std::string& status) {
  return static_cast<int>(std::count_if(h.begin(), h.end(), [&](const JsonValue& u) { return u.Str("status") == status; }));
}

}  // namespace

TEST_CASE("the assigned list reaches the tablet for the engineer who signed in", "[field][backend]") {
  Tablet t;
  std::vector<store::AssignedView> list;
  REQUIRE(t.field.ListAssigned("GN-ENG-04", Now(), &list));
  REQUIRE(list.size() == 1);
  const model::AssignedRequest& a = list[0].request;
  CHECK(a.central_id == t.central_id);
  CHECK(a.ticket.size() == 14);  // "08-001-00001-9"
  CHECK(a.detailed_status == "in_progress");  // assign moves an open request on
  CHECK_FALSE(a.latest_update_id.empty());
  CHECK(a.expected_at > a.requested_at);  // the category's SLA
  CHECK(a.photo_count == 1);
  CHECK_FALSE(list[0].overdue);
  REQUIRE(t.field.ListAssigned("GN-ENG-05", Now(), &list));
  CHECK(list.empty());
  // Central's history of it since it was assigned here came with the feed (the list is fetched
  // before the feed, so the assignment itself is in it).
  store::AssignedDetail det;
  REQUIRE(t.field.GetAssigned(t.central_id, Now(), &det));
  REQUIRE_FALSE(det.central_history.empty());
  CHECK(det.central_history.back().status == "in_progress");
  CHECK(det.central_history.back().note == "Assigned to GN-ENG-04");
}

TEST_CASE("work recorded while central is down goes at a later sync, exactly once, photos first",
          "[field][backend]") {
  Tablet t;
  const std::vector<JsonValue> before_work = t.History();
  t.rig.central.Stop();

  // Offline: "in progress" with two before photos, then "resolved" with an after photo.
  store::WorkDraft d1;
  d1.central_id = t.central_id;
  d1.user_id = "GN-ENG-04";
  d1.status = "in_progress";
  d1.note = "खडी टाकली";
  d1.lat = 19.0269;
  d1.lon = 72.8383;
  d1.photos = {t.Photo("before", 90000), t.Photo("before", 60000)};
  d1.photos[1].taken_at = 1741924613;  // 2025-03-14T03:56:53Z; the first photo's time is unknown
  REQUIRE(t.field.RecordUpdate(d1, Now()).status == store::RecordStatus::Ok);
  store::WorkDraft d2 = d1;
  d2.status = "resolved";
  d2.note = "खड्डा बुजवला";
  d2.photos = {t.Photo("after", 120000)};
  d2.photos[0].taken_at = 1741940000;
  REQUIRE(t.field.RecordUpdate(d2, Now()).status == store::RecordStatus::Ok);
  std::vector<store::AssignedView> list;
  REQUIRE(t.field.ListAssigned("GN-ENG-04", Now(), &list));
  CHECK(list.at(0).shown_status == "resolved");  // the tablet shows its own work at once

  t.engine->RequestSync();
  store::FieldCounts c;
  // The session that takes them fails (central is down) and says why, for the staff screen.
  CHECK(t.Eventually([&] { return !t.engine->Snapshot().work_cause.empty(); }));
  REQUIRE(t.field.Counts(&c));
  CHECK(c.pending == 2);
  CHECK(c.sent == 0);

  // Central is back; every other answer is lost after central committed (the device resends).
  std::string why;
  REQUIRE(t.rig.central.Restart(&why));
  t.rig.proxy->SetFaultPlan([](std::int64_t n) {
    testing::Faults f;
    f.drop_response = n % 2 == 0;
    return f;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(t.field.Counts(&c));
    if (c.sent == 2) break;
    t.engine->RequestSync();
    t.engine->WaitForSessions(t.engine->Snapshot().sessions, std::chrono::seconds(5));
  }
  t.rig.proxy->SetFaultPlan({});
  REQUIRE(c.sent == 2);
  CHECK(c.failed == 0);

  const JsonValue req = Get(t.rig, "/requests/" + t.central_id + ".json").items.at(0);
  CHECK(req.Str("status") == "closed");
  CHECK(req.Str("detailed_status") == "fixed");
  const JsonValue* before = req.Find("before_media_urls");
  const JsonValue* after = req.Find("after_media_urls");
  REQUIRE(before);
  REQUIRE(after);
  REQUIRE(before->items.size() == 2);
  REQUIRE(after->items.size() == 1);
  CHECK(Sha256OfUrl(before->items[0].text) == d1.photos[0].sha256);
  CHECK(Sha256OfUrl(before->items[1].text) == d1.photos[1].sha256);
  CHECK(Sha256OfUrl(after->items[0].text) == d2.photos[0].sha256);
  // When each photo was taken went with it, and central publishes it beside the photo.
  const JsonValue* photos = req.Find("work_photos");
  REQUIRE(photos);
  REQUIRE(photos->items.size() == 3);
  const auto taken = [&](size_t i) {
    const JsonValue* v = photos->items[i].Find("taken_datetime");
    return v && v->type == JsonValue::Type::String ? v->text : std::string("null");
  };
  CHECK(photos->items[0].Str("media_url") == before->items[0].text);
  CHECK(taken(0) == "null");
  CHECK(taken(1) == "2025-03-14T03:56:53Z");
  CHECK(photos->items[2].Str("kind") == "after");
  CHECK(taken(2) == "2025-03-14T08:13:20Z");

  const std::vector<JsonValue> h = t.History();
  CHECK(h.size() == before_work.size() + 2);  // exactly once each, despite the resends
  CHECK(Count(h, "in_progress") == Count(before_work, "in_progress") + 1);
  CHECK(Count(h, "fixed") == 1);
  const JsonValue& fixed = h.back();
  CHECK(fixed.Str("status") == "fixed");
  CHECK(fixed.Str("description") == "खड्डा बुजवला");
  CHECK(fixed.Str("media_url") == after->items[0].text);
  // Central knows which engineer did the work; the public does not.
  CHECK(fixed.Str("user_id").empty());
  const std::vector<JsonValue> seen_by_device = t.History(true);
  REQUIRE(seen_by_device.size() == h.size());
  CHECK(seen_by_device.back().Str("user_id") == "GN-ENG-04");
  CHECK(seen_by_device[seen_by_device.size() - 2].Str("user_id") == "GN-ENG-04");

  // A later sync sends nothing again.
  t.SyncNow();
  CHECK(t.History().size() == h.size());
  // The answers lost at the last moment (the tablet died before recording them): both updates
  // go again, and central replays its first answers instead of appending.
  {
    std::lock_guard lock(t.dev.store().db_mutex());
    REQUIRE(sqlite3_exec(t.dev.store().store().db(),
                         "UPDATE field_updates SET state = 'pending', update_id = NULL, conflict = NULL,"
                         " outcome = NULL, sent_at = NULL",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  t.SyncNow();
  REQUIRE(t.field.Counts(&c));
  CHECK(c.sent == 2);
  CHECK(t.History().size() == h.size());
  store::AssignedDetail det;
  REQUIRE(t.field.GetAssigned(t.central_id, Now(), &det));
  CHECK(det.view.shown_status == "resolved");
  REQUIRE(det.history.size() == 2);
  CHECK(det.history[1].state == "sent");
  CHECK_FALSE(det.history[1].conflict);
}

TEST_CASE("when central changed the status meanwhile, both stay in the history and the tablet shows central's outcome",
          "[field][backend]") {
  Tablet t;
  // Offline on site, the engineer resolves it, based on the last update the tablet pulled…
  store::WorkDraft d;
  d.central_id = t.central_id;
  d.user_id = "GN-ENG-04";
  d.status = "resolved";
  d.note = "काम पूर्ण";
  d.photos = {t.Photo("after", 50000)};
  REQUIRE(t.field.RecordUpdate(d, Now()).status == store::RecordStatus::Ok);
  // …while the ward office's desk rejects it as a duplicate.
  std::string why;
  const std::string desk = t.rig.central.EnrollDevice(&why);
  REQUIRE(!desk.empty());
  std::string out;
  REQUIRE(testing::RunShell("curl -sf --noproxy '*' -H 'Idempotency-Key: desk-1' --data-urlencode " +
                                Quote("api_key=" + desk) + " --data-urlencode " + Quote("service_request_id=" + t.central_id) +
                                " --data-urlencode status=rejected --data-urlencode 'description=duplicate of another ticket' " +
                                Quote(t.rig.central.url() + "/servicerequestupdates.json"),
                            &out) == 0);

  t.SyncNow();
  store::FieldCounts c;
  REQUIRE(t.field.Counts(&c));
  CHECK(c.sent == 1);
  store::AssignedDetail det;
  REQUIRE(t.field.GetAssigned(t.central_id, Now(), &det));
  CHECK(det.view.conflict);
  CHECK(det.view.shown_status == "rejected");  // central's outcome
  REQUIRE(det.history.size() == 1);
  CHECK(det.history[0].update.status == "resolved");  // ours, kept
  CHECK(det.history[0].conflict);
  REQUIRE_FALSE(det.central_history.empty());  // and the desk's rejection, from the feed
  CHECK(det.central_history.back().status == "closed");
  CHECK(det.central_history.back().note == "duplicate of another ticket");

  const std::vector<JsonValue> h = t.History();
  REQUIRE(h.size() >= 2);
  CHECK(h[h.size() - 2].Str("status") == "closed");
  CHECK(h.back().Str("status") == "fixed");
  const JsonValue* conflict = h.back().Find("conflict");
  REQUIRE(conflict);
  CHECK(conflict->boolean);
  const JsonValue req = Get(t.rig, "/requests/" + t.central_id + ".json").items.at(0);
  CHECK(req.Str("detailed_status") == "closed");  // nothing silently overwritten
}

TEST_CASE("a development work recorded offline reaches central once, with its photos", "[field][backend]") {
  Tablet t;
  t.rig.central.Stop();
  store::DevWorkDraft d;
  d.user_id = "GN-ENG-04";
  d.title = "नाला सफाई, सेनापती बापट मार्ग";
  d.description = "पावसाळ्यापूर्वी नाल्यातील गाळ काढला";
  d.lang = "mr";
  d.ward = "08";
  d.photos = {t.Photo("before", 40000), t.Photo("after", 45000)};
  d.photos[0].taken_at = 1741924613;
  const store::RecordResult r = t.field.RecordWork(d, Now());
  REQUIRE(r.status == store::RecordStatus::Ok);
  t.engine->RequestSync();
  std::vector<store::DevWorkRow> rows;
  // The session that takes it fails (central is down) and releases it, pending, with the cause.
  CHECK(t.Eventually([&] {
    return t.field.ListWorks(10, &rows) && rows.size() == 1 && rows[0].state == "pending" && !rows[0].last_error.empty();
  }));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].state == "pending");
  CHECK_FALSE(rows[0].last_error.empty());

  std::string why;
  REQUIRE(t.rig.central.Restart(&why));
  t.SyncNow();
  REQUIRE(t.field.ListWorks(10, &rows));
  REQUIRE(rows[0].state == "sent");
  const std::string id = rows[0].work_id;
  const JsonValue w = Get(t.rig, "/works/" + id + ".json").items.at(0);
  CHECK(w.Str("title") == d.title);
  CHECK(w.Str("user_id").empty());  // the public view
  CHECK(Get(t.rig, "/works/" + id + ".json", nullptr, t.key).items.at(0).Str("user_id") == "GN-ENG-04");
  CHECK(w.Str("lang") == "mr");
  CHECK(w.Str("ward") == "08");
  REQUIRE(w.Find("before_media_urls")->items.size() == 1);
  REQUIRE(w.Find("after_media_urls")->items.size() == 1);
  CHECK(Sha256OfUrl(w.Find("before_media_urls")->items[0].text) == d.photos[0].sha256);
  CHECK(Sha256OfUrl(w.Find("after_media_urls")->items[0].text) == d.photos[1].sha256);
  REQUIRE(w.Find("work_photos"));
  REQUIRE(w.Find("work_photos")->items.size() == 2);
  CHECK(w.Find("work_photos")->items[0].Str("taken_datetime") == "2025-03-14T03:56:53Z");

  // The answer lost after central made the work: the resend gets the same work, not a second.
  {
    std::lock_guard lock(t.dev.store().db_mutex());
    REQUIRE(sqlite3_exec(t.dev.store().store().db(), "UPDATE works SET state = 'pending', work_id = NULL, sent_at = NULL",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  t.SyncNow();
  REQUIRE(t.field.ListWorks(10, &rows));
  CHECK(rows[0].state == "sent");
  CHECK(rows[0].work_id == id);
  std::string out;
  CHECK(testing::RunShell("curl -s -o /dev/null -w '%{http_code}' --noproxy '*' " +
                              Quote(t.rig.central.url() + "/works/" + std::to_string(std::stoi(id) + 1) + ".json"),
                          &out) == 0);
  CHECK(out == "404");
}
