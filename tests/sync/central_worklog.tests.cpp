// central_worklog.tests.cpp — the field engineer's work log as central takes it (issue 5,
// items 3 and 5): before/after photos by tus, statuses acknowledged → in_progress → resolved |
// transferred | rejected on POST /servicerequestupdates.json (idempotent), the rules central
// enforces (resolved needs a finished after photo, rejected a reason, transferred a known
// department), and the conflict rule: a device's update based on an old state is appended and
// flagged, and central's newer outcome stands.
#include <catch2/catch.hpp>

#include "harness.h"
#include "sync/protocol/open311.h"
#include "sync/protocol/tus.h"

using namespace samvad::testing;
using samvad::protocol::Form;
using samvad::protocol::JsonValue;
namespace o311 = samvad::protocol::open311;

namespace {

struct Field {
  Central c;
  std::string kiosk = c.EnrollDevice("kiosk");
  std::string tablet = c.EnrollDevice("engineer's tablet");
  std::string desk = c.EnrollDevice("ward office desk");
  std::string id;
  Field() {
    const Reply r = PostForm(c.port(), "/requests.json", CreateForm(kiosk, NewUuid()));
    REQUIRE(r.status == 200);
    id = r.Json().items.at(0).Str("service_request_id");
  }
  // What the tablet reads (with its key: the whole request, not the public view).
  JsonValue Request() const {
    const Reply r = Http(c.port(), "GET", "/requests/" + id + ".json", "", {{"Authorization", "Bearer " + tablet}});
    REQUIRE(r.status == 200);
    return r.Json().items.at(0);
  }
  std::string LatestUpdateId() const { return Request().Str("latest_update_id"); }
  Reply Update(const std::string& key, const std::string& idem, Form fields) const {
    fields.insert(fields.begin(), {{"api_key", key}, {"service_request_id", id}});
    return PostForm(c.port(), "/servicerequestupdates.json", fields, {{"Idempotency-Key", idem}});
  }
  // An update that must be accepted; its answer's one object.
  JsonValue UpdateOk(const std::string& key, Form fields) const {
    const Reply r = Update(key, NewUuid(), std::move(fields));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.Json().items.at(0);
  }
  std::string Photo(const std::string& kind, int index, const std::string& bytes) const {
    return UploadWhole(c.port(), tablet,
                       {{"service_request_id", id}, {"kind", kind}, {"index", std::to_string(index)}}, bytes);
  }
  std::vector<JsonValue> History() const {
    std::vector<JsonValue> out;
    for (const auto& u :
         Http(c.port(), "GET", "/servicerequestupdates.json", "", {{"Authorization", "Bearer " + tablet}}).Json().items)
      if (u.Str("service_request_id") == id) out.push_back(u);
    return out;
  }
};

void RequireError(const Reply& r, int status, const std::string& words) {
  INFO(r.body);
  REQUIRE(r.status == status);
  const JsonValue v = r.Json();
  REQUIRE(v.items.size() == 1);
  CHECK(v.items[0].Find("code")->number == status);
  CHECK(v.items[0].Str("description").find(words) != std::string::npos);
}

}  // namespace

