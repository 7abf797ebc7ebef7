// central_open311.tests.cpp — samvad-central speaks Open311 GeoReport v2: discovery, services,
// service definitions, creating and reading requests, filters, pagination, ticket search, and
// the spec's errors (403 bad key, 404 unknown, 400 otherwise), against a real server process.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>
#include <set>

#include "central_fixtures.h"
#include "harness.h"
#include "sync/protocol/open311.h"

using namespace samvad::testing;
using samvad::protocol::JsonValue;

namespace {

std::string CreateOk(const Central& c, const samvad::protocol::Form& form) {
  const Reply r = PostForm(c.port(), "/requests.json", form);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const JsonValue v = r.Json();
  REQUIRE(v.items.size() == 1);
  const std::string id = v.items[0].Str("service_request_id");
  REQUIRE_FALSE(id.empty());
  return id;
}

size_t CatalogRows(const std::string& file) {
  std::ifstream in(std::string(SAMVAD_SOURCE_DIR "/assets/catalog/") + file);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty() && line[0] != '#';
  return n;
}

}  // namespace

TEST_CASE("GET /discovery.json names the GeoReport v2 endpoint in JSON", "[central][open311]") {
  Central c;
  const Reply r = Http(c.port(), "GET", "/discovery.json");
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type").rfind("application/json", 0) == 0);
  const JsonValue v = r.Json();
  REQUIRE(v.Find("endpoints"));
  const JsonValue& ep = v.Find("endpoints")->items.at(0);
  CHECK(ep.Str("specification") == "http://wiki.open311.org/GeoReport_v2");
  CHECK(ep.Str("url") == c.base_url());
  CHECK(ep.Find("formats")->items.at(0).text == "application/json");
}

TEST_CASE("GET /services.json lists every category of the seed catalog as a service", "[central][open311]") {
  Central c;
  const Reply r = Http(c.port(), "GET", "/services.json");
  REQUIRE(r.status == 200);
  const JsonValue v = r.Json();
  CHECK(v.items.size() == CatalogRows("categories.tsv"));
  const JsonValue* pothole = nullptr;
  for (const auto& s : v.items)
    if (s.Str("service_code") == "pothole") pothole = &s;
  REQUIRE(pothole);
  CHECK(pothole->Str("service_name") == "Pothole or damaged road");
  CHECK(pothole->Str("group") == "Roads");
  CHECK(pothole->Str("type") == "realtime");
  CHECK(pothole->Find("metadata")->boolean);
}

TEST_CASE("GET /services/{code}.json defines our attributes, and an unknown code is a 404", "[central][open311]") {
  Central c;
  const Reply r = Http(c.port(), "GET", "/services/pothole.json");
  REQUIRE(r.status == 200);
  const JsonValue v = r.Json();
  CHECK(v.Str("service_code") == "pothole");
  std::set<std::string> codes;
  const JsonValue* ward = nullptr;
  for (const auto& a : v.Find("attributes")->items) {
    codes.insert(a.Str("code"));
    if (a.Str("code") == "client_uuid") CHECK(a.Find("required")->boolean);
    if (a.Str("code") == "ward") ward = &a;
  }
  CHECK(codes == std::set<std::string>{"client_uuid", "ticket", "ward", "captured_at"});
  REQUIRE(ward);
  CHECK(ward->Str("datatype") == "singlevaluelist");
  CHECK(ward->Find("values")->items.size() == CatalogRows("wards.tsv"));
  RequireOpen311Error(Http(c.port(), "GET", "/services/volcano.json"), 404);
}

