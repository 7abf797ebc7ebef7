// fixture_tool.cpp — writes assets/store/fixtures/vN.db: a database made by the migrations of
// version N, with a little data in it, so the next schema's migration is tested against the
// real thing. Run it for the current version when adding a migration step, and commit its output:
//
//   store_fixture_tool assets/store/fixtures/v2.db 2
//
// The data it writes for a version is frozen with that version: when step N+1 lands, the
// branch for N stays as it is (it describes the schema of N, not the current one).
#include <sqlite3.h>

#include <cstdio>
#include <string>

#include "app/store/store.h"

namespace {

bool Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return true;
  std::fprintf(stderr, "store_fixture_tool: %s\n", err ? err : "?");
  sqlite3_free(err);
  return false;
}

// Version 1: only meta. A marker row is the data the migration test expects to survive.
constexpr const char* kDataV1 =
    "INSERT INTO meta(key, value) VALUES('fixture', 'v1 written by store_fixture_tool');";

// Version 2: one complaint sent with a phone, photo and history; one pending without a phone.
constexpr const char* kDataV2 =
    "INSERT INTO meta(key, value) VALUES('fixture', 'v2 written by store_fixture_tool');"
    "INSERT INTO device(id, ward_no, device_no, next_seq, enrolled_at) VALUES(1, 12, 7, 3, 1718000000);"
    "INSERT INTO complaints VALUES('12007000018', 12, 7, 1, '0f8fad5b-d9cb-469f-a165-70867728950e',"
    "  'pothole', 'K/E', 'अंधेरी स्टेशनजवळ', 'रस्त्यावर मोठा खड्डा आहे', '9820123456', 'mr', 1718000000, 'in_progress');"
    "INSERT INTO photos VALUES('12007000018', 0,"
    "  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 3, 1600, 1200,"
    "  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.jpg',"
    "  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1,"
    "  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.jpg');"
    "INSERT INTO outbox VALUES('12007000018', 'sent', 1, NULL, 1718000000, 'BMC-2024-000123', 1718000100, 1718090000);"
    "INSERT INTO status_events(ticket, status, at, note) VALUES"
    "  ('12007000018', 'filed', 1718000000, ''),"
    "  ('12007000018', 'received', 1718000100, ''),"
    "  ('12007000018', 'in_progress', 1718090000, 'कंत्राटदाराला कळवले');"
    "INSERT INTO complaints VALUES('12007000026', 12, 7, 2, '7c9e6679-7425-40de-944b-e07fc1f90ae7',"
    "  'garbage', 'K/E', '', 'কাঁচা আবর্জনা জমে আছে', NULL, 'bn', 1718003600, 'filed');"
    "INSERT INTO outbox VALUES('12007000026', 'pending', 2, 'HTTP 503', 1718007200, NULL, NULL, NULL);"
    "INSERT INTO status_events(ticket, status, at, note) VALUES ('12007000026', 'filed', 1718003600, '');";

