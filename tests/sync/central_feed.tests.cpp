// central_feed.tests.cpp — the update feed (FixMyStreet's field names, an opaque cursor that only
// grows), updates from the field (idempotent by Idempotency-Key), device enrolment and
// revocation, and the admin's assign command.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "harness.h"
#include "sync/model/ticket.h"
#include "sync/protocol/tus.h"

using namespace samvad::testing;
using samvad::protocol::JsonValue;

namespace {

std::string Create(const Central& c, const std::string& key) {
  const Reply r = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid()));
  REQUIRE(r.status == 200);
  return r.Json().items.at(0).Str("service_request_id");
}

Reply Feed(const Central& c, const std::string& query = "") {
  const Reply r = Http(c.port(), "GET", "/servicerequestupdates.json" + query);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r;
}

Reply PostUpdate(const Central& c, const std::string& key, const std::string& idem, const std::string& id,
                 const std::string& status, const std::string& description) {
  return PostForm(c.port(), "/servicerequestupdates.json",
                  {{"api_key", key}, {"service_request_id", id}, {"status", status}, {"description", description}},
                  {{"Idempotency-Key", idem}});
}

}  // namespace

TEST_CASE("The update feed's cursor only grows, and updated_after returns only what is newer", "[central][feed]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string a = Create(c, key), b = Create(c, key), d = Create(c, key);
  const Reply all = Feed(c);
  const JsonValue items = all.Json();
  REQUIRE(items.items.size() == 3);
  std::vector<std::string> cursors;
  for (const auto& u : items.items) {
    for (const char* field : {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}) {
      INFO(field);
      CHECK(u.Find(field) != nullptr);
    }
    CHECK(u.Str("status") == "open");
    cursors.push_back(u.Str("cursor"));
  }
  CHECK(items.items[0].Str("service_request_id") == a);
  CHECK(items.items[2].Str("service_request_id") == d);
  CHECK(cursors[0] < cursors[1]);
  CHECK(cursors[1] < cursors[2]);
  CHECK(std::stoll(items.items[0].Str("update_id")) < std::stoll(items.items[1].Str("update_id")));
  CHECK(all.Header("samvad-next-cursor") == cursors[2]);

  const JsonValue after_first = Feed(c, "?updated_after=" + cursors[0]).Json();
  REQUIRE(after_first.items.size() == 2);
  CHECK(after_first.items[0].Str("service_request_id") == b);
  const Reply caught_up = Feed(c, "?updated_after=" + cursors[2]);
  CHECK(caught_up.Json().items.empty());
  CHECK(caught_up.Header("samvad-next-cursor") == cursors[2]);  // nothing new: the cursor stays

  REQUIRE(PostUpdate(c, key, NewUuid(), b, "in_progress", "Crew sent").status == 200);
  const JsonValue newer = Feed(c, "?updated_after=" + cursors[2]).Json();
  REQUIRE(newer.items.size() == 1);
  CHECK(newer.items[0].Str("service_request_id") == b);
  CHECK(newer.items[0].Str("status") == "in_progress");
  CHECK(newer.items[0].Str("description") == "Crew sent");
  CHECK(newer.items[0].Str("cursor") > cursors[2]);

  CHECK(Feed(c, "?limit=2").Json().items.size() == 2);
  CHECK(Http(c.port(), "GET", "/servicerequestupdates.json?updated_after=12").status == 400);
  CHECK(Http(c.port(), "GET", "/servicerequestupdates.json?limit=0").status == 400);
}