TEST_CASE("A complaint goes acknowledged → in progress → resolved from the tablet, with before and after photos",
          "[central][worklog]") {
  Field f;
  f.c.AddStaff("GN-ENG-04", "4821");
  REQUIRE(f.c.Cli({"assign", f.id, "GN-ENG-04"}).exit_code == 0);
  const std::string before = NoiseBytes(40000, 11), after = NoiseBytes(50000, 12), after2 = NoiseBytes(30000, 13);
  const std::string before_path = f.Photo("before", 0, before);

  JsonValue a = f.UpdateOk(f.tablet, {{"status", "acknowledged"}, {"description", "Seen it; crew tomorrow"},
                                      {"based_on_update_id", f.LatestUpdateId()},
                                      {"recorded_at", "2024-05-01T10:20:30+05:30"},
                                      {"lat", "19.0177"}, {"long", "72.8561"}});
  CHECK_FALSE(a.Find("conflict")->boolean);
  CHECK(a.Str("current_status") == "acknowledged");
  CHECK(a.Str("request_status") == "open");
  CHECK(a.Str("department") == "roads");
  a = f.UpdateOk(f.tablet, {{"status", "in_progress"}, {"based_on_update_id", f.LatestUpdateId()}});
  CHECK(a.Str("current_status") == "in_progress");

  // Resolved needs the evidence first; the refusal leaves the key unspent, so the device sends
  // the very same update again once the photo is up.
  const std::string idem = NewUuid();
  const Form resolved{{"status", "resolved"}, {"description", "Filled and rolled"},
                      {"based_on_update_id", f.LatestUpdateId()}, {"recorded_at", "2024-05-02T09:00:00Z"}};
  RequireError(f.Update(f.tablet, idem, resolved), 400, "after photo");
  f.Photo("after", 1, after2);
  const std::string after_path = f.Photo("after", 0, after);
  const Reply done = f.Update(f.tablet, idem, resolved);
  INFO(done.body);
  REQUIRE(done.status == 200);
  const JsonValue d = done.Json().items.at(0);
  CHECK_FALSE(d.Find("conflict")->boolean);
  CHECK(d.Str("current_status") == "fixed");  // resolved is FixMyStreet's "fixed" on the wire
  CHECK(d.Str("request_status") == "closed");
  const Reply replay = f.Update(f.tablet, idem, resolved);
  CHECK(replay.body == done.body);
  CHECK(replay.Header("idempotent-replayed") == "true");

  const JsonValue q = f.Request();
  CHECK(q.Str("status") == "closed");
  CHECK(q.Str("detailed_status") == "fixed");
  CHECK(q.Str("status_notes") == "Filled and rolled");
  REQUIRE(q.Find("before_media_urls")->items.size() == 1);
  CHECK(q.Find("before_media_urls")->items[0].text == f.c.base_url() + before_path);
  REQUIRE(q.Find("after_media_urls")->items.size() == 2);
  CHECK(q.Find("after_media_urls")->items[0].text == f.c.base_url() + after_path);  // index order
  CHECK(q.Find("media_urls")->items.empty());  // the citizen's photos are another list
  CHECK(Http(f.c.port(), "GET", before_path).body == before);
  CHECK(Http(f.c.port(), "GET", after_path).body == after);

  const auto history = f.History();
  REQUIRE(history.size() == 5);  // received, assigned, acknowledged, in_progress, fixed
  CHECK(history[2].Str("status") == "acknowledged");
  CHECK(history[2].Str("recorded_datetime") == "2024-05-01T04:50:30Z");
  CHECK(history[2].Find("lat")->number == Approx(19.0177));
  CHECK(history[3].Find("lat")->is_null());
  CHECK(history[4].Str("status") == "fixed");
  CHECK(history[4].Str("media_url") == f.c.base_url() + after_path);  // the update names its after photo
  CHECK(history[4].Str("based_on_update_id") == history[3].Str("update_id"));
  for (const auto& u : history) CHECK_FALSE(u.Find("conflict")->boolean);
}