TEST_CASE("A created request reads back with the spec's fields, its ticket and its SLA", "[central][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  auto form = CreateForm(key, NewUuid());
  form.push_back({"attribute[ticket]", "08-001-00042-9"});
  form.push_back({"address_string", "Near Dadar TT circle"});
  const std::string id = CreateOk(c, form);

  const Reply r = Http(c.port(), "GET", "/requests/" + id + ".json");
  REQUIRE(r.status == 200);
  const JsonValue v = r.Json();
  REQUIRE(v.items.size() == 1);  // the spec answers one request as a one-element array
  const JsonValue& q = v.items[0];
  for (const char* field : {"service_request_id", "status", "status_notes", "service_name", "service_code",
                            "description", "agency_responsible", "service_notice", "requested_datetime",
                            "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                            "long", "media_url"}) {
    INFO(field);
    CHECK(q.Find(field) != nullptr);
  }
  CHECK(q.Str("service_request_id") == id);
  CHECK(q.Str("status") == "open");
  CHECK(q.Str("service_code") == "pothole");
  CHECK(q.Str("service_name") == "Pothole or damaged road");
  CHECK(q.Str("agency_responsible") == "Roads");
  CHECK(q.Str("description") == "Deep pothole near the bus stop");
  CHECK(q.Str("address") == "Near Dadar TT circle");
  CHECK(q.Find("lat")->number == Approx(19.0176));
  CHECK(q.Find("long")->number == Approx(72.8562));
  CHECK(q.Str("ticket") == "08-001-00042-9");
  CHECK(q.Str("ward") == "08");
  std::int64_t requested = 0, expected = 0;
  REQUIRE(samvad::protocol::open311::ParseDatetime(q.Str("requested_datetime"), &requested));
  REQUIRE(samvad::protocol::open311::ParseDatetime(q.Str("expected_datetime"), &expected));
  CHECK(expected - requested == 48 * 3600);  // pothole: 48 hours in categories.tsv
}

// A full database disk, for real (the media folder's twin is in central_media.tests.cpp): central
// runs in a user and mount namespace of its own with its database on a 1 MB tmpfs, and the rest
// of that megabyte is then taken by a filler. A create must be refused with a reason a ward can
// act on and a Retry-After that does not hammer central, must store nothing, and must go
// through once space is freed; what was stored before stays readable.
TEST_CASE("A full database disk: a create gets 503 saying so, nothing is stored, and it goes through once space is "
          "freed",
          "[central][open311][diskfull]") {
  // Run on SQLite only (CMakeLists.txt): PostgreSQL's socket is out of reach from the namespace.
  REQUIRE_FALSE(UsingPostgres());
  if (!CanMountSmallTmpfs()) return;
  const std::string parent = MakeTempDir("samvad-full-db");
  const std::string db_dir = parent + "/db";
  REQUIRE(::mkdir(db_dir.c_str(), 0700) == 0);
  const std::string db_url = "sqlite:" + db_dir + "/central.db";
  std::string why;
  // The enrolment code goes into the database on the real disk first (the CLI runs outside the
  // namespace, where central's tmpfs cannot be seen); the namespace then starts from a copy.
  std::string code;
  {
    CentralProcess before;
    REQUIRE(before.Start(db_url, parent + "/media", 0, "", &why));
    code = before.NewEnrolmentCode("full disk", &why);
    INFO(why);
    REQUIRE(!code.empty());
  }
  CentralProcess central;
  central.SetWrapper({"unshare", "-Urm", "sh", "-c",
                      "s=$(mktemp -d) && cp -a \"$0\"/. \"$s\"/ && mount -t tmpfs -o size=1m tmpfs \"$0\" && "
                      "cp -a \"$s\"/. \"$0\"/ && rm -rf \"$s\" && exec \"$@\"",
                      db_dir});
  INFO(why);
  REQUIRE(central.Start(db_url, parent + "/media", 0, "", &why));
  const int port = central.port();
  const Reply enrolled = PostForm(port, "/devices/enroll.json", {{"code", code}});
  INFO(enrolled.body);
  REQUIRE(enrolled.status == 200);
  const std::string key = enrolled.Json().items.at(0).Str("api_key");
  const Reply first = PostForm(port, "/requests.json", CreateForm(key, NewUuid()));
  REQUIRE(first.status == 200);
  const std::string first_id = first.Json().items.at(0).Str("service_request_id");

  // Take every byte left, through central's own view of its filesystem.
  const std::string filler = "/proc/" + std::to_string(central.pid()) + "/root" + db_dir + "/filler";
  {
    const int fd = ::open(filler.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const std::string block(65536, '\0');
    ssize_t w = 0;
    while ((w = ::write(fd, block.data(), block.size())) > 0) {
    }
    const int err = errno;
    ::close(fd);
    REQUIRE(w < 0);
    REQUIRE(err == ENOSPC);
  }
  const auto form = CreateForm(key, NewUuid(), "garbage", "Garbage not collected for a week");
  for (int attempt = 0; attempt < 2; ++attempt) {  // a retry while still full: the same answer
    const Reply full = PostForm(port, "/requests.json", form);
    INFO(full.body);
    RequireOpen311Error(full, 503);
    CHECK(full.Json().items.at(0).Str("description").find("database disk is full") != std::string::npos);
    CHECK(full.Header("retry-after") == "300");  // an operator must act; not a 5-second blip
  }
  // What was stored before is still served.
  CHECK(Http(port, "GET", "/requests/" + first_id + ".json").status == 200);

  // An operator frees space; the device's retry goes through, once.
  REQUIRE(::unlink(filler.c_str()) == 0);
  const Reply taken = PostForm(port, "/requests.json", form);
  INFO(taken.body);
  REQUIRE(taken.status == 200);
  const Reply again = PostForm(port, "/requests.json", form);
  REQUIRE(again.status == 200);
  CHECK(again.Json().items.at(0).Str("service_request_id") == taken.Json().items.at(0).Str("service_request_id"));
  const Reply all = Http(port, "GET", "/requests.json?api_key=" + key);
  REQUIRE(all.status == 200);
  CHECK(all.Json().items.size() == 2);
  central.Stop();
  RemoveTree(parent);
}

TEST_CASE("Creating a request refuses a missing or bad key with 403", "[central][open311][auth]") {
  Central c;
  auto form = CreateForm("", NewUuid());
  form.erase(form.begin());  // no api_key at all
  RequireOpen311Error(PostForm(c.port(), "/requests.json", form), 403);
  RequireOpen311Error(PostForm(c.port(), "/requests.json", CreateForm("not-a-key", NewUuid())), 403);
}

TEST_CASE("Creating a request refuses bad input with 400 and an unknown service with 404", "[central][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string uuid = NewUuid();
  SECTION("no service_code") {
    auto f = CreateForm(key, uuid);
    f.erase(f.begin() + 1);
    RequireOpen311Error(PostForm(c.port(), "/requests.json", f), 400);
  }
  SECTION("an unknown service_code") {
    RequireOpen311Error(PostForm(c.port(), "/requests.json", CreateForm(key, uuid, "volcano")), 404);
  }
  SECTION("no location") {
    RequireOpen311Error(PostForm(c.port(), "/requests.json",
                                 {{"api_key", key}, {"service_code", "pothole"}, {"attribute[client_uuid]", uuid}}),
                        400);
  }
  SECTION("a latitude off the planet") {
    auto f = CreateForm(key, uuid);
    f[2].value = "91";
    RequireOpen311Error(PostForm(c.port(), "/requests.json", f), 400);
  }
  SECTION("a description that is not UTF-8") {
    const std::string body = samvad::protocol::EncodeForm(CreateForm(key, uuid)) + "&description=%FF%FE";
    RequireOpen311Error(Http(c.port(), "POST", "/requests.json", body,
                             {{"Content-Type", "application/x-www-form-urlencoded"}}),
                        400);
  }
  SECTION("an Idempotency-Key that is not the client UUID") {
    RequireOpen311Error(PostForm(c.port(), "/requests.json", CreateForm(key, uuid), {{"Idempotency-Key", NewUuid()}}),
                        400);
  }
  SECTION("a JSON body instead of a form") {
    RequireOpen311Error(Http(c.port(), "POST", "/requests.json", "{\"service_code\":\"pothole\"}",
                             {{"Content-Type", "application/json"}}),
                        400);
  }
  SECTION("a body far larger than any complaint") {
    auto f = CreateForm(key, uuid);
    f.push_back({"email", std::string(70000, 'x')});
    RequireOpen311Error(PostForm(c.port(), "/requests.json", f), 413);
  }
  // Nothing above was stored.
  CHECK(Http(c.port(), "GET", "/requests.json").Json().items.empty());
}

TEST_CASE("A description holds 4000 characters in any script: the spec counts characters, not bytes",
          "[central][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  std::string marathi;
  for (int i = 0; i < 4000; ++i) marathi += "ख";  // 3 bytes of UTF-8 each: 12000 bytes
  const Reply ok = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid(), "pothole", marathi));
  INFO(ok.body);
  REQUIRE(ok.status == 200);
  const std::string id = ok.Json().items.at(0).Str("service_request_id");
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json").Json().items.at(0).Str("description") == marathi);
  // One more, in either script, is refused and says the limit in characters.
  for (const std::string& text : {marathi + "ख", std::string(4001, 'a')}) {
    const Reply r = PostForm(c.port(), "/requests.json", CreateForm(key, NewUuid(), "pothole", text));
    RequireOpen311Error(r, 400);
    CHECK(r.body.find("4000 characters") != std::string::npos);
  }
  // An update's note from the field has the same room.
  const Reply note = PostForm(c.port(), "/servicerequestupdates.json",
                              {{"api_key", key}, {"service_request_id", id}, {"status", "in_progress"},
                               {"description", marathi}},
                              {{"Idempotency-Key", NewUuid()}});
  INFO(note.body);
  CHECK(note.status == 200);
}