TEST_CASE("service_request_id narrows the feed to one request's history, with the same cursor and view",
          "[central][feed]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string a = Create(c, key), b = Create(c, key);
  REQUIRE(PostUpdate(c, key, NewUuid(), b, "in_progress", "Crew sent, call 9876543210").status == 200);
  REQUIRE(PostUpdate(c, key, NewUuid(), a, "in_progress", "Crew sent").status == 200);
  REQUIRE(PostUpdate(c, key, NewUuid(), b, "fixed", "Filled").status == 200);

  const Reply hist = Feed(c, "?service_request_id=" + b);
  const JsonValue items = hist.Json();
  REQUIRE(items.items.size() == 3);
  std::vector<std::string> statuses;
  for (const auto& u : items.items) {
    CHECK(u.Str("service_request_id") == b);
    statuses.push_back(u.Str("status"));
  }
  CHECK(statuses == std::vector<std::string>{"open", "in_progress", "fixed"});
  CHECK(items.items[1].Str("description") == "Crew sent, call […]");  // the public view still
  CHECK(hist.Header("samvad-next-cursor") == items.items[2].Str("cursor"));
  // Paged like the whole feed: the cursor of one page goes on from there, within the request.
  const JsonValue first = Feed(c, "?service_request_id=" + b + "&limit=1").Json();
  REQUIRE(first.items.size() == 1);
  const JsonValue rest = Feed(c, "?service_request_id=" + b + "&updated_after=" + first.items[0].Str("cursor")).Json();
  REQUIRE(rest.items.size() == 2);
  CHECK(rest.items[0].Str("status") == "in_progress");
  CHECK(rest.items[1].Str("status") == "fixed");
  CHECK(Feed(c, "?service_request_id=" + a).Json().items.size() == 2);
  CHECK(Feed(c, "?service_request_id=999999").Json().items.empty());  // no such request: nothing
  for (const char* bad : {"x", "0", "-1", "1,2"}) {
    INFO(bad);
    const Reply r = Http(c.port(), "GET", std::string("/servicerequestupdates.json?service_request_id=") + bad);
    CHECK(r.status == 400);
    CHECK(r.Json().items.at(0).Str("description") == "service_request_id must be one request's id (a whole number)");
  }
}

TEST_CASE("issued_by narrows the feed to the complaints a kiosk's tickets began, and its cursor passes the rest",
          "[central][feed]") {
  Central c;
  const std::string key = c.EnrollDevice();
  // Kiosk 08-001 filed a and b, kiosk 08-002 filed x, and an Open311 client without tickets n.
  const auto filed = [&](int device, int sequence) {
    auto form = CreateForm(key, NewUuid());
    form.push_back({"attribute[ticket]", samvad::model::DisplayTicket({8, device, sequence})});
    const Reply r = PostForm(c.port(), "/requests.json", form);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.Json().items.at(0).Str("service_request_id");
  };
  const std::string a = filed(1, 1), x = filed(2, 1), b = filed(1, 2), n = Create(c, key);
  // The newest update is n's: a narrowed page's cursor must pass it, not stop at b's.
  for (const auto& [id, status] : {std::pair{x, "in_progress"}, {a, "in_progress"}, {b, "fixed"}, {n, "in_progress"}}) {
    REQUIRE(PostUpdate(c, key, NewUuid(), id, status, "").status == 200);
  }
  const JsonValue all = Feed(c).Json();
  REQUIRE(all.items.size() == 8);
  // What a narrowed page must hold: the whole feed's updates of those requests, in its order.
  const auto of = [&](std::set<std::string> ids) {
    std::vector<std::string> cursors;
    for (const auto& u : all.items)
      if (ids.count(u.Str("service_request_id"))) cursors.push_back(u.Str("cursor"));
    return cursors;
  };
  const auto cursors = [](const JsonValue& page) {
    std::vector<std::string> out;
    for (const auto& u : page.items) out.push_back(u.Str("cursor"));
    return out;
  };
  const std::string newest = all.items.back().Str("cursor");

  const Reply mine = Feed(c, "?issued_by=08-001");
  CHECK(cursors(mine.Json()) == of({a, b}));
  // The page was short, so every update up to the newest was looked at: the cursor goes there,
  // past x's and n's updates, and the next read starts after them.
  CHECK(mine.Header("samvad-next-cursor") == newest);
  CHECK(newest != mine.Json().items.back().Str("cursor"));
  const Reply again = Feed(c, "?issued_by=08-001&updated_after=" + newest);
  CHECK(again.Json().items.empty());
  CHECK(again.Header("samvad-next-cursor") == newest);
  // Another kiosk's news moves the cursor without a byte of it; one's own comes next.
  REQUIRE(PostUpdate(c, key, NewUuid(), x, "fixed", "").status == 200);
  const Reply other = Feed(c, "?issued_by=08-001&updated_after=" + newest);
  CHECK(other.Json().items.empty());
  const std::string after_x = Feed(c).Json().items.back().Str("cursor");
  CHECK(other.Header("samvad-next-cursor") == after_x);
  REQUIRE(PostUpdate(c, key, NewUuid(), a, "fixed", "").status == 200);
  const JsonValue own = Feed(c, "?issued_by=08001&updated_after=" + after_x).Json();  // dashes optional
  REQUIRE(own.items.size() == 1);
  CHECK(own.items[0].Str("service_request_id") == a);

  // A full page goes on from its last update, like the whole feed's.
  const Reply first = Feed(c, "?issued_by=08-001&limit=2");
  REQUIRE(first.Json().items.size() == 2);
  CHECK(first.Header("samvad-next-cursor") == first.Json().items[1].Str("cursor"));
  // Several pairs: a kiosk that was given a new device number still hears about its old tickets.
  const JsonValue both = Feed(c, "?issued_by=08-001,08-002").Json();
  CHECK(both.items.size() == 8);  // all ten but n's two
  for (const char* bad : {"8-1", "08-0011", "ab-cde", "08-001,x", ","}) {
    INFO(bad);
    const Reply r = Http(c.port(), "GET", std::string("/servicerequestupdates.json?issued_by=") + bad);
    CHECK(r.status == 400);
    CHECK(r.body.find("ward-device pairs") != std::string::npos);
  }
  std::string many;
  for (int d = 1; d <= 21; ++d) many += (d > 1 ? "," : "") + samvad::model::DisplayTicket({8, d, 1}).substr(0, 6);
  CHECK(Http(c.port(), "GET", "/servicerequestupdates.json?issued_by=" + many).status == 400);
}