TEST_CASE("rejected needs a reason; transferred needs a known department, which becomes agency_responsible",
          "[central][worklog]") {
  Field f;
  f.c.AddStaff("GN-ENG-04", "4821");
  REQUIRE(f.c.Cli({"assign", f.id, "GN-ENG-04"}).exit_code == 0);

  SECTION("rejected") {
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "rejected"}}), 400, "reason");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "rejected"}, {"description", "  \n"}}), 400, "reason");
    const JsonValue a = f.UpdateOk(f.tablet, {{"status", "rejected"}, {"description", "Private land, not BMC's"}});
    CHECK(a.Str("current_status") == "closed");
    const JsonValue q = f.Request();
    CHECK(q.Str("status") == "closed");
    CHECK(q.Str("detailed_status") == "closed");  // closed without a fix: FixMyStreet's word
    CHECK(q.Str("status_notes") == "Private land, not BMC's");
  }
  SECTION("transferred") {
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "transferred"}, {"description", "Water main"}}), 400,
                 "department");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "transferred"}, {"department", "railways"}}), 400,
                 "railways");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "in_progress"}, {"department", "water"}}), 400,
                 "transferred");
    const JsonValue a = f.UpdateOk(f.tablet, {{"status", "transferred"}, {"department", "water"},
                                              {"description", "A burst water main under the road"}});
    CHECK(a.Str("current_status") == "transferred");
    CHECK(a.Str("department") == "water");
    const JsonValue q = f.Request();
    CHECK(q.Str("status") == "open");
    CHECK(q.Str("agency_responsible") == "Hydraulic Engineering (Water Supply)");
    CHECK(q.Str("department") == "water");
    CHECK(q.Str("service_code") == "pothole");  // what the citizen reported does not change
    CHECK(q.Str("assigned_to").empty());        // the new department's nodal officer assigns it
    CHECK(Http(f.c.port(), "GET", "/requests.json?assigned_to=GN-ENG-04", "", {{"Authorization", "Bearer " + f.tablet}})
              .Json()
              .items.empty());
    CHECK(f.History().back().Str("department") == "water");
  }
  SECTION("other refusals") {
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "teleported"}}), 400, "status");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "in_progress"}, {"based_on_update_id", "x"}}), 400,
                 "based_on_update_id");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "in_progress"}, {"recorded_at", "2024-05-01 10:00"}}),
                 400, "recorded_at");
    RequireError(f.Update(f.tablet, NewUuid(), {{"status", "in_progress"}, {"lat", "19"}}), 400, "long");
    RequireError(f.Update("not-a-key", NewUuid(), {{"status", "in_progress"}}), 403, "api_key");
    Form unknown{{"api_key", f.tablet}, {"service_request_id", "999999"}, {"status", "resolved"}};
    RequireError(PostForm(f.c.port(), "/servicerequestupdates.json", unknown, {{"Idempotency-Key", NewUuid()}}), 404,
                 "999999");
  }
}

// Issue 5, item 5: "When central changed the status meanwhile, both stay in the history and the
// device shows central's outcome; nothing is silently overwritten."
TEST_CASE("An update based on an old state is kept but flagged as a conflict, and central's newer outcome stands",
          "[central][worklog][conflict]") {
  Field f;
  // The tablet synced: it has seen every update of the request so far.
  const std::string seen = f.LatestUpdateId();

  // Meanwhile the ward office (another device) rejects the complaint as a duplicate.
  const JsonValue central = f.UpdateOk(f.desk, {{"status", "rejected"}, {"description", "Duplicate of 08-001-00041-0"},
                                                {"based_on_update_id", seen}});
  CHECK_FALSE(central.Find("conflict")->boolean);

  // The tablet, offline, had started work; its update arrives based on the older state.
  const std::string idem = NewUuid();
  const Form offline{{"status", "in_progress"}, {"description", "Crew on site"}, {"based_on_update_id", seen},
                     {"recorded_at", "2024-05-01T11:00:00+05:30"}};
  const Reply r = f.Update(f.tablet, idem, offline);
  INFO(r.body);
  REQUIRE(r.status == 200);  // appended: nothing the engineer did is lost
  const JsonValue answer = r.Json().items.at(0);
  CHECK(answer.Find("conflict")->boolean);
  CHECK(answer.Str("current_status") == "closed");  // what the tablet shows: central's outcome
  CHECK(answer.Str("request_status") == "closed");

  const JsonValue q = f.Request();
  CHECK(q.Str("status") == "closed");
  CHECK(q.Str("detailed_status") == "closed");
  CHECK(q.Str("status_notes") == "Duplicate of 08-001-00041-0");  // not overwritten by the tablet's note

  const auto history = f.History();
  REQUIRE(history.size() == 3);  // received, central's rejection, the tablet's update: both kept
  CHECK(history[1].Str("status") == "closed");
  CHECK_FALSE(history[1].Find("conflict")->boolean);
  CHECK(history[2].Str("update_id") == answer.Str("update_id"));
  CHECK(history[2].Str("status") == "in_progress");
  CHECK(history[2].Str("description") == "Crew on site");
  CHECK(history[2].Find("conflict")->boolean);
  CHECK(history[2].Str("based_on_update_id") == seen);

  // The same update again (its answer was lost) gets the same answer, still a conflict.
  const Reply again = f.Update(f.tablet, idem, offline);
  CHECK(again.body == r.body);
  CHECK(again.Header("idempotent-replayed") == "true");
  CHECK(f.History().size() == 3);

  // Once the tablet has seen central's update, its next update applies as usual.
  const JsonValue next = f.UpdateOk(f.tablet, {{"status", "in_progress"}, {"description", "Reopened on site visit"},
                                               {"based_on_update_id", f.LatestUpdateId()}});
  CHECK_FALSE(next.Find("conflict")->boolean);
  CHECK(f.Request().Str("status") == "open");
}

