// central_staff.tests.cpp — what central gives the field tablet about people and their work
// (issue 5, items 1 and 2): staff accounts made by `samvad-central staff …` with the PIN read
// from standard input and stored only as its Argon2id hash; GET /staff.json, which ships the
// device's ward's accounts (every account to a device without a ward; inactive ones too) with
// their hashes so devices can verify PINs offline; `assign`, which
// gives work only to an active account; and GET /requests.json?assigned_to=, an engineer's list
// by due time with what a detail view needs.
#include <catch2/catch.hpp>
#include <set>

#include "harness.h"
#include "sync/model/pin_hash.h"
#include "sync/protocol/open311.h"

using namespace samvad::testing;
using samvad::protocol::JsonValue;
namespace o311 = samvad::protocol::open311;

namespace {

std::string Create(const Central& c, const std::string& key, const std::string& service = "pothole",
                   const std::string& description = "Deep pothole near the bus stop") {
  auto form = CreateForm(key, NewUuid(), service, description);
  form.push_back({"address_string", "Near Dadar TT circle"});
  form.push_back({"attribute[ticket]", "08-001-00042-9"});
  const Reply r = PostForm(c.port(), "/requests.json", form);
  INFO(r.body);
  REQUIRE(r.status == 200);
  return r.Json().items.at(0).Str("service_request_id");
}

// GET /staff.json with the key; REQUIREs 200 and returns the accounts by user id.
std::map<std::string, JsonValue> StaffJson(const Central& c, const std::string& key) {
  const Reply r = Http(c.port(), "GET", "/staff.json", "", {{"Authorization", "Bearer " + key}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.Header("cache-control") == "no-store");
  std::int64_t listed = 0;
  CHECK(o311::ParseDatetime(r.Header("samvad-listed-at"), &listed));
  std::map<std::string, JsonValue> out;
  for (const auto& a : r.Json().items) out[a.Str("user_id")] = a;
  return out;
}

void RequireError(const Reply& r, int status) {
  INFO(r.body);
  REQUIRE(r.status == status);
  const JsonValue v = r.Json();
  REQUIRE(v.items.size() == 1);
  CHECK(v.items[0].Find("code")->number == status);
  CHECK_FALSE(v.items[0].Str("description").empty());
}

}  // namespace

TEST_CASE("staff add reads the PIN from standard input, and devices get only its Argon2id hash", "[central][staff]") {
  Central c;
  const std::string key = c.EnrollDevice();
  c.AddStaff("gn-eng-04", "4821", "engineer", "08", "roads", "सुनील पाटील");

  const RunResult list = c.Cli({"staff", "list"});
  INFO(list.out);
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("GN-ENG-04\tengineer\t08\troads\tactive\tसुनील पाटील") != std::string::npos);
  CHECK(list.out.find("argon2") == std::string::npos);  // the list never shows hashes
  CHECK(list.out.find("4821") == std::string::npos);

  SECTION("without a device key /staff.json is a 403 in the spec's error format") {
    RequireError(Http(c.port(), "GET", "/staff.json"), 403);
    RequireError(Http(c.port(), "GET", "/staff.json?api_key=nonsense"), 403);
  }
  SECTION("with one, each account comes with the hash a device verifies the PIN against offline") {
    const auto staff = StaffJson(c, key);
    REQUIRE(staff.size() == 1);
    const JsonValue& a = staff.at("GN-ENG-04");
    CHECK(a.Str("name") == "सुनील पाटील");
    CHECK(a.Str("ward") == "08");
    CHECK(a.Str("department") == "roads");
    CHECK(a.Str("role") == "engineer");
    CHECK(a.Find("active")->boolean);
    const std::string hash = a.Str("pin_hash");
    CHECK(hash.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0);  // OWASP: 19 MiB, t=2, p=1
    CHECK(samvad::model::IsPinHash(hash));
    CHECK(samvad::model::VerifyPin(hash, "4821"));
    CHECK_FALSE(samvad::model::VerifyPin(hash, "4822"));
    CHECK(Http(c.port(), "POST", "/staff.json").status == 405);
  }
}

