// central_upgrade.tests.cpp — a database made by a version-2 central (before the field tablet's
// schema) opens with this one, is upgraded in place, and keeps what it held: requests, their
// status history, uploads (rebuilt into the table that also takes works' photos). The fixture is
// version 2's schema as SQL text, run on the backend under test. And a version-8 database gains
// uploads.taken_at (version 9) and uploads.metadata (version 10) with every upload kept, none
// given a time or a metadata header.
#include <catch2/catch.hpp>

#include "harness.h"
#include "sync/central/storage.h"

using namespace samvad::testing;
using namespace samvad::central;

namespace {

// samvad-central's schema at version 2 (kSchema + upgrade 2), with {ID} spelled per engine, and
// one closed request with a photo, as a field update left it.
std::string Version2Fixture(bool pg) {
  const std::string id = pg ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  return "CREATE TABLE samvad_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
         "CREATE TABLE services (code TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
         " grp TEXT NOT NULL, sla_hours BIGINT NOT NULL);"
         "CREATE TABLE devices (device_id TEXT PRIMARY KEY, label TEXT NOT NULL, code_hash TEXT UNIQUE,"
         " code_expires_at BIGINT, key_hash TEXT UNIQUE, created_at BIGINT NOT NULL, enrolled_at BIGINT, revoked_at BIGINT);"
         "CREATE TABLE requests (id " + id + ", client_uuid TEXT NOT NULL UNIQUE,"
         " service_code TEXT NOT NULL REFERENCES services(code), status TEXT NOT NULL,"
         " status_notes TEXT NOT NULL, description TEXT NOT NULL, address TEXT NOT NULL, address_id TEXT NOT NULL,"
         " lat DOUBLE PRECISION, lon DOUBLE PRECISION, ward TEXT NOT NULL, ticket TEXT NOT NULL,"
         " ticket_digits TEXT NOT NULL, email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,"
         " phone TEXT NOT NULL, account_id TEXT NOT NULL, device_hw_id TEXT NOT NULL, media_url TEXT NOT NULL,"
         " device_id TEXT NOT NULL, captured_at BIGINT, requested_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
         " assigned_to TEXT NOT NULL, photo_upload_id TEXT NOT NULL, thumb_upload_id TEXT NOT NULL);"
         "CREATE INDEX requests_ticket ON requests(ticket_digits);"
         "CREATE INDEX requests_requested ON requests(requested_at);"
         "CREATE TABLE idempotency (idem_key TEXT PRIMARY KEY, device_id TEXT NOT NULL,"
         " endpoint TEXT NOT NULL, payload_hash TEXT NOT NULL, status_code BIGINT NOT NULL, body TEXT NOT NULL,"
         " result_id BIGINT NOT NULL, created_at BIGINT NOT NULL);"
         "CREATE TABLE updates (update_id " + id + ", request_id BIGINT NOT NULL REFERENCES requests(id),"
         " status TEXT NOT NULL, description TEXT NOT NULL, media_url TEXT NOT NULL, device_id TEXT NOT NULL,"
         " created_at BIGINT NOT NULL);"
         "CREATE TABLE uploads (upload_id TEXT PRIMARY KEY, request_id BIGINT NOT NULL"
         " REFERENCES requests(id), kind TEXT NOT NULL, length BIGINT NOT NULL, received BIGINT NOT NULL,"
         " content_type TEXT NOT NULL, filename TEXT NOT NULL, device_id TEXT NOT NULL, created_at BIGINT NOT NULL,"
         " completed_at BIGINT, UNIQUE (request_id, kind));"
         "CREATE TABLE assignments (id " + id + ", request_id BIGINT NOT NULL REFERENCES requests(id),"
         " assignee TEXT NOT NULL, created_at BIGINT NOT NULL);"
         "ALTER TABLE uploads ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';"
         "INSERT INTO samvad_meta (name, value) VALUES ('schema_version', '2');"
         "INSERT INTO services VALUES ('pothole', 'Pothole or damaged road', '', 'Roads', 48);"
         "INSERT INTO requests (client_uuid, service_code, status, status_notes, description, address, address_id,"
         " lat, lon, ward, ticket, ticket_digits, email, first_name, last_name, phone, account_id, device_hw_id,"
         " media_url, device_id, captured_at, requested_at, updated_at, assigned_to, photo_upload_id, thumb_upload_id)"
         " VALUES ('0b7e3c1a-5d2f-4e8a-9c61-2f4d8a7b9e10', 'pothole', 'closed', 'Filled', 'Big pothole', '', '',"
         " 19.0, 72.8, '08', '', '', '', '', '', '', '', '', '', 'dev-1', NULL, 1700000000, 1700003600, '',"
         " '00112233445566778899aabbccddeeff', '');"
         "INSERT INTO updates (request_id, status, description, media_url, device_id, created_at)"
         " VALUES (1, 'open', 'Complaint received', '', 'dev-1', 1700000000);"
         "INSERT INTO updates (request_id, status, description, media_url, device_id, created_at)"
         " VALUES (1, 'open', 'Assigned to GN-ENG-04', '', '', 1700001800);"  // as `assign` writes it
         "INSERT INTO updates (request_id, status, description, media_url, device_id, created_at)"
         " VALUES (1, 'fixed', 'Filled', '', 'dev-2', 1700003600);"
         "INSERT INTO uploads (upload_id, request_id, kind, length, received, content_type, filename, device_id,"
         " created_at, completed_at, sha256) VALUES ('00112233445566778899aabbccddeeff', 1, 'photo', 10, 10,"
         " 'image/jpeg', '', 'dev-1', 1700000000, 1700000100, '');";
}

}  // namespace