TEST_CASE("Without a key a request is the public view: no phone number in its text, no staff id; a device sees it all",
          "[central][open311][privacy]") {
  Central c;
  const std::string key = c.EnrollDevice();
  c.AddStaff("GN-ENG-04", "4821");
  // The citizen typed a phone number into the description, in Devanagari digits as well.
  auto form = CreateForm(key, NewUuid(), "pothole", "खड्डा मोठा आहे, फोन ९८२०० १२३४५ किंवा +91 98200 54321");
  form.push_back({"attribute[ticket]", "08-001-00042-9"});
  form.push_back({"address_string", "Outside Sai Stores (9867012345), Dadar"});
  const std::string id = CreateOk(c, form);
  REQUIRE(c.Cli({"assign", id, "GN-ENG-04"}).exit_code == 0);
  // The ward office closes it with a note naming another ticket and the citizen's number again.
  const Reply note = PostForm(c.port(), "/servicerequestupdates.json",
                              {{"api_key", key}, {"service_request_id", id}, {"status", "rejected"},
                               {"description", "Duplicate of 08-001-00041-0; called 9820012345"}},
                              {{"Idempotency-Key", NewUuid()}});
  INFO(note.body);
  REQUIRE(note.status == 200);

  const Headers device = {{"Authorization", "Bearer " + key}};
  for (const std::string& path : {"/requests/" + id + ".json", "/requests.json?service_request_id=" + id}) {
    INFO(path);
    const Reply anyone = Http(c.port(), "GET", path);
    REQUIRE(anyone.status == 200);
    const JsonValue p = anyone.Json().items.at(0);
    CHECK(p.Str("description") == "खड्डा मोठा आहे, फोन […] किंवा […]");
    CHECK(p.Str("status_notes") == "Duplicate of 08-001-00041-0; called […]");  // a ticket as printed stays
    CHECK(p.Str("address") == "Outside Sai Stores ([…]), Dadar");
    CHECK(p.Str("assigned_to").empty());
    CHECK(p.Str("ticket") == "08-001-00042-9");
    CHECK(anyone.body.find("98200") == std::string::npos);
    CHECK(anyone.body.find("GN-ENG-04") == std::string::npos);

    const JsonValue d = Http(c.port(), "GET", path, "", device).Json().items.at(0);
    CHECK(d.Str("description") == "खड्डा मोठा आहे, फोन ९८२०० १२३४५ किंवा +91 98200 54321");
    CHECK(d.Str("status_notes") == "Duplicate of 08-001-00041-0; called 9820012345");
    CHECK(d.Str("assigned_to") == "GN-ENG-04");
    CHECK(d.Str("address") == "Outside Sai Stores (9867012345), Dadar");

    // A key that is sent must be a valid one, as everywhere.
    RequireOpen311Error(Http(c.port(), "GET", path, "", {{"Authorization", "Bearer nonsense"}}), 403);
  }
  // The update feed likewise: the note's number is the device's to read, not everyone's.
  const Reply feed = Http(c.port(), "GET", "/servicerequestupdates.json");
  REQUIRE(feed.status == 200);
  CHECK(feed.body.find("9820012345") == std::string::npos);
  CHECK(feed.body.find("Duplicate of 08-001-00041-0; called […]") != std::string::npos);
  CHECK(Http(c.port(), "GET", "/servicerequestupdates.json", "", device).body.find("9820012345") != std::string::npos);
  RequireOpen311Error(Http(c.port(), "GET", "/servicerequestupdates.json?api_key=nonsense"), 403);
}

