// migrations.cpp — see migrations.h. STRICT tables (SQLite ≥ 3.37): a text in an integer
// column is an error, not a silent conversion. CHECK constraints repeat the model's rules and the
// outbox invariants (outbox_store.cpp) so that even a release build, where asserts are gone,
// cannot store a row that breaks them.
#include "app/store/migrations.h"

namespace samvad::store {
namespace {

constexpr const char* kSteps[] = {
    // 0 → 1: the catalog-independent core.
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "INSERT INTO meta(key, value) VALUES('created', strftime('%Y-%m-%dT%H:%M:%SZ','now'));",

    // 1 → 2: complaints, their photos, the outbox, status history, device identity.
    // device: one row once enrolled. next_seq may reach 100000 = "exhausted, re-enrol".
    "CREATE TABLE device("
    "  id INTEGER PRIMARY KEY CHECK(id = 1),"
    "  ward_no INTEGER NOT NULL CHECK(ward_no BETWEEN 1 AND 24),"
    "  device_no INTEGER NOT NULL CHECK(device_no BETWEEN 1 AND 999),"
    "  next_seq INTEGER NOT NULL CHECK(next_seq BETWEEN 1 AND 100000),"
    "  enrolled_at INTEGER NOT NULL) STRICT;"
    // ticket is the canonical 11 digits; its parts are kept too so that "sequence numbers are
    // unique" is a constraint, not a hope.
    "CREATE TABLE complaints("
    "  ticket TEXT PRIMARY KEY CHECK(length(ticket) = 11 AND ticket NOT GLOB '*[^0-9]*'),"
    "  ward_no INTEGER NOT NULL, device_no INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  client_uuid TEXT NOT NULL UNIQUE CHECK(length(client_uuid) = 36),"
    "  category TEXT NOT NULL, ward_code TEXT NOT NULL,"
    "  landmark TEXT NOT NULL, description TEXT NOT NULL,"
    "  phone TEXT CHECK(phone IS NULL OR (length(phone) = 10 AND phone NOT GLOB '*[^0-9]*')),"
    "  lang TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK(status IN ('filed','received','in_progress','resolved','rejected')),"
    "  UNIQUE(device_no, seq, ward_no)) STRICT;"
    "CREATE TABLE photos("
    "  ticket TEXT NOT NULL REFERENCES complaints(ticket),"
    "  idx INTEGER NOT NULL CHECK(idx BETWEEN 0 AND 2),"
    "  sha256 TEXT NOT NULL CHECK(length(sha256) = 64), bytes INTEGER NOT NULL CHECK(bytes > 0),"
    "  width INTEGER NOT NULL CHECK(width > 0), height INTEGER NOT NULL CHECK(height > 0),"
    "  file TEXT NOT NULL,"
    "  thumb_sha256 TEXT NOT NULL CHECK(length(thumb_sha256) = 64),"
    "  thumb_bytes INTEGER NOT NULL CHECK(thumb_bytes > 0), thumb_file TEXT NOT NULL,"
    "  PRIMARY KEY(ticket, idx)) STRICT;"
    "CREATE INDEX photos_file ON photos(file);"
    "CREATE INDEX photos_thumb_file ON photos(thumb_file);"
    // One entry per complaint, created in the same transaction (outbox invariant 1).
    "CREATE TABLE outbox("
    "  ticket TEXT PRIMARY KEY REFERENCES complaints(ticket),"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK(state IN ('pending','sending','sent','failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0 CHECK(attempts >= 0),"
    "  last_error TEXT,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  central_id TEXT,"
    "  sent_at INTEGER,"
    "  last_sync_at INTEGER,"
    "  CHECK((state = 'sent') = (central_id IS NOT NULL)),"                           // inv. 3
    "  CHECK((state = 'sent') = (sent_at IS NOT NULL)),"                              // inv. 3
    "  CHECK(state <> 'failed' OR last_error IS NOT NULL)) STRICT;"                  // inv. 4
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
    "CREATE TABLE status_events("
    "  id INTEGER PRIMARY KEY,"
    "  ticket TEXT NOT NULL REFERENCES complaints(ticket),"
    "  status TEXT NOT NULL CHECK(status IN ('filed','received','in_progress','resolved','rejected')),"
    "  at INTEGER NOT NULL,"
    "  note TEXT NOT NULL DEFAULT '') STRICT;"
    "CREATE INDEX status_events_ticket ON status_events(ticket, at, id);",

    // 2 → 3: retention (retention.h). purged_at: when the device removed the citizen's phone
    // number and photos, central having had them for the configured days; purged_photos: how
    // many photos went, so the status screen can say so. A purged complaint keeps no phone.
    "ALTER TABLE complaints ADD COLUMN purged_at INTEGER"
    "  CHECK(purged_at IS NULL OR phone IS NULL);"
    "ALTER TABLE complaints ADD COLUMN purged_photos INTEGER NOT NULL DEFAULT 0"
    "  CHECK(purged_photos BETWEEN 0 AND 3 AND (purged_photos = 0 OR purged_at IS NOT NULL));",

    // 3 → 4: staff accounts from central and their PIN lockout (staff_store.h; DESIGN.md,
    // "Staff accounts"). The lockout columns live in the account's row so that one UPDATE
    // records an attempt; the CHECKs are the policy-free invariants 1 and 2 (and 3's "no lock
    // without failures") — the threshold of 5 and the waits are code, not schema. Central's
    // last list time is meta.staff_synced_at.
    "CREATE TABLE staff("
    "  user_id TEXT PRIMARY KEY"
    "    CHECK(length(user_id) BETWEEN 1 AND 32 AND user_id NOT GLOB '*[^A-Z0-9._-]*'),"
    "  display_name TEXT NOT NULL CHECK(length(display_name) BETWEEN 1 AND 100),"
    "  ward_code TEXT NOT NULL CHECK(length(ward_code) BETWEEN 1 AND 16),"
    "  department TEXT NOT NULL CHECK(length(department) BETWEEN 1 AND 16),"
    "  role TEXT NOT NULL CHECK(role IN ('engineer','ward_staff','nodal_officer')),"
    "  active INTEGER NOT NULL CHECK(active IN (0, 1)),"
    "  pin_hash TEXT NOT NULL CHECK(pin_hash GLOB '$argon2id$v=19$*'),"
    "  failures INTEGER NOT NULL DEFAULT 0 CHECK(failures >= 0),"
    "  last_failure_at INTEGER,"
    "  locked_until INTEGER,"
    "  CHECK((failures = 0) = (last_failure_at IS NULL)),"
    "  CHECK(locked_until IS NULL OR failures > 0)) STRICT;",

    // 4 → 5: the field engineer's work (field_store.h). assigned: central's list per engineer,
    // replaced whole at each sync. field_updates: the work log, append-only (F3), with the
    // outbox's lifecycle; field_photos: its before/after photos, one per complaint, kind and
    // index (one tus upload each). field_users: who signed in here, whose lists to fetch.
    "CREATE TABLE assigned("
    "  central_id TEXT PRIMARY KEY CHECK(length(central_id) BETWEEN 1 AND 20),"
    "  user_id TEXT NOT NULL, ticket TEXT NOT NULL, service_code TEXT NOT NULL,"
    "  description TEXT NOT NULL, address TEXT NOT NULL, lang TEXT NOT NULL,"
    "  status TEXT NOT NULL, detailed_status TEXT NOT NULL, department TEXT NOT NULL,"
    "  latest_update_id TEXT NOT NULL, lat REAL, lon REAL,"
    "  requested_at INTEGER NOT NULL, expected_at INTEGER NOT NULL,"
    "  photo_count INTEGER NOT NULL, thumbnail_url TEXT NOT NULL, listed_at INTEGER NOT NULL,"
    "  CHECK((lat IS NULL) = (lon IS NULL))) STRICT;"
    "CREATE INDEX assigned_user ON assigned(user_id, expected_at);"
    "CREATE TABLE field_users(user_id TEXT PRIMARY KEY, last_signin_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE field_updates("
    "  uuid TEXT PRIMARY KEY CHECK(length(uuid) = 36),"
    "  central_id TEXT NOT NULL, ticket TEXT NOT NULL, user_id TEXT NOT NULL,"
    "  status TEXT NOT NULL"
    "    CHECK(status IN ('acknowledged','in_progress','resolved','transferred','rejected')),"
    "  note TEXT NOT NULL, department TEXT NOT NULL, based_on TEXT NOT NULL,"
    "  recorded_at INTEGER NOT NULL, lat REAL, lon REAL,"
    "  clock_suspect INTEGER NOT NULL CHECK(clock_suspect IN (0, 1)),"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','sending','sent','failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  update_id TEXT, conflict INTEGER, outcome TEXT, sent_at INTEGER,"
    "  CHECK(status <> 'rejected' OR length(trim(note)) > 0),"
    "  CHECK(status <> 'transferred' OR length(department) > 0),"
    "  CHECK((lat IS NULL) = (lon IS NULL)),"
    "  CHECK((state = 'sent') = (update_id IS NOT NULL)),"
    "  CHECK(state <> 'failed' OR last_error IS NOT NULL)) STRICT;"
    "CREATE INDEX field_updates_due ON field_updates(state, next_attempt_at);"
    "CREATE INDEX field_updates_request ON field_updates(central_id, recorded_at);"
    "CREATE TABLE field_photos("
    "  uuid TEXT NOT NULL REFERENCES field_updates(uuid),"
    "  central_id TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind IN ('before','after')),"
    "  idx INTEGER NOT NULL CHECK(idx BETWEEN 0 AND 2),"
    "  sha256 TEXT NOT NULL CHECK(length(sha256) = 64), bytes INTEGER NOT NULL CHECK(bytes > 0),"
    "  file TEXT NOT NULL,"
    "  PRIMARY KEY(central_id, kind, idx)) STRICT;"
    "CREATE INDEX field_photos_update ON field_photos(uuid);",

    // 5 → 6: development works (field_store.h): work not tied to a complaint, with its photos,
    // the outbox's lifecycle; work_id is central's once the create answered.
    "CREATE TABLE works("
    "  uuid TEXT PRIMARY KEY CHECK(length(uuid) = 36),"
    "  user_id TEXT NOT NULL,"
    "  title TEXT NOT NULL CHECK(length(trim(title)) > 0 AND length(CAST(title AS BLOB)) <= 200),"
    "  description TEXT NOT NULL CHECK(length(CAST(description AS BLOB)) <= 4000),"
    "  lang TEXT NOT NULL CHECK(lang IN ('mr','hi','bn','en')),"
    "  ward TEXT NOT NULL, lat REAL, lon REAL, created_at INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','sending','sent','failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  work_id TEXT, sent_at INTEGER,"
    "  CHECK((lat IS NULL) = (lon IS NULL)),"
    "  CHECK(state <> 'sent' OR work_id IS NOT NULL),"
    "  CHECK(state <> 'failed' OR last_error IS NOT NULL)) STRICT;"
    "CREATE INDEX works_due ON works(state, next_attempt_at);"
    "CREATE TABLE work_photos("
    "  uuid TEXT NOT NULL REFERENCES works(uuid),"
    "  kind TEXT NOT NULL CHECK(kind IN ('before','after')),"
    "  idx INTEGER NOT NULL CHECK(idx BETWEEN 0 AND 2),"
    "  sha256 TEXT NOT NULL CHECK(length(sha256) = 64), bytes INTEGER NOT NULL CHECK(bytes > 0),"
    "  file TEXT NOT NULL,"
    "  PRIMARY KEY(uuid, kind, idx)) STRICT;",

    // 6 → 7: central's history of the complaints assigned here (the update feed's entries for
    // them), so the detail screen shows what the office did too, offline.
    "CREATE TABLE assigned_history("
    "  update_id TEXT PRIMARY KEY, central_id TEXT NOT NULL, status TEXT NOT NULL,"
    "  at INTEGER NOT NULL, note TEXT NOT NULL, conflict INTEGER NOT NULL CHECK(conflict IN (0, 1))) STRICT;"
    "CREATE INDEX assigned_history_request ON assigned_history(central_id, at);",

    // 7 → 8: when each work photo was taken (unix seconds; NULL = unknown: a photo recorded
    // before this step, or a file without an EXIF time), sent to central with the photo.
    "ALTER TABLE field_photos ADD COLUMN taken_at INTEGER;"
    "ALTER TABLE work_photos ADD COLUMN taken_at INTEGER;",
};

}  // namespace

int MigrationCount() { return static_cast<int>(sizeof kSteps / sizeof kSteps[0]); }

const char* MigrationSql(int from_version) {
  return from_version >= 0 && from_version < MigrationCount() ? kSteps[from_version] : nullptr;
}

}  // namespace samvad::store