TEST_CASE("An update from the field changes the request and is idempotent by Idempotency-Key", "[central][feed][idempotency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  const std::string idem = NewUuid();
  const Reply first = PostUpdate(c, key, idem, id, "fixed", "Pothole filled");
  REQUIRE(first.status == 200);
  CHECK_FALSE(first.Json().items.at(0).Str("update_id").empty());
  const auto q = Http(c.port(), "GET", "/requests/" + id + ".json").Json().items.at(0);
  CHECK(q.Str("status") == "closed");
  CHECK(q.Str("status_notes") == "Pothole filled");

  const Reply again = PostUpdate(c, key, idem, id, "fixed", "Pothole filled");
  REQUIRE(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK(PostUpdate(c, key, idem, id, "fixed", "Something else").status == 409);
  CHECK(Feed(c).Json().items.size() == 2);  // created + one update, not three

  SECTION("without an Idempotency-Key it is a 400") {
    CHECK(PostForm(c.port(), "/servicerequestupdates.json",
                   {{"api_key", key}, {"service_request_id", id}, {"status", "open"}, {"description", "x"}})
              .status == 400);
  }
  SECTION("for an unknown request it is a 404") { CHECK(PostUpdate(c, key, NewUuid(), "424242", "open", "x").status == 404); }
  SECTION("with a status we do not know it is a 400") { CHECK(PostUpdate(c, key, NewUuid(), id, "teleported", "x").status == 400); }
  SECTION("without a key it is a 403") { CHECK(PostUpdate(c, "", NewUuid(), id, "open", "x").status == 403); }
}

TEST_CASE("enroll prints a one-time code as text and as a terminal QR", "[central][devices]") {
  Central c;
  const RunResult r = c.Cli({"enroll", "--label", "Ward G/N kiosk 3", "--url", "https://samvad.example.gov.in"});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("label:  Ward G/N kiosk 3") != std::string::npos);
  const size_t at = r.out.find("code:   ");
  REQUIRE(at != std::string::npos);
  const std::string code = r.out.substr(at + 8, 11);
  CHECK(code[5] == '-');
  // The QR: rows of block characters, the same width each.
  size_t qr_rows = 0, width = 0;
  for (size_t pos = 0; (pos = r.out.find("\u2588", pos)) != std::string::npos;) {
    const size_t bol = r.out.rfind('\n', pos) + 1, eol = r.out.find('\n', pos);
    size_t w = 0;  // in characters: the half blocks are 3 bytes of UTF-8, the spaces 1
    for (size_t i = bol; i < eol; ++i) w += (static_cast<unsigned char>(r.out[i]) & 0xC0) != 0x80;
    if (width == 0) width = w;
    CHECK(w == width);
    ++qr_rows;
    pos = eol;
  }
  CHECK(qr_rows >= 12);

  // Typed in lower case without the dash, it still works — once.
  std::string typed;
  for (const char ch : code)
    if (ch != '-') typed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  const Reply ok = PostForm(c.port(), "/devices/enroll.json", {{"code", typed}});
  REQUIRE(ok.status == 200);
  CHECK(ok.Json().items.at(0).Str("api_key").size() == 64);
  CHECK(ok.Json().items.at(0).Str("device_id").rfind("dev-", 0) == 0);
  CHECK(PostForm(c.port(), "/devices/enroll.json", {{"code", code}}).status == 403);
  CHECK(PostForm(c.port(), "/devices/enroll.json", {{"code", "AAAAA-AAAAA"}}).status == 403);
  CHECK(PostForm(c.port(), "/devices/enroll.json", {}).status == 400);
}