TEST_CASE("A kiosk's key reads the public view: a key taken from a public hall reads no citizen's number",
          "[central][open311][privacy]") {
  Central c;
  std::string kiosk_id;
  const std::string kiosk = c.EnrollDevice("G/N kiosk 1", &kiosk_id, {"--ward", "08", "--kind", "kiosk"});
  const std::string tablet = c.EnrollDevice("G/N tablet 4", nullptr, {"--ward", "08", "--kind", "tablet"});
  c.AddStaff("GN-ENG-04", "4821");
  // Filed at the kiosk itself: its own citizen's number is no more the kiosk's to read back.
  auto form = CreateForm(kiosk, NewUuid(), "pothole", "खड्डा मोठा आहे, फोन 9820012345");
  const std::string id = CreateOk(c, form);
  REQUIRE(c.Cli({"assign", id, "GN-ENG-04"}).exit_code == 0);
  const Reply note = PostForm(c.port(), "/servicerequestupdates.json",
                              {{"api_key", tablet}, {"service_request_id", id}, {"status", "in_progress"},
                               {"description", "Called the citizen on 9867012345"}},
                              {{"Idempotency-Key", NewUuid()}});
  INFO(note.body);
  REQUIRE(note.status == 200);

  const Headers as_kiosk = {{"Authorization", "Bearer " + kiosk}}, as_tablet = {{"Authorization", "Bearer " + tablet}};
  for (const std::string& path : {"/requests/" + id + ".json", "/requests.json?service_request_id=" + id,
                                  std::string("/servicerequestupdates.json"),
                                  "/servicerequestupdates.json?service_request_id=" + id}) {
    INFO(path);
    const Reply k = Http(c.port(), "GET", path, "", as_kiosk);
    REQUIRE(k.status == 200);
    CHECK(k.body.find("9820012345") == std::string::npos);
    CHECK(k.body.find("9867012345") == std::string::npos);
    CHECK(k.body.find("GN-ENG-04") == std::string::npos);
    CHECK(k.body.find("[…]") != std::string::npos);  // the text is there, the number is not
    // The same page through the public door is the same bytes: the kiosk's key adds nothing.
    CHECK(k.body == Http(c.port(), "GET", path).body);
    // A tablet goes on site and calls the citizen: it reads the text as written.
    const Reply t = Http(c.port(), "GET", path, "", as_tablet);
    REQUIRE(t.status == 200);
    CHECK(t.body.find(path.find("updates") == std::string::npos ? "9820012345" : "9867012345") != std::string::npos);
  }
  // An engineer's work list is not the kiosk's either.
  const Reply list = Http(c.port(), "GET", "/requests.json?assigned_to=GN-ENG-04", "", as_kiosk);
  RequireOpen311Error(list, 403);
  CHECK(list.body.find("tablet") != std::string::npos);
  CHECK(Http(c.port(), "GET", "/requests.json?assigned_to=GN-ENG-04", "", as_tablet).status == 200);

  // The role is read at every request: scoped to any role, the same key reads the device view
  // at once; scoped back, it no longer does.
  REQUIRE(c.Cli({"scope", kiosk_id, "--kind", "any"}).exit_code == 0);
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json", "", as_kiosk).body.find("9820012345") != std::string::npos);
  REQUIRE(c.Cli({"scope", kiosk_id, "--kind", "kiosk"}).exit_code == 0);
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json", "", as_kiosk).body.find("9820012345") == std::string::npos);
  // A revoked kiosk is refused outright, not served the public view under its key.
  REQUIRE(c.Cli({"revoke", kiosk_id}).exit_code == 0);
  RequireOpen311Error(Http(c.port(), "GET", "/requests/" + id + ".json", "", as_kiosk), 403);
}

