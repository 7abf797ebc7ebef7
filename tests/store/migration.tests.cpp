// migration.tests.cpp — every committed fixture (assets/store/fixtures/vN.db, one per schema
// version) opens and migrates to the current version with its data intact; a newer or corrupt
// database is handled as store.h promises.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "app/store/complaint_store.h"
#include "app/store/field_store.h"
#include "app/store/staff_store.h"
#include "app/store/store.h"
#include "support.h"

using namespace samvad;
namespace fs = std::filesystem;

namespace {
const fs::path kFixtures = fs::path(SAMVAD_SOURCE_DIR) / "assets/store/fixtures";

std::string Meta(sqlite3* db, const char* key) {
  sqlite3_stmt* st = nullptr;
  std::string v;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  return v;
}

// The fixture's meta rows as written, read from a private copy opened read-only.
std::string FixtureMeta(const fs::path& file, const char* key) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::string v = Meta(db, key);
  sqlite3_close(db);
  return v;
}
}  // namespace

TEST_CASE("a fixture database is committed for every schema version", "[store][migration]") {
  for (int v = 1; v <= store::Store::kSchemaVersion; ++v) {
    INFO("assets/store/fixtures/v" << v << ".db");
    CHECK(fs::exists(kFixtures / ("v" + std::to_string(v) + ".db")));
  }
}