TEST_CASE("A revoked device's key gets 403, and other devices carry on", "[central][devices][auth]") {
  Central c;
  std::string device;
  const std::string key = c.EnrollDevice("kiosk to retire", &device);
  const std::string other = c.EnrollDevice("kiosk that stays");
  const std::string id = Create(c, key);
  // POST /media takes a key it has seen from memory (Api::KnownDevice); the create's own
  // transaction must still refuse a device revoked since.
  const auto media = [&](const char* kind) {
    return Http(c.port(), "POST", "/media", "",
                {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key}, {"Upload-Length", "10"},
                 {"Upload-Metadata", samvad::protocol::tus::FormatMetadata({{"service_request_id", id}, {"kind", kind}})}});
  };
  REQUIRE(media("photo").status == 201);
  const RunResult r = c.Cli({"revoke", device});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const Reply media_refused = media("thumb");
  CHECK(media_refused.status == 403);
  CHECK(media_refused.Header("tus-resumable") == "1.0.0");
  CHECK(media_refused.Json().items.at(0).Str("description").find("revoked") != std::string::npos);

  const Reply refused = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid()));
  REQUIRE(refused.status == 403);
  CHECK(refused.Json().items.at(0).Str("description").find("revoked") != std::string::npos);
  CHECK(PostUpdate(c, key, NewUuid(), id, "open", "x").status == 403);
  CHECK(Http(c.port(), "POST", "/media", "", {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + key},
                                              {"Upload-Length", "10"}}).status == 403);
  CHECK(PostForm(c.port(), "/requests.json", CreateForm(other, NewUuid())).status == 200);
  CHECK(c.Cli({"revoke", "dev-000000000000"}).exit_code == 1);
}

TEST_CASE("assign records who a request is assigned to, on the request and in the feed", "[central][assign]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  c.AddStaff("je.gnward", "4721");  // only a staff account can be given work (issue 5)
  const RunResult r = c.Cli({"assign", id, "--to", "je.gnward"});
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  // User ids are kept upper-case, as the devices keep them.
  const Headers auth = {{"Authorization", "Bearer " + key}};  // a device's view: the public one has no staff ids
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json", "", auth).Json().items.at(0).Str("assigned_to") == "JE.GNWARD");
  const JsonValue feed = Feed(c).Json();
  REQUIRE(feed.items.size() == 2);
  // The public feed says that it was assigned, not to whom: a staff id is what a kiosk's
  // sign-in asks for. A device reads both, the id also as user_id.
  CHECK(feed.items[1].Str("description") == "Assigned to […]");
  CHECK(feed.items[1].Str("user_id").empty());
  const JsonValue device = Http(c.port(), "GET", "/servicerequestupdates.json", "", auth).Json();
  CHECK(device.items.at(1).Str("description") == "Assigned to JE.GNWARD");
  CHECK(device.items.at(1).Str("user_id") == "JE.GNWARD");
  CHECK(Feed(c).body.find("GNWARD") == std::string::npos);
  CHECK(c.Cli({"assign", "999999", "--to", "x"}).exit_code == 1);
  // A request id is digits only: "1x" is not request 1 (it was, read as far as the digits went).
  CHECK(c.Cli({"assign", id + "x", "--to", "je.gnward"}).exit_code == 2);
}

TEST_CASE("A reader following the cursor while devices post updates sees every update once, in order",
          "[central][feed][concurrency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  constexpr int kWriters = 4, kEach = 8;
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        CHECK(PostUpdate(c, key, NewUuid(), id, "in_progress", "step " + std::to_string(i)).status == 200);
      ++writers_done;
    });
  }
  // Follow the feed as a tablet would, from the start, while the writers run.
  std::string cursor = "c1-0000000000000000";
  std::vector<long long> seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    // One more read after the writers finish picks up the last of their updates.
    const bool last_round = writers_done == kWriters || std::chrono::steady_clock::now() > deadline;
    const Reply r = Feed(c, "?updated_after=" + cursor);
    for (const auto& u : r.Json().items) seen.push_back(std::stoll(u.Str("update_id")));
    CHECK(r.Header("samvad-next-cursor") >= cursor);  // never goes back
    cursor = r.Header("samvad-next-cursor");
    if (last_round) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& t : writers) t.join();
  const auto all = Feed(c, "?limit=500").Json().items;
  REQUIRE(all.size() == 1 + kWriters * kEach);
  std::vector<long long> expected;
  for (const auto& u : all) expected.push_back(std::stoll(u.Str("update_id")));
  // Nothing skipped (an update committed "behind" the cursor would be lost), nothing twice.
  CHECK(seen == expected);
}