TEST_CASE("GET /requests/{id}.json of an unknown or malformed id is a 404", "[central][open311]") {
  Central c;
  RequireOpen311Error(Http(c.port(), "GET", "/requests/999.json"), 404);
  RequireOpen311Error(Http(c.port(), "GET", "/requests/abc.json"), 404);
}

TEST_CASE("GET /requests.json filters by id, service, status, dates and ticket", "[central][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  auto f1 = CreateForm(key, NewUuid(), "pothole");
  f1.push_back({"attribute[ticket]", "08-001-00042-9"});
  const std::string a = CreateOk(c, f1);
  const std::string b = CreateOk(c, CreateForm(key, NewUuid(), "garbage"));
  const std::string d = CreateOk(c, CreateForm(key, NewUuid(), "garbage"));
  const auto ids = [&](const std::string& query) {
    const Reply r = Http(c.port(), "GET", "/requests.json" + query);
    INFO(query << " -> " << r.body);
    REQUIRE(r.status == 200);
    std::set<std::string> out;
    for (const auto& q : r.Json().items) out.insert(q.Str("service_request_id"));
    return out;
  };
  CHECK(ids("") == std::set<std::string>{a, b, d});
  CHECK(ids("?service_request_id=" + a + "," + d) == std::set<std::string>{a, d});
  CHECK(ids("?service_code=garbage") == std::set<std::string>{b, d});
  CHECK(ids("?ticket=08-001-00042-9") == std::set<std::string>{a});
  CHECK(ids("?ticket=08001000429") == std::set<std::string>{a});
  CHECK(ids("?ticket=%E0%A5%A6%E0%A5%AE001000429") == std::set<std::string>{a});  // "०८…": Devanagari digits
  CHECK(ids("?ticket=99-999-99999-9").empty());
  CHECK(ids("?start_date=2000-01-01T00:00:00Z&end_date=2000-12-31T00:00:00Z").empty());
  CHECK(ids("?start_date=2000-01-01T00:00:00%2B05:30") == std::set<std::string>{a, b, d});

  // Close one through a field update; status filters follow.
  const Reply up = PostForm(c.port(), "/servicerequestupdates.json",
                            {{"api_key", key}, {"service_request_id", b}, {"status", "fixed"}, {"description", "Cleared"}},
                            {{"Idempotency-Key", NewUuid()}});
  REQUIRE(up.status == 200);
  CHECK(ids("?status=closed") == std::set<std::string>{b});
  CHECK(ids("?status=open") == std::set<std::string>{a, d});
  CHECK(ids("?status=open,closed") == std::set<std::string>{a, b, d});

  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?start_date=yesterday"), 400);
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?status=pending"), 400);
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?service_request_id=1,x"), 400);
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?ticket=abc"), 400);
}