TEST_CASE("A version-2 database is upgraded to version 3 in place and keeps its requests, history and uploads",
          "[central][storage][upgrade]") {
  const std::string dir = MakeTempDir("samvad-upgrade");
  const std::string url = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir + "/central.db";
  ExecSql(url, Version2Fixture(UsingPostgres()));

  std::string error;
  auto db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  samvad::protocol::open311::ServiceRequest r;
  bool found = false;
  REQUIRE(db->GetRequest(1, &r, &found).ok());
  REQUIRE(found);
  CHECK(r.status == "closed");
  CHECK(r.detailed_status == "fixed");  // from its last update
  CHECK(r.latest_update_id == 3);
  CHECK(r.status_changed_at == 1700003600);
  CHECK(r.photo_upload_id == "00112233445566778899aabbccddeeff");
  CHECK(r.agency_responsible == "Roads");
  Upload u;
  REQUIRE(db->GetUpload("00112233445566778899aabbccddeeff", &u, &found).ok());
  REQUIRE(found);
  CHECK(u.request_id == 1);
  CHECK(u.work_id == 0);
  CHECK(u.received == 10);
  CHECK_FALSE(u.taken_at);  // version 9: no upload made before it says when it was taken
  std::vector<samvad::protocol::open311::ServiceRequest> resolved;
  REQUIRE(db->ResolvedRequests(10, &resolved).ok());
  CHECK(resolved.size() == 1);
  // Version 7: an assignment names its engineer in user_id, taken from its text; others name nobody.
  std::vector<samvad::protocol::open311::RequestUpdate> feed;
  REQUIRE(db->FeedAfter(0, 10, &feed).ok());
  REQUIRE(feed.size() == 3);
  CHECK(feed[0].user_id.empty());
  CHECK(feed[1].user_id == "GN-ENG-04");
  CHECK(feed[2].user_id.empty());

  // What version 3 added works on the upgraded database.
  REQUIRE(db->SeedDepartments({{"roads", "Roads"}, {"water", "Water"}}).ok());
  REQUIRE(db->SeedServices({{"pothole", "Pothole or damaged road", "", "Roads", 48, "roads"}}).ok());
  samvad::protocol::open311::NewWork w;
  w.client_uuid = "5e0c7a91-3b2d-4f6e-8a1c-9d2b4e6f8a10";
  w.title = "Nala cleaning";
  w.lang = "en";
  w.ward = "08";
  IdemOutcome out;
  REQUIRE(db->CreateWork(w, {w.client_uuid, "dev-1", "works", "h"}, [](std::int64_t) { return std::string("{}"); }, &out)
              .ok());
  REQUIRE(out.kind == IdemOutcome::Kind::kCreated);
  Upload want, got;
  want.id = "ffeeddccbbaa99887766554433221100";
  want.work_id = out.id;
  want.kind = "after";
  want.length = 5;
  want.content_type = "image/jpeg";
  want.device_id = "dev-1";
  UploadCreate result;
  REQUIRE(db->CreateUpload(want, &got, &result).ok());
  CHECK(result == UploadCreate::kCreated);
  // The request's own upload kinds stay one per request: U4 survived the rebuild.
  want.id = "0123456789abcdef0123456789abcdef";
  want.work_id = 0;
  want.request_id = 1;
  want.kind = "photo";
  want.length = 99;
  REQUIRE(db->CreateUpload(want, &got, &result).ok());
  CHECK(result == UploadCreate::kConflict);

  // Opening again finds version 3 and changes nothing.
  db.reset();
  db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  REQUIRE(db->GetRequest(1, &r, &found).ok());
  CHECK(r.detailed_status == "fixed");
  db.reset();
  RemoveTree(dir);
}