TEST_CASE("every fixture migrates to the current version with its data intact", "[store][migration]") {
  for (int v = 1; v <= store::Store::kSchemaVersion; ++v) {
    const fs::path fixture = kFixtures / ("v" + std::to_string(v) + ".db");
    if (!fs::exists(fixture)) continue;  // the test above fails for it
    DYNAMIC_SECTION("from v" << v) {
      test::TempDir dir("migrate");
      const fs::path copy = dir.path() / "samvad.db";
      fs::copy_file(fixture, copy);  // the committed file is never opened for writing
      const std::string created = FixtureMeta(copy, "created");
      const std::string marker = FixtureMeta(copy, "fixture");
      REQUIRE_FALSE(created.empty());
      REQUIRE(marker.find("v" + std::to_string(v)) == 0);

      store::ComplaintStore s;
      std::string msg;
      REQUIRE(s.Open(dir.str(), &msg) == store::OpenStatus::Ok);
      CHECK(s.store().schema_version() == store::Store::kSchemaVersion);
      CHECK(s.store().IntegrityOk());
      CHECK(Meta(s.store().db(), "created") == created);
      CHECK(Meta(s.store().db(), "fixture") == marker);

      if (v >= 2) {  // complaints exist from v2 on: they read back as they were written
        model::Ticket t;
        REQUIRE(model::ParseTicket("12-007-00001-8", &t) == model::TicketError::None);
        CHECK(s.Lookup(t).status == store::LookupStatus::NeedPhoneDigits);
        const store::LookupResult l = s.Lookup(t, "3456");
        REQUIRE(l.status == store::LookupStatus::Found);
        CHECK(l.current == model::Status::InProgress);
        CHECK(l.masked_phone == "******3456");
        REQUIRE(l.history.size() == 3);
        CHECK(l.history[2].note == "कंत्राटदाराला कळवले");
        CHECK(l.last_sync_at == 1718090000);
        CHECK(l.sent);
        model::OutboxEntry e;
        REQUIRE(s.outbox().Get(t, &e) == model::OutboxResult::Ok);
        CHECK(e.central_id == "BMC-2024-000123");
        REQUIRE(e.complaint.photos.size() == 1);
        CHECK(e.complaint.photos[0].width == 1600);
        CHECK(e.complaint.landmark == "अंधेरी स्टेशनजवळ");
        CHECK(model::ValidateComplaint(e.complaint).empty());
        std::vector<model::OutboxEntry> due;
        REQUIRE(s.outbox().ListDue(1718007200, 10, &due) == model::OutboxResult::Ok);
        REQUIRE(due.size() == 1);
        CHECK(due[0].complaint.description == "কাঁচা আবর্জনা জমে আছে");
        CHECK(due[0].last_error == "HTTP 503");
        CHECK(s.device().next_sequence == (v >= 3 ? 4 : 3));
        CHECK_FALSE(l.purged_at);  // from v3 on; a migrated row was never purged
        CHECK(l.purged_photos == 0);
      }
      if (v >= 3) {  // retention's marks exist from v3 on: a purged complaint reads back purged
        model::Ticket t;
        REQUIRE(model::ParseTicket("12-007-00003-9", &t) == model::TicketError::None);
        const store::LookupResult l = s.Lookup(t);  // no phone left: no digits asked
        REQUIRE(l.status == store::LookupStatus::Found);
        CHECK(l.purged_at == 1721000000);
        CHECK(l.purged_photos == 2);
        CHECK(l.current == model::Status::Resolved);
        REQUIRE(l.history.size() == 3);
        CHECK(l.history[2].note == "दिवा बदलला");
        model::OutboxEntry e;
        REQUIRE(s.outbox().Get(t, &e) == model::OutboxResult::Ok);
        CHECK(e.central_id == "BMC-2024-000150");
        CHECK(e.complaint.photos.empty());
        CHECK_FALSE(e.complaint.phone);
      }

      // Staff accounts exist from v4 on; an older database migrates to an empty list.
      store::StaffStore staff(s.store(), s.db_mutex());
      CHECK(staff.AccountCount() == (v >= 4 ? 2 : 0));
      if (v >= 4) {  // central's accounts, and GN-ENG-04's lock from five wrong PINs, survive
        std::vector<store::StaffAccount> accounts;
        REQUIRE(staff.Accounts(&accounts));
        REQUIRE(accounts.size() == 2);
        CHECK(accounts[0] == store::StaffAccount{"GN-ENG-04", "सुनीता पाटील", "G/N", "ENG",
                                                 store::StaffRole::Engineer, true});
        CHECK(accounts[1] == store::StaffAccount{"GN-WS-11", "অনিতা দাস", "G/N", "SWM",
                                                 store::StaffRole::WardStaff, false});
        CHECK(staff.AccountsSyncedAt() == 1718090000);
        const store::SignInResult locked = staff.SignIn("GN-ENG-04", "4321", 1718100010);
        CHECK(locked.status == store::SignInStatus::LockedOut);
        CHECK(locked.retry_after_s == 20);
        CHECK(staff.SignIn("gn-eng-04", "4321", 1718100030).status == store::SignInStatus::Ok);
        CHECK(staff.SignIn("GN-WS-11", "135790", 1718100030).status == store::SignInStatus::Inactive);
      }

      // The field engineer's work exists from v5 on: the assigned complaint and the waiting update.
      store::FieldStore field(s.store(), s.db_mutex(), dir.str() + "/field");
      std::vector<store::AssignedView> assigned;
      REQUIRE(field.ListAssigned("GN-ENG-04", 1718100200, &assigned));
      CHECK(assigned.size() == (v >= 5 ? 1u : 0u));
      std::vector<model::FieldUpdate> due;
      REQUIRE(field.ListDueUpdates(1718100200, 10, &due));
      CHECK(due.size() == (v >= 5 ? 1u : 0u));
      if (v >= 5) {
        CHECK(assigned[0].request.description == "रस्त्यावर मोठा खड्डा");
        CHECK(assigned[0].shown_status == "in_progress");
        CHECK(assigned[0].pending_updates == 1);
        CHECK(due[0].note == "खडी टाकली");
        REQUIRE(due[0].photos.size() == 1);
        CHECK(due[0].photos[0].kind == "before");
        // When it was taken is known from v8 on; an older photo reads as unknown (0).
        CHECK(due[0].photos[0].taken_at == (v >= 8 ? 1718090000 : 0));
      }
      // Development works exist from v6 on.
      std::vector<store::DevWorkRow> works;
      REQUIRE(field.ListWorks(10, &works));
      CHECK(works.size() == (v >= 6 ? 1u : 0u));
      if (v >= 6) {
        CHECK(works[0].title == "नाला सफाई, सेनापती बापट मार्ग");
        CHECK(works[0].state == "pending");
        CHECK(works[0].photos == 1);
      }
      // Central's history of an assigned complaint exists from v7 on.
      store::AssignedDetail detail;
      if (v >= 5) {
        REQUIRE(field.GetAssigned("17", 1718100200, &detail));
        CHECK(detail.central_history.size() == (v >= 7 ? 2u : 0u));
        if (v >= 7) CHECK(detail.central_history[1].note == "Assigned to GN-ENG-04");
      }

      // The migrated database takes new complaints.
      if (!s.device().enrolled) REQUIRE(s.Enrol(1, 1) == store::EnrolStatus::Ok);
      const store::SubmitResult r = s.Submit(test::Draft());
      CHECK(r.status == store::SubmitStatus::Ok);
    }
  }
}

TEST_CASE("a database from a newer Samvad is refused and left exactly as it was", "[store][migration]") {
  test::TempDir dir("newer");
  const std::string path = dir.str() + "/samvad.db";
  {
    store::Store s;
    std::string msg;
    REQUIRE(s.Open(path, &msg) == store::OpenStatus::Ok);
    REQUIRE(sqlite3_exec(s.db(), "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  store::Store s;
  std::string msg;
  CHECK(s.Open(path, &msg) == store::OpenStatus::Failed);
  CHECK(msg.find("newer") != std::string::npos);
  int aside = 0;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().string().find(".corrupt-") != std::string::npos) ++aside;
  CHECK(aside == 0);
  CHECK(fs::exists(path));
}