TEST_CASE("By default GET /requests.json covers the last 90 days, but a ticket or a date range reaches further back",
          "[central][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  auto old_form = CreateForm(key, NewUuid());
  old_form.push_back({"attribute[ticket]", "08-001-00007-0"});
  const std::string old_id = CreateOk(c, old_form);
  const std::string new_id = CreateOk(c, CreateForm(key, NewUuid()));
  ExecSql(c.db_url(), "UPDATE requests SET requested_at = requested_at - 200 * 86400 WHERE id = " + old_id);
  const auto ids = [&](const std::string& query) {
    std::set<std::string> out;
    for (const auto& q : Http(c.port(), "GET", "/requests.json" + query).Json().items) out.insert(q.Str("service_request_id"));
    return out;
  };
  CHECK(ids("") == std::set<std::string>{new_id});
  CHECK(ids("?ticket=08-001-00007-0") == std::set<std::string>{old_id});
  CHECK(ids("?start_date=2000-01-01T00:00:00Z") == std::set<std::string>{old_id, new_id});
  CHECK(ids("?service_request_id=" + old_id) == std::set<std::string>{old_id});
}

TEST_CASE("An optional argument passed empty is one not passed, as GeoReport v2 says", "[central][open311]") {
  // "'Optional' means that the response should be the same whether a parameter is passed and is
  // empty or is not passed at all" — a form that sends every field, filled or not, must work.
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = CreateOk(c, CreateForm(key, NewUuid()));
  REQUIRE(PostForm(c.port(), "/servicerequestupdates.json",
                   {{"api_key", key}, {"service_request_id", id}, {"status", "in_progress"}, {"description", "on it"}},
                   {{"Idempotency-Key", NewUuid()}})
              .status == 200);
  const Reply all = Http(c.port(), "GET", "/requests.json");
  REQUIRE(all.status == 200);
  REQUIRE(all.Json().items.size() == 1);
  const Reply empty = Http(c.port(), "GET",
                           "/requests.json?service_request_id=&service_code=&status=&start_date=&end_date=&ticket="
                           "&assigned_to=&page=&page_size=");
  INFO(empty.body);
  CHECK(empty.status == 200);
  CHECK(empty.body == all.body);
  const Reply feed = Http(c.port(), "GET", "/servicerequestupdates.json");
  REQUIRE(feed.status == 200);
  REQUIRE(feed.Json().items.size() == 2);  // received, then in progress
  const Reply feed_empty = Http(c.port(), "GET", "/servicerequestupdates.json?updated_after=&limit=&service_request_id=");
  INFO(feed_empty.body);
  CHECK(feed_empty.status == 200);
  CHECK(feed_empty.body == feed.body);
  CHECK(Http(c.port(), "GET", "/feed.atom?limit=").status == 200);
}