TEST_CASE("A version-8 database gains uploads.taken_at and .metadata in place: every upload kept, none given a "
          "time or a header",
          "[central][storage][upgrade]") {
  const std::string dir = MakeTempDir("samvad-upgrade");
  const std::string url = UsingPostgres() ? NewPostgresDatabase() : "sqlite:" + dir + "/central.db";
  ExecSql(url, Version2Fixture(UsingPostgres()));
  std::string error;
  REQUIRE(Storage::Open(url, &error) != nullptr);  // up to the current version, then closed
  // Back to version 8 exactly: versions 9 and 10 did nothing but add a column each. (A step added
  // after 10 that is not idempotent makes this setup fail loudly: then start from a version-8
  // fixture.) As a version-8 central left it: a field engineer's finished after photo beside the
  // citizen's.
  ExecSql(url, "ALTER TABLE uploads DROP COLUMN taken_at;"
               "ALTER TABLE uploads DROP COLUMN metadata;"
               "UPDATE samvad_meta SET value = '8' WHERE name = 'schema_version';"
               "INSERT INTO uploads (upload_id, request_id, kind, length, received, content_type, filename, device_id,"
               " created_at, completed_at, sha256) VALUES ('aabbccddeeff00112233445566778899', 1, 'after', 7, 7,"
               " 'image/jpeg', '', 'dev-2', 1700003000, 1700003100, '');");

  auto db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  Upload u;
  bool found = false;
  REQUIRE(db->GetUpload("00112233445566778899aabbccddeeff", &u, &found).ok());
  REQUIRE(found);
  CHECK(u.kind == "photo");
  CHECK(u.received == 10);
  CHECK_FALSE(u.taken_at);
  CHECK(u.metadata.empty());  // HEAD then sends no Upload-Metadata: none was kept
  std::vector<Upload> work;
  REQUIRE(db->WorkPhotos({1}, {}, &work).ok());
  REQUIRE(work.size() == 1);
  CHECK(work[0].id == "aabbccddeeff00112233445566778899");
  CHECK(work[0].received == 7);
  CHECK(work[0].device_id == "dev-2");
  CHECK_FALSE(work[0].taken_at);
  const auto published = PublishedWorkPhotos(work, 1, 0);
  REQUIRE(published.size() == 1);
  CHECK(published[0].kind == "after");
  CHECK(published[0].index == 0);
  CHECK_FALSE(published[0].taken_at);

  // The new column takes a time, and keeps the first one a repeated create declares.
  Upload want, got;
  want.id = "0123456789abcdef0123456789abcdef";
  want.request_id = 1;
  want.kind = "before";
  want.length = 9;
  want.content_type = "image/jpeg";
  want.device_id = "dev-2";
  want.taken_at = 1795495830;  // 2026-11-24T04:50:30Z
  want.metadata = "service_request_id MQ==,kind YmVmb3Jl";
  UploadCreate result;
  REQUIRE(db->CreateUpload(want, &got, &result).ok());
  CHECK(result == UploadCreate::kCreated);
  want.id = "fedcba9876543210fedcba9876543210";
  want.taken_at = 1795582230;
  REQUIRE(db->CreateUpload(want, &got, &result).ok());
  CHECK(result == UploadCreate::kExisting);
  CHECK(got.id == "0123456789abcdef0123456789abcdef");
  REQUIRE(db->GetUpload("0123456789abcdef0123456789abcdef", &u, &found).ok());
  REQUIRE(found);
  CHECK(u.taken_at == std::optional<std::int64_t>(1795495830));
  CHECK(u.metadata == "service_request_id MQ==,kind YmVmb3Jl");

  // Opening again finds version 10 and changes nothing.
  db.reset();
  db = Storage::Open(url, &error);
  INFO(error);
  REQUIRE(db);
  REQUIRE(db->GetUpload("0123456789abcdef0123456789abcdef", &u, &found).ok());
  CHECK(u.taken_at == std::optional<std::int64_t>(1795495830));
  db.reset();
  RemoveTree(dir);
}