TEST_CASE("staff add refuses a PIN on the command line, a PIN the pad cannot type, a bad account and a duplicate",
          "[central][staff]") {
  Central c;
  const auto add = [&](std::vector<std::string> extra, const std::string& input) {
    std::vector<std::string> args{"staff", "add", "--user", "GN-ENG-05", "--name", "Asha Rane", "--ward", "08",
                                  "--dept", "roads", "--role", "engineer"};
    args.insert(args.end(), extra.begin(), extra.end());
    return c.CliWithInput(args, input);
  };
  const RunResult argv_pin = add({"--pin", "4821"}, "4821\n");
  CHECK(argv_pin.exit_code == 2);
  CHECK(argv_pin.out.find("standard input") != std::string::npos);
  for (const char* bad : {"", "\n", "482\n", "123456789\n", "48a1\n", "48 21\n", "1234\n", "0000\n", "121212\n"}) {
    INFO("PIN input '" << bad << "'");
    const RunResult r = add({}, bad);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("PIN") != std::string::npos);
  }
  const auto account = [&](const std::string& user, const std::string& ward, const std::string& dept,
                           const std::string& role, const std::string& name) {
    return c.CliWithInput({"staff", "add", "--user", user, "--name", name, "--ward", ward, "--dept", dept, "--role", role},
                          "4821\n");
  };
  CHECK(account("GN ENG", "08", "roads", "engineer", "A").exit_code == 2);         // space in the id
  CHECK(account(std::string(33, 'A'), "08", "roads", "engineer", "A").exit_code == 2);
  CHECK(account("GN-1", "99", "roads", "engineer", "A").exit_code == 2);           // no ward 99
  CHECK(account("GN-1", "08", "space", "engineer", "A").exit_code == 2);           // no such department
  CHECK(account("GN-1", "08", "roads", "commissioner", "A").exit_code == 2);       // not a role
  CHECK(account("GN-1", "08", "roads", "engineer", "").exit_code == 2);            // no name
  CHECK(account("GN-1", "08", "roads", "engineer", "A\tB").exit_code == 2);        // a control character

  REQUIRE(add({}, "4821\n").exit_code == 0);
  const RunResult again = account("gn-eng-05", "08", "roads", "engineer", "Someone else");  // same id, any case
  CHECK(again.exit_code == 1);
  CHECK(again.out.find("exists") != std::string::npos);
  const RunResult list = c.Cli({"staff", "list"});
  CHECK(list.out.find("GN-ENG-05") != std::string::npos);
  CHECK(list.out.find("Someone else") == std::string::npos);
  CHECK(list.out.find("GN-1") == std::string::npos);
}

TEST_CASE("A disabled account still reaches devices, marked inactive; staff pin gives it a new hash",
          "[central][staff]") {
  Central c;
  const std::string key = c.EnrollDevice();
  c.AddStaff("GN-ENG-04", "4821");
  c.AddStaff("GN-NODAL-1", "90210", "nodal_officer", "08", "roads", "Nodal Officer");
  const std::string old_hash = StaffJson(c, key).at("GN-ENG-04").Str("pin_hash");

  REQUIRE(c.Cli({"staff", "disable", "--user", "gn-eng-04"}).exit_code == 0);
  auto staff = StaffJson(c, key);
  REQUIRE(staff.size() == 2);  // inactive accounts are sent too: devices must stop accepting them
  CHECK_FALSE(staff.at("GN-ENG-04").Find("active")->boolean);
  CHECK(staff.at("GN-NODAL-1").Find("active")->boolean);
  CHECK(staff.at("GN-NODAL-1").Str("role") == "nodal_officer");

  REQUIRE(c.Cli({"staff", "enable", "--user", "GN-ENG-04"}).exit_code == 0);
  CHECK(StaffJson(c, key).at("GN-ENG-04").Find("active")->boolean);

  const RunResult pin = c.CliWithInput({"staff", "pin", "--user", "GN-ENG-04"}, "135790\n");
  INFO(pin.out);
  REQUIRE(pin.exit_code == 0);
  const std::string new_hash = StaffJson(c, key).at("GN-ENG-04").Str("pin_hash");
  CHECK(new_hash != old_hash);
  CHECK(samvad::model::VerifyPin(new_hash, "135790"));
  CHECK_FALSE(samvad::model::VerifyPin(new_hash, "4821"));

  CHECK(c.Cli({"staff", "disable", "--user", "NOBODY"}).exit_code == 1);
  CHECK(c.CliWithInput({"staff", "pin", "--user", "NOBODY"}, "1234\n").exit_code == 1);
  CHECK(c.CliWithInput({"staff", "pin", "--user", "GN-ENG-04"}, "12\n").exit_code == 1);
  CHECK(samvad::model::VerifyPin(StaffJson(c, key).at("GN-ENG-04").Str("pin_hash"), "135790"));  // unchanged
  CHECK(c.Cli({"staff", "frobnicate"}).exit_code == 2);
}