// Version 3: version 2's two complaints, and a third that retention purged (no phone, no photo
// rows, purged_at and purged_photos set) with its history kept.
constexpr const char* kDataV3 =
    "INSERT INTO meta(key, value) VALUES('fixture', 'v3 written by store_fixture_tool');"
    "INSERT INTO device(id, ward_no, device_no, next_seq, enrolled_at) VALUES(1, 12, 7, 4, 1718000000);"
    "INSERT INTO complaints VALUES('12007000018', 12, 7, 1, '0f8fad5b-d9cb-469f-a165-70867728950e',"
    "  'pothole', 'K/E', 'अंधेरी स्टेशनजवळ', 'रस्त्यावर मोठा खड्डा आहे', '9820123456', 'mr', 1718000000, 'in_progress',"
    "  NULL, 0);"
    "INSERT INTO photos VALUES('12007000018', 0,"
    "  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 3, 1600, 1200,"
    "  'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.jpg',"
    "  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1,"
    "  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.jpg');"
    "INSERT INTO outbox VALUES('12007000018', 'sent', 1, NULL, 1718000000, 'BMC-2024-000123', 1718000100, 1718090000);"
    "INSERT INTO status_events(ticket, status, at, note) VALUES"
    "  ('12007000018', 'filed', 1718000000, ''),"
    "  ('12007000018', 'received', 1718000100, ''),"
    "  ('12007000018', 'in_progress', 1718090000, 'कंत्राटदाराला कळवले');"
    "INSERT INTO complaints VALUES('12007000026', 12, 7, 2, '7c9e6679-7425-40de-944b-e07fc1f90ae7',"
    "  'garbage', 'K/E', '', 'কাঁচা আবর্জনা জমে আছে', NULL, 'bn', 1718003600, 'filed', NULL, 0);"
    "INSERT INTO outbox VALUES('12007000026', 'pending', 2, 'HTTP 503', 1718007200, NULL, NULL, NULL);"
    "INSERT INTO status_events(ticket, status, at, note) VALUES ('12007000026', 'filed', 1718003600, '');"
    "INSERT INTO complaints VALUES('12007000039', 12, 7, 3, '16fd2706-8baf-433b-82eb-8c7fada847da',"
    "  'streetlight', 'K/E', 'गल्ली क्र. ३', 'दिवा बंद आहे', NULL, 'mr', 1718007200, 'resolved',"
    "  1721000000, 2);"
    "INSERT INTO outbox VALUES('12007000039', 'sent', 1, NULL, 1718007200, 'BMC-2024-000150', 1718007300, 1718500000);"
    "INSERT INTO status_events(ticket, status, at, note) VALUES"
    "  ('12007000039', 'filed', 1718007200, ''),"
    "  ('12007000039', 'received', 1718007300, ''),"
    "  ('12007000039', 'resolved', 1718500000, 'दिवा बदलला');";

// Version 4: version 3's data (kDataV3 runs first, then this marks the file as v4) and two staff
// accounts as central sent them. GN-ENG-04 (PIN 4321) is locked by five wrong PINs, the fifth at
// 1718100000 for 30 s; GN-WS-11 (PIN 135790) is deactivated and has no failures.
constexpr const char* kDataV4 =
    "UPDATE meta SET value = 'v4 written by store_fixture_tool' WHERE key = 'fixture';"
    "INSERT INTO meta(key, value) VALUES('staff_synced_at', '1718090000');"
    "INSERT INTO staff(user_id, display_name, ward_code, department, role, active, pin_hash,"
    "  failures, last_failure_at, locked_until) VALUES"
    "  ('GN-ENG-04', 'सुनीता पाटील', 'G/N', 'ENG', 'engineer', 1,"
    "   '$argon2id$v=19$m=19456,t=2,p=1$DPm2ChSRHDXAAaLV/j1bcQ$pvmzijhPzDkEJtwbkQ8LFIzLPm3ePVHzPIyumcVMN7E',"
    "   5, 1718100000, 1718100030),"
    "  ('GN-WS-11', 'অনিতা দাস', 'G/N', 'SWM', 'ward_staff', 0,"
    "   '$argon2id$v=19$m=19456,t=2,p=1$nsJv1U9LfYRe3UyDuTpL2g$StYmgXZePVGPlW21RRzP4TvDk5QfQD06irtnpXbeHiw',"
    "   0, NULL, NULL);";

// Version 5: version 4's data and the field engineer's work: one assigned complaint and one
// work-log update waiting to be sent, with its before photo (the file itself is not part of a
// fixture: a missing work photo is the sync's problem, not the migration's).
constexpr const char* kDataV5 =
    "UPDATE meta SET value = 'v5 written by store_fixture_tool' WHERE key = 'fixture';"
    "INSERT INTO field_users(user_id, last_signin_at) VALUES('GN-ENG-04', 1718100030);"
    "INSERT INTO assigned(central_id, user_id, ticket, service_code, description, address, lang,"
    "  status, detailed_status, department, latest_update_id, lat, lon, requested_at, expected_at,"
    "  photo_count, thumbnail_url, listed_at) VALUES"
    "  ('17', 'GN-ENG-04', '08-001-00042-7', 'pothole', 'रस्त्यावर मोठा खड्डा', 'near Shivaji Park, G/N',"
    "   'mr', 'open', 'in_progress', 'roads', '31', 19.0269, 72.8383, 1718000000, 1718172800, 1, '',"
    "   1718100000);"
    "INSERT INTO field_updates(uuid, central_id, ticket, user_id, status, note, department, based_on,"
    "  recorded_at, lat, lon, clock_suspect) VALUES"
    "  ('7d0c3b4e-2f7a-4c1e-9b8a-5e6f7a8b9c0d', '17', '08-001-00042-7', 'GN-ENG-04', 'in_progress',"
    "   'खडी टाकली', '', '31', 1718100100, NULL, NULL, 0);"
    "INSERT INTO field_photos(uuid, central_id, kind, idx, sha256, bytes, file) VALUES"
    "  ('7d0c3b4e-2f7a-4c1e-9b8a-5e6f7a8b9c0d', '17', 'before', 0,"
    "   'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 1000,"
    "   'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jpg');";