TEST_CASE("What is not a conflict: the device's own queued updates, updates that changed nothing, no based_on",
          "[central][worklog][conflict]") {
  Field f;
  const std::string seen = f.LatestUpdateId();
  SECTION("updates a device queued offline are all based on the last update it pulled") {
    CHECK_FALSE(f.UpdateOk(f.tablet, {{"status", "acknowledged"}, {"based_on_update_id", seen}}).Find("conflict")->boolean);
    CHECK_FALSE(f.UpdateOk(f.tablet, {{"status", "in_progress"}, {"based_on_update_id", seen}}).Find("conflict")->boolean);
    CHECK(f.Request().Str("detailed_status") == "in_progress");
  }
  SECTION("a newer update that left the status as it was") {
    f.UpdateOk(f.desk, {{"status", "open"}, {"description", "Citizen called again"}});
    CHECK_FALSE(f.UpdateOk(f.tablet, {{"status", "acknowledged"}, {"based_on_update_id", seen}}).Find("conflict")->boolean);
  }
  SECTION("an assignment by central that moved it to in progress is a newer outcome") {
    f.c.AddStaff("GN-ENG-04", "4821");
    REQUIRE(f.c.Cli({"assign", f.id, "GN-ENG-04"}).exit_code == 0);
    const JsonValue a = f.UpdateOk(f.tablet, {{"status", "acknowledged"}, {"based_on_update_id", seen}});
    CHECK(a.Find("conflict")->boolean);
    CHECK(a.Str("current_status") == "in_progress");
  }
  SECTION("an Open311 client that sends no based_on_update_id is never in conflict") {
    f.UpdateOk(f.desk, {{"status", "in_progress"}, {"description", "Crew sent"}});
    CHECK_FALSE(f.UpdateOk(f.tablet, {{"status", "fixed"}, {"description", "Done"}}).Find("conflict")->boolean);
    CHECK(f.Request().Str("status") == "closed");
  }
}

TEST_CASE("tus takes before and after photos of a complaint, index 0 to 2, and refuses other kinds",
          "[central][worklog][tus]") {
  Field f;
  for (const char* kind : {"before", "after"})
    for (int i = 0; i < 3; ++i) f.Photo(kind, i, NoiseBytes(1000 + static_cast<size_t>(i), static_cast<std::uint32_t>(i + 1)));
  const JsonValue q = f.Request();
  CHECK(q.Find("before_media_urls")->items.size() == 3);
  CHECK(q.Find("after_media_urls")->items.size() == 3);
  const auto create = [&](const std::string& kind, const std::string& index) {
    return Http(f.c.port(), "POST", "/media", "",
                {{"Tus-Resumable", "1.0.0"}, {"Authorization", "Bearer " + f.tablet}, {"Upload-Length", "10"},
                 {"Upload-Metadata", samvad::protocol::tus::FormatMetadata(
                                         {{"service_request_id", f.id}, {"kind", kind}, {"index", index}})}});
  };
  CHECK(create("during", "0").status == 400);
  CHECK(create("after", "3").status == 400);
  CHECK(create("before", "1").status == 409);  // one upload per (request, kind, index), U4: another length
}