namespace {

std::set<std::string> Users(const std::map<std::string, JsonValue>& staff) {
  std::set<std::string> out;
  for (const auto& [user, account] : staff) out.insert(user);
  return out;
}

}  // namespace

TEST_CASE("A device enrolled for a ward is sent only that ward's staff accounts; scope changes it later",
          "[central][staff]") {
  Central c;
  c.AddStaff("GN-ENG-04", "4821", "engineer", "08");
  c.AddStaff("GN-WS-11", "135790", "ward_staff", "08", "roads", "Ward Staff");
  c.AddStaff("HE-ENG-02", "582913", "engineer", "09");
  std::string any_device, ward_device;
  const std::string any_key = c.EnrollDevice("older device", &any_device);
  const RunResult plain = c.Cli({"enroll", "--label", "no ward"});
  CHECK(plain.out.find("every ward's staff accounts") != std::string::npos);  // the operator is told
  const std::string ward_key = c.EnrollDevice("ward kiosk", &ward_device, {"--ward", "08"});

  // Enrolled without a ward (before wards were recorded, say): every account, as before.
  CHECK(Users(StaffJson(c, any_key)) == std::set<std::string>{"GN-ENG-04", "GN-WS-11", "HE-ENG-02"});
  // A ward's kiosk: its ward's accounts only. The other ward's PIN hashes never reach it.
  const auto ward_staff = StaffJson(c, ward_key);
  CHECK(Users(ward_staff) == std::set<std::string>{"GN-ENG-04", "GN-WS-11"});

  SECTION("a disabled account of the ward still reaches it, marked inactive (S3)") {
    REQUIRE(c.Cli({"staff", "disable", "--user", "GN-WS-11"}).exit_code == 0);
    const auto staff = StaffJson(c, ward_key);
    REQUIRE(staff.count("GN-WS-11") == 1);
    CHECK_FALSE(staff.at("GN-WS-11").Find("active")->boolean);
  }
  SECTION("scope moves a device to another ward, or back to every ward") {
    RunResult r = c.Cli({"scope", any_device, "--ward", "09"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(Users(StaffJson(c, any_key)) == std::set<std::string>{"HE-ENG-02"});
    r = c.Cli({"scope", ward_device, "--ward", "all"});
    REQUIRE(r.exit_code == 0);
    CHECK(Users(StaffJson(c, ward_key)).size() == 3);
  }
  SECTION("a ward that is not in wards.tsv, a missing --ward or an unknown device is refused") {
    RunResult r = c.Cli({"enroll", "--ward", "99"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("not a ward number of wards.tsv") != std::string::npos);
    CHECK(c.Cli({"scope", ward_device}).exit_code == 2);
    CHECK(c.Cli({"scope", ward_device, "--ward", "8x"}).exit_code == 2);
    r = c.Cli({"scope", "dev-nosuchdevice", "--ward", "08"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("no device") != std::string::npos);
    CHECK(Users(StaffJson(c, ward_key)).size() == 2);  // nothing changed
  }
}

TEST_CASE("A kiosk is not sent engineers' accounts, a tablet not ward staff's; a device of no kind, every role",
          "[central][staff]") {
  Central c;
  c.AddStaff("GN-ENG-04", "4821", "engineer", "08");
  c.AddStaff("GN-WS-11", "135790", "ward_staff", "08", "roads", "Ward Staff");
  c.AddStaff("GN-NO-01", "582913", "nodal_officer", "08", "roads", "Nodal Officer");
  std::string kiosk_device, tablet_device, older_device;
  const std::string kiosk_key = c.EnrollDevice("G/N kiosk 1", &kiosk_device, {"--ward", "08", "--kind", "kiosk"});
  const std::string tablet_key = c.EnrollDevice("G/N tablet 4", &tablet_device, {"--ward", "08", "--kind", "tablet"});
  const std::string older_key = c.EnrollDevice("enrolled before kinds", &older_device, {"--ward", "08"});
  const RunResult plain = c.Cli({"enroll", "--label", "no kind", "--ward", "08"});
  CHECK(plain.out.find("no --kind") != std::string::npos);  // the operator is told
  CHECK(plain.out.find("kind:   any") != std::string::npos);

  // The kiosk, in public view all day, holds no engineer's PIN hash; its staff sign in there.
  CHECK(Users(StaffJson(c, kiosk_key)) == std::set<std::string>{"GN-NO-01", "GN-WS-11"});
  // The engineer's tablet, carried on site all day, holds no ward clerk's either.
  CHECK(Users(StaffJson(c, tablet_key)) == std::set<std::string>{"GN-ENG-04", "GN-NO-01"});
  CHECK(Users(StaffJson(c, older_key)).size() == 3);

  SECTION("scope gives an enrolled device a kind, or takes it away, from its next sync") {
    RunResult r = c.Cli({"scope", older_device, "--kind", "kiosk"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(Users(StaffJson(c, older_key)) == std::set<std::string>{"GN-NO-01", "GN-WS-11"});
    r = c.Cli({"scope", kiosk_device, "--kind", "any"});
    REQUIRE(r.exit_code == 0);
    CHECK(Users(StaffJson(c, kiosk_key)).size() == 3);
    // Ward and kind together; the ward alone leaves the kind as it was.
    REQUIRE(c.Cli({"scope", tablet_device, "--ward", "09", "--kind", "kiosk"}).exit_code == 0);
    CHECK(StaffJson(c, tablet_key).empty());
    REQUIRE(c.Cli({"scope", tablet_device, "--ward", "08"}).exit_code == 0);
    CHECK(Users(StaffJson(c, tablet_key)) == std::set<std::string>{"GN-NO-01", "GN-WS-11"});
    // A ward whose only device is a tablet: `any` sends it every role again.
    REQUIRE(c.Cli({"scope", tablet_device, "--kind", "any"}).exit_code == 0);
    CHECK(Users(StaffJson(c, tablet_key)).size() == 3);
  }
  SECTION("an unknown kind, scope with neither option, or an unknown device is refused") {
    RunResult r = c.Cli({"enroll", "--kind", "phone"});
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("not kiosk, tablet or any") != std::string::npos);
    CHECK(c.Cli({"scope", kiosk_device}).exit_code == 2);
    CHECK(c.Cli({"scope", kiosk_device, "--kind", "Kiosk"}).exit_code == 2);
    r = c.Cli({"scope", "dev-nosuchdevice", "--kind", "tablet"});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("no device") != std::string::npos);
    CHECK(Users(StaffJson(c, kiosk_key)).size() == 2);  // nothing changed
  }
}

TEST_CASE("assign gives a request only to an active staff account", "[central][assign][staff]") {
  Central c;
  const std::string key = c.EnrollDevice();
  const std::string id = Create(c, key);
  const RunResult unknown = c.Cli({"assign", id, "GN-ENG-04"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.out.find("no staff account GN-ENG-04") != std::string::npos);

  c.AddStaff("GN-ENG-04", "4821");
  REQUIRE(c.Cli({"staff", "disable", "--user", "GN-ENG-04"}).exit_code == 0);
  const RunResult disabled = c.Cli({"assign", id, "GN-ENG-04"});
  CHECK(disabled.exit_code == 1);
  CHECK(disabled.out.find("disabled") != std::string::npos);
  const Headers auth = {{"Authorization", "Bearer " + key}};  // a device's view: the public one has no staff ids
  CHECK(Http(c.port(), "GET", "/requests/" + id + ".json", "", auth).Json().items.at(0).Str("assigned_to").empty());

  REQUIRE(c.Cli({"staff", "enable", "--user", "GN-ENG-04"}).exit_code == 0);
  const RunResult ok = c.Cli({"assign", id, "gn-eng-04"});
  INFO(ok.out);
  REQUIRE(ok.exit_code == 0);
  const JsonValue q = Http(c.port(), "GET", "/requests/" + id + ".json", "", auth).Json().items.at(0);
  CHECK(q.Str("assigned_to") == "GN-ENG-04");
  CHECK(q.Str("detailed_status") == "in_progress");  // someone is on it: the citizen sees that
  CHECK(q.Str("status") == "open");
  CHECK(c.Cli({"assign", "999999", "GN-ENG-04"}).exit_code == 1);
  CHECK(c.Cli({"assign", id}).exit_code == 2);
  CHECK(c.Cli({"assign", id, "not an id"}).exit_code == 1);
}

TEST_CASE("GET /requests.json?assigned_to= lists an engineer's work by due time, with what a detail view needs",
          "[central][assign][open311]") {
  Central c;
  const std::string key = c.EnrollDevice();
  c.AddStaff("GN-ENG-04", "4821");
  c.AddStaff("GN-ENG-07", "4822");
  // SLAs from categories.tsv: encroachment 168 h, pothole 48 h, garbage 12 h, water 24 h.
  const std::string slow = Create(c, key, "encroachment", "Hawkers block the footpath");
  const std::string mid = Create(c, key, "pothole");
  const std::string fast = Create(c, key, "garbage", "कचरा दोन दिवस उचलला नाही");
  const std::string other = Create(c, key, "water");
  const std::string old = Create(c, key, "water", "Leak for months");
  for (const auto& id : {slow, mid, fast, old}) REQUIRE(c.Cli({"assign", id, "GN-ENG-04"}).exit_code == 0);
  REQUIRE(c.Cli({"assign", other, "GN-ENG-07"}).exit_code == 0);
  // Complained about 200 days ago and still open: an engineer's list has no 90-day window.
  ExecSql(c.db_url(), "UPDATE requests SET requested_at = requested_at - 200 * 86400 WHERE id = " + old);

  // Only a device may list an engineer's work; to anyone else it is not public.
  const Reply anyone = Http(c.port(), "GET", "/requests.json?assigned_to=gn-eng-04");
  RequireError(anyone, 403);
  CHECK(anyone.body.find("api_key") != std::string::npos);
  const Headers auth = {{"Authorization", "Bearer " + key}};
  const Reply r = Http(c.port(), "GET", "/requests.json?assigned_to=gn-eng-04", "", auth);
  INFO(r.body);
  REQUIRE(r.status == 200);
  const JsonValue list = r.Json();
  std::vector<std::string> order;
  for (const auto& q : list.items) order.push_back(q.Str("service_request_id"));
  CHECK(order == std::vector<std::string>{old, fast, mid, slow});  // soonest due first
  std::int64_t previous = 0;
  for (const auto& q : list.items) {
    INFO("request " << q.Str("service_request_id"));
    std::int64_t due = 0;
    REQUIRE(o311::ParseDatetime(q.Str("expected_datetime"), &due));
    CHECK(due >= previous);
    previous = due;
    CHECK(q.Str("assigned_to") == "GN-ENG-04");
    CHECK_FALSE(q.Str("description").empty());
    CHECK(q.Str("address") == "Near Dadar TT circle");
    CHECK(q.Str("ticket") == "08-001-00042-9");
    CHECK(q.Str("ward") == "08");
    CHECK(q.Str("detailed_status") == "in_progress");
    CHECK(std::stoll(q.Str("latest_update_id")) > 0);
    for (const char* array : {"media_urls", "before_media_urls", "after_media_urls"}) {
      INFO(array);
      REQUIRE(q.Find(array));
      CHECK(q.Find(array)->type == JsonValue::Type::Array);
    }
  }
  CHECK(list.items.at(1).Str("description") == "कचरा दोन दिवस उचलला नाही");
  CHECK(list.items.at(1).Str("department") == "solid_waste");

  const auto list_of = [&](const std::string& query) { return Http(c.port(), "GET", "/requests.json?" + query, "", auth); };
  const Reply b = list_of("assigned_to=GN-ENG-07");
  REQUIRE(b.status == 200);
  REQUIRE(b.Json().items.size() == 1);
  CHECK(b.Json().items[0].Str("service_request_id") == other);
  CHECK(list_of("assigned_to=GN-ENG-04&status=closed").Json().items.empty());
  CHECK(list_of("assigned_to=GN-ENG-04&page_size=2&page=2").Json().items.size() == 2);
  CHECK(list_of("assigned_to=NOBODY").Json().items.empty());
  RequireError(list_of("assigned_to=a%20b"), 400);
}