TEST_CASE("GET /requests.json pages newest first with page and page_size", "[central][open311][pagination]") {
  Central c;
  const std::string key = c.EnrollDevice();
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) made.push_back(CreateOk(c, CreateForm(key, NewUuid())));
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  for (int page = 1; page <= 4; ++page) {
    const Reply r = Http(c.port(), "GET", "/requests.json?page_size=2&page=" + std::to_string(page));
    REQUIRE(r.status == 200);
    const JsonValue v = r.Json();
    sizes.push_back(v.items.size());
    for (const auto& q : v.items) seen.push_back(q.Str("service_request_id"));
  }
  CHECK(sizes == std::vector<size_t>{2, 2, 1, 0});
  CHECK(seen == std::vector<std::string>(made.rbegin(), made.rend()));  // each once, newest first
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?page_size=0"), 400);
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?page_size=201"), 400);
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?page=-1"), 400);
}

TEST_CASE("Unknown paths are 404, XML is 400, a wrong method is 405, a bad query is 400", "[central][open311]") {
  Central c;
  RequireOpen311Error(Http(c.port(), "GET", "/nothing-here.json"), 404);
  RequireOpen311Error(Http(c.port(), "GET", "/services.xml"), 400);
  const Reply r = Http(c.port(), "DELETE", "/requests.json");
  RequireOpen311Error(r, 405);
  CHECK(r.Header("allow") == "GET, POST");
  RequireOpen311Error(Http(c.port(), "PUT", "/requests/1.json", "status=closed"), 405);  // a body changes nothing
  RequireOpen311Error(Http(c.port(), "GET", "/requests.json?service_code=%FF"), 400);
}

TEST_CASE("serve refuses a non-loopback address unless --public is given", "[central][cli]") {
  const std::string dir = MakeTempDir("samvad-cli");
  const RunResult r = Run({SAMVAD_CENTRAL_BINARY, "serve", "--db", "sqlite:" + dir + "/db", "--listen", "0.0.0.0:0",
                           "--media", dir + "/media", "--catalog", SAMVAD_SOURCE_DIR "/assets/catalog"});
  RemoveTree(dir);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("not a loopback address") != std::string::npos);
  CHECK(r.out.find("listening") == std::string::npos);
}

TEST_CASE("samvad-central --help describes every command", "[central][cli]") {
  const RunResult r = Run({SAMVAD_CENTRAL_BINARY, "--help"});
  CHECK(r.exit_code == 0);
  for (const char* cmd : {"serve", "enroll", "revoke", "scope", "--ward", "assign", "--public", "postgresql://"}) {
    INFO(cmd);
    CHECK(r.out.find(cmd) != std::string::npos);
  }
  CHECK(Run({SAMVAD_CENTRAL_BINARY, "frobnicate"}).exit_code == 2);
}