// Version 6: version 5's data and a development work waiting to be sent, with an after photo.
constexpr const char* kDataV6 =
    "UPDATE meta SET value = 'v6 written by store_fixture_tool' WHERE key = 'fixture';"
    "INSERT INTO works(uuid, user_id, title, description, lang, ward, lat, lon, created_at) VALUES"
    "  ('3b1f2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'GN-ENG-04', 'नाला सफाई, सेनापती बापट मार्ग',"
    "   'पावसाळ्यापूर्वी नाल्यातील गाळ काढला', 'mr', '08', 19.0176, 72.8425, 1718100200);"
    "INSERT INTO work_photos(uuid, kind, idx, sha256, bytes, file) VALUES"
    "  ('3b1f2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'after', 0,"
    "   'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 2000,"
    "   'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.jpg');";

// Version 7: version 6's data and central's history of the assigned complaint 17.
constexpr const char* kDataV7 =
    "UPDATE meta SET value = 'v7 written by store_fixture_tool' WHERE key = 'fixture';"
    "INSERT INTO assigned_history(update_id, central_id, status, at, note, conflict) VALUES"
    "  ('30', '17', 'open', 1718000000, 'Complaint received', 0),"
    "  ('31', '17', 'in_progress', 1718050000, 'Assigned to GN-ENG-04', 0);";

// Version 8: version 7's data; the waiting update's before photo knows when it was taken.
constexpr const char* kDataV8 =
    "UPDATE meta SET value = 'v8 written by store_fixture_tool' WHERE key = 'fixture';"
    "UPDATE field_photos SET taken_at = 1718090000 WHERE uuid = '7d0c3b4e-2f7a-4c1e-9b8a-5e6f7a8b9c0d';";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_fixture_tool OUT.db VERSION\n");
    return 2;
  }
  const std::string out = argv[1];
  const int version = std::stoi(argv[2]);
  std::remove(out.c_str());
  std::string msg;
  if (!samvad::store::Store::CreateAtVersion(out, version, &msg)) {
    std::fprintf(stderr, "store_fixture_tool: %s\n", msg.c_str());
    return 1;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open(out.c_str(), &db) != SQLITE_OK) return 1;
  const char* data = version == 1 ? kDataV1 : version == 2 ? kDataV2 : version == 3 ? kDataV3
                   : version == 4 ? kDataV4 : version == 5 ? kDataV5 : version == 6 ? kDataV6 : version == 7 ? kDataV7
                   : version == 8 ? kDataV8 : nullptr;
  bool ok = data != nullptr;
  if (!ok) std::fprintf(stderr, "store_fixture_tool: no fixture data for version %d yet\n", version);
  // 1 KB pages keep the committed file small; VACUUM rewrites it compactly.
  ok = ok && (version < 4 || Exec(db, kDataV3)) && (version < 5 || Exec(db, kDataV4)) && (version < 6 || Exec(db, kDataV5)) && (version < 7 || Exec(db, kDataV6)) && (version < 8 || Exec(db, kDataV7)) &&
       Exec(db, data) &&
       Exec(db, "PRAGMA page_size=1024; VACUUM;");
  sqlite3_close(db);
  if (!ok) return 1;
  std::printf("wrote %s at schema version %d\n", out.c_str(), version);
  return 0;
}