namespace {

// Holds what a feed writer must take (SQLite's write lock; PostgreSQL's feed lock) from outside
// the server, as a slow writer in another transaction would.
class FeedHolder {
 public:
  explicit FeedHolder(const std::string& url) {
    if (url.rfind("sqlite:", 0) == 0) {
      REQUIRE(sqlite3_open(url.substr(7).c_str(), &lite_) == SQLITE_OK);
      REQUIRE(sqlite3_exec(lite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    } else {
      pg_ = PQconnectdb(url.c_str());
      REQUIRE(PQstatus(pg_) == CONNECTION_OK);
      PQclear(PQexec(pg_, "BEGIN"));
      PGresult* r = PQexec(pg_, "SELECT pg_advisory_xact_lock(21334)");
      REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
      PQclear(r);
    }
  }
  void Release() {
    if (lite_) sqlite3_exec(lite_, "COMMIT", nullptr, nullptr, nullptr);
    if (pg_) PQclear(PQexec(pg_, "COMMIT"));
  }
  ~FeedHolder() {
    if (lite_) sqlite3_close(lite_);
    if (pg_) PQfinish(pg_);
  }
  FeedHolder(const FeedHolder&) = delete;
  FeedHolder& operator=(const FeedHolder&) = delete;

 private:
  sqlite3* lite_ = nullptr;
  PGconn* pg_ = nullptr;
};

}  // namespace

TEST_CASE("An update waits while another feed writer's transaction is open, so ids commit in order",
          "[central][feed][concurrency]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  FeedHolder holder(c.db_url());
  std::atomic<bool> done{false};
  std::atomic<int> status{0};
  std::thread writer([&] {
    status = PostUpdate(c, key, NewUuid(), id, "in_progress", "Crew sent").status;
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK_FALSE(done);  // queued behind the open transaction, not committed around it
  holder.Release();
  writer.join();
  CHECK(status == 200);
  CHECK(Feed(c).Json().items.size() == 2);
}

TEST_CASE("An update or a work names the engineer who recorded it, for devices only", "[central][feed][privacy]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  const Headers auth = {{"Authorization", "Bearer " + key}};
  const std::string idem = NewUuid();
  const auto post = [&](const std::string& uuid, const std::string& user) {
    samvad::protocol::Form f = {
        {"api_key", key}, {"service_request_id", id}, {"status", "in_progress"},
        {"description", "GN-ENG-04 patching today, GN-ENG-040 helps"}};
    if (!user.empty()) f.push_back({"user_id", user});
    return PostForm(c.port(), "/servicerequestupdates.json", f, {{"Idempotency-Key", uuid}});
  };
  const Reply first = post(idem, "gn-eng-04");
  INFO(first.body);
  REQUIRE(first.status == 200);
  // The same update again, as a device that did not send user_id the first time would: a
  // replay, not a conflict (who sent it is not part of the payload).
  const Reply again = post(idem, "");
  CHECK(again.status == 200);
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK(again.body == first.body);
  // A malformed id is refused with what to fix.
  const Reply bad = post(NewUuid(), "GN ENG 04");
  REQUIRE(bad.status == 400);
  CHECK(bad.Json().items.at(0).Str("description").find("user_id") != std::string::npos);

  const JsonValue device = Http(c.port(), "GET", "/servicerequestupdates.json", "", auth).Json();
  REQUIRE(device.items.size() == 2);
  CHECK(device.items[1].Str("user_id") == "GN-ENG-04");  // upper-cased, as devices keep ids
  CHECK(device.items[1].Str("description") == "GN-ENG-04 patching today, GN-ENG-040 helps");
  const Reply anyone = Feed(c);
  CHECK(anyone.Json().items.at(1).Str("user_id").empty());
  // The id goes from the text as a whole word only: another id that begins with it stays.
  CHECK(anyone.Json().items.at(1).Str("description") == "[…] patching today, GN-ENG-040 helps");

  // A development work likewise.
  const Reply work = PostForm(c.port(), "/works.json",
                              {{"api_key", key}, {"title", "Nala cleaning"}, {"lang", "en"}, {"ward", "08"},
                               {"user_id", "GN-ENG-04"}},
                              {{"Idempotency-Key", NewUuid()}});
  INFO(work.body);
  REQUIRE(work.status == 200);
  const std::string path = "/works/" + work.Json().items.at(0).Str("work_id") + ".json";
  CHECK(Http(c.port(), "GET", path, "", auth).Json().items.at(0).Str("user_id") == "GN-ENG-04");
  CHECK(Http(c.port(), "GET", path).Json().items.at(0).Str("user_id").empty());
}
