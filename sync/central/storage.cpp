// storage.cpp — central's data over sql.h (see storage.h; the rules are numbered in DESIGN.md).
//
// [SECTION] connections, pool and transactions
// [SECTION] schema
// [SECTION] catalog and devices
// [SECTION] service requests, idempotency and the feed
// [SECTION] staff accounts
// [SECTION] development works and the Atom feed's id
// [SECTION] uploads
// [SECTION] sneakernet import
#include "sync/central/storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <iterator>
#include <random>
#include <thread>
#include <utility>

namespace samvad::central {

std::int64_t UnixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

// ---------------------------------------------------------------------------------------------
// [SECTION] connections, pool and transactions
// ---------------------------------------------------------------------------------------------

class Storage::Lease {
 public:
  explicit Lease(Storage* s) : s_(s) {
    std::lock_guard<std::mutex> lock(s_->mu_);
    if (!s_->idle_.empty()) {
      c_ = std::move(s_->idle_.back());
      s_->idle_.pop_back();
    }
  }
  ~Lease() {
    if (c_ && c_->Healthy()) {
      std::lock_guard<std::mutex> lock(s_->mu_);
      s_->idle_.push_back(std::move(c_));
    }
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  // Opens a connection when the pool had none; false (and `error`) when the engine is away.
  bool Ready(std::string* error) {
    if (!c_) c_ = s_->Connect(error);
    return c_ != nullptr;
  }
  SqlConn& conn() { return *c_; }

 private:
  Storage* s_;
  std::unique_ptr<SqlConn> c_;
};

namespace {

Status FromSql(const SqlResult& r) {
  Status s;
  if (r.ok()) return s;
  s.code = r.code == SqlCode::kError  ? Status::Code::kBug
           : r.code == SqlCode::kFull ? Status::Code::kFull
                                      : Status::Code::kUnavailable;
  s.message = r.message;
  return s;
}

Status Unavailable(std::string why) {
  Status s;
  s.code = Status::Code::kUnavailable;
  s.message = std::move(why);
  return s;
}

}  // namespace

std::int64_t SqlRow::Int(size_t i) const {
  const auto& c = cols.at(i);
  return c ? std::stoll(*c) : 0;
}

double SqlRow::Real(size_t i) const {
  const auto& c = cols.at(i);
  return c ? std::stod(*c) : 0;
}

Storage::Storage(std::string target, bool postgres) : target_(std::move(target)), postgres_(postgres) {}
Storage::~Storage() = default;

std::unique_ptr<SqlConn> Storage::Connect(std::string* error) {
  return postgres_ ? OpenPostgres(target_, error) : OpenSqlite(target_, error);
}

std::unique_ptr<Storage> Storage::Open(const std::string& url, std::string* error) {
  std::unique_ptr<Storage> s;
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) {
    s.reset(new Storage(url.substr(7), false));
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    s.reset(new Storage(url, true));
  } else {
    *error = "--db must be sqlite:PATH or postgresql://…, not '" + url + "'";
    return nullptr;
  }
  const Status st = s->Migrate();
  if (!st.ok()) {
    *error = st.message;
    return nullptr;
  }
  return s;
}

Status Storage::Read(const std::function<SqlResult(SqlConn&)>& body) {
  Lease lease(this);
  std::string error;
  if (!lease.Ready(&error)) return Unavailable(error);
  for (int attempt = 0;; ++attempt) {
    const SqlResult r = body(lease.conn());
    if (r.code == SqlCode::kRetry && attempt < 8) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
      continue;
    }
    return FromSql(r);
  }
}

namespace {

// A lost race (kUnique) or a busy engine (kRetry) is tried again, up to 10 times, after a short
// jittered pause; false: give up and report it.
bool PauseBeforeRetry(const SqlResult& r, int attempt) {
  if ((r.code != SqlCode::kRetry && r.code != SqlCode::kUnique) || attempt >= 10) return false;
  thread_local std::minstd_rand jitter(std::random_device{}());
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * (attempt + 1) + jitter() % 5));
  return true;
}

}  // namespace

// Runs `body` in a write transaction. A lost race (kUnique) or a busy engine (kRetry) rolls back
// and runs it again from the start, where it re-reads what the winner committed (invariant I3).
// On SQLite a durable transaction commits without a sync of its own and then waits for a shared
// one (SyncCommitted): the write lock is held for microseconds instead of for an fsync, and
// writers that commit while a sync runs share the next one.
Status Storage::InWriteTx(const std::function<SqlResult(SqlConn&)>& body, bool durable) {
  if (!postgres_) return InSqliteWriteTx(body, durable);
  Lease lease(this);
  std::string error;
  if (!lease.Ready(&error)) return Unavailable(error);
  SqlConn& c = lease.conn();
  for (int attempt = 0;; ++attempt) {
    SqlResult r = c.BeginWrite(durable);
    if (r.ok()) r = body(c);
    if (r.ok()) r = c.Exec("COMMIT");
    if (!r.ok()) c.Exec("ROLLBACK");
    if (r.ok()) return {};
    if (!PauseBeforeRetry(r, attempt)) return FromSql(r);
  }
}

// SQLite: every write of this process runs on one connection, `writer_`, under `writer_mu_`.
// A connection drops its whole page cache when it finds that another connection has written,
// so writers spread over the pool re-read the pages each transaction touches; the one writer
// finds its cache current (only the CLI, another process, ever writes besides it). The WAL
// sync after the commit runs outside the lock, through a pooled connection's handle (it
// flushes the file, whichever handle asks).
Status Storage::InSqliteWriteTx(const std::function<SqlResult(SqlConn&)>& body, bool durable) {
  std::string error;
  if (durable) wal_sync_.Enter();  // before BEGIN: WaitDurable must not miss a commit about to happen
  for (int attempt = 0;; ++attempt) {
    SqlResult r;
    {
      std::lock_guard<std::mutex> writer(writer_mu_);
      if (!writer_) writer_ = Connect(&error);
      if (!writer_) {
        if (durable) wal_sync_.Leave();
        return Unavailable(error);
      }
      SqlConn& c = *writer_;
      r = c.BeginWrite(/*durable=*/false);  // durable: the group commit below syncs the WAL
      if (r.ok()) r = body(c);
      if (r.ok()) r = c.Exec("COMMIT");
      if (!r.ok()) c.Exec("ROLLBACK");
    }
    if (r.ok()) {
      if (!durable) return {};
      Lease lease(this);
      if (!lease.Ready(&error)) {
        wal_sync_.Leave();
        return Unavailable(error);
      }
      return SyncCommitted(lease.conn(), /*was_open=*/true);
    }
    if (PauseBeforeRetry(r, attempt)) continue;
    if (durable) wal_sync_.Leave();
    return FromSql(r);
  }
}

// A failed WAL sync fails every durable write after it, for good (the group is sticky): after
// an fsync error Linux may drop the dirty pages and report success next time (PostgreSQL stops
// the server for the same reason), while the rows stay visible to readers. So durable writes
// report the disk unavailable until central is restarted and SQLite recovers the WAL from
// what the disk really holds.
Status Storage::SyncCommitted(SqlConn& c, bool was_open) {
  const auto sync = [&c] {
    SqlResult r = c.SyncLog();
    return r.ok() ? std::string() : r.message + " (durable writes stop until samvad-central is restarted)";
  };
  std::string error;
  const bool ok = was_open ? wal_sync_.LeaveAndJoin(sync, &error) : wal_sync_.Join(sync, &error);
  return ok ? Status{} : Unavailable(error);
}

Status Storage::WaitDurable() {
  if (postgres_) return {};  // a durable PostgreSQL commit is flushed before others can see it
  // Nothing open and every number synced: whatever the caller has read is durable already (the
  // usual case when no writes are arriving; then this costs one mutex).
  if (wal_sync_.Quiet()) return {};
  Lease lease(this);
  std::string error;
  if (!lease.Ready(&error)) return Unavailable(error);
  // A number of its own (not the last one taken) is what makes this a barrier: a commit the
  // caller has already read may not have taken its number yet.
  return SyncCommitted(lease.conn(), /*was_open=*/false);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] schema
// ---------------------------------------------------------------------------------------------

namespace {

constexpr int kSchemaVersion = 10;

// {ID} is the one dialect difference: SQLite's AUTOINCREMENT never reuses an id, PostgreSQL's
// identity column comes from a sequence. Both give ids that only grow.
constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS samvad_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS services (code TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL,"
    " grp TEXT NOT NULL, sla_hours BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS devices (device_id TEXT PRIMARY KEY, label TEXT NOT NULL,"
    " code_hash TEXT UNIQUE, code_expires_at BIGINT, key_hash TEXT UNIQUE, created_at BIGINT NOT NULL,"
    " enrolled_at BIGINT, revoked_at BIGINT)",
    "CREATE TABLE IF NOT EXISTS requests (id {ID}, client_uuid TEXT NOT NULL UNIQUE,"
    " service_code TEXT NOT NULL REFERENCES services(code), status TEXT NOT NULL,"
    " status_notes TEXT NOT NULL, description TEXT NOT NULL, address TEXT NOT NULL, address_id TEXT NOT NULL,"
    " lat DOUBLE PRECISION, lon DOUBLE PRECISION, ward TEXT NOT NULL, ticket TEXT NOT NULL,"
    " ticket_digits TEXT NOT NULL, email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,"
    " phone TEXT NOT NULL, account_id TEXT NOT NULL, device_hw_id TEXT NOT NULL, media_url TEXT NOT NULL,"
    " device_id TEXT NOT NULL, captured_at BIGINT, requested_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
    " assigned_to TEXT NOT NULL, photo_upload_id TEXT NOT NULL, thumb_upload_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS requests_ticket ON requests(ticket_digits)",
    "CREATE INDEX IF NOT EXISTS requests_requested ON requests(requested_at)",
    "CREATE TABLE IF NOT EXISTS idempotency (idem_key TEXT PRIMARY KEY, device_id TEXT NOT NULL,"
    " endpoint TEXT NOT NULL, payload_hash TEXT NOT NULL, status_code BIGINT NOT NULL, body TEXT NOT NULL,"
    " result_id BIGINT NOT NULL, created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS updates (update_id {ID}, request_id BIGINT NOT NULL REFERENCES requests(id),"
    " status TEXT NOT NULL, description TEXT NOT NULL, media_url TEXT NOT NULL, device_id TEXT NOT NULL,"
    " created_at BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS uploads (upload_id TEXT PRIMARY KEY, request_id BIGINT NOT NULL"
    " REFERENCES requests(id), kind TEXT NOT NULL, length BIGINT NOT NULL, received BIGINT NOT NULL,"
    " content_type TEXT NOT NULL, filename TEXT NOT NULL, device_id TEXT NOT NULL, created_at BIGINT NOT NULL,"
    " completed_at BIGINT, UNIQUE (request_id, kind))",
    "CREATE TABLE IF NOT EXISTS assignments (id {ID}, request_id BIGINT NOT NULL REFERENCES requests(id),"
    " assignee TEXT NOT NULL, created_at BIGINT NOT NULL)",
};

// Upgrades, append-only: each step belongs to the version it makes, and a database at version v
// runs, in order, every step of the versions after v (all in Migrate's one transaction). kSchema
// above stays as version 1 created it, so a new database and an upgraded one end up the same.
// One statement per step: neither driver runs two statements in one call.
struct Upgrade {
  int version;
  const char* sql;
};
constexpr Upgrade kUpgrades[] = {
    // 2: the whole file's SHA-256 the device declared at creation (Upload-Metadata sha256),
    // checked when the last byte arrives — whatever the PATCHes' own checksums were.
    {2, "ALTER TABLE uploads ADD COLUMN sha256 TEXT NOT NULL DEFAULT ''"},

    // 3: the field tablet (issue 5): departments (a transfer names one), staff accounts, the
    // request's detailed status, field updates' extra columns, development works, and uploads
    // that belong to a request or to a work.
    {3, "CREATE TABLE IF NOT EXISTS departments (code TEXT PRIMARY KEY, name TEXT NOT NULL)"},
    {3, "ALTER TABLE services ADD COLUMN dept TEXT NOT NULL DEFAULT ''"},
    {3, "CREATE TABLE IF NOT EXISTS staff (user_id TEXT PRIMARY KEY, name TEXT NOT NULL, ward TEXT NOT NULL,"
        " department TEXT NOT NULL, role TEXT NOT NULL, active BIGINT NOT NULL, pin_hash TEXT NOT NULL,"
        " created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"},
    // work_status: the last applied update's status (FixMyStreet's words); department: where a
    // transfer sent it ('' = the category's own department); lang: the description's language.
    {3, "ALTER TABLE requests ADD COLUMN work_status TEXT NOT NULL DEFAULT 'open'"},
    {3, "ALTER TABLE requests ADD COLUMN status_changed_at BIGINT NOT NULL DEFAULT 0"},
    {3, "ALTER TABLE requests ADD COLUMN department TEXT NOT NULL DEFAULT ''"},
    {3, "ALTER TABLE requests ADD COLUMN lang TEXT NOT NULL DEFAULT ''"},
    {3, "UPDATE requests SET work_status = COALESCE((SELECT u.status FROM updates u WHERE u.request_id = requests.id"
        " ORDER BY u.update_id DESC LIMIT 1), status), status_changed_at = updated_at"},
    // changed_status: this update changed the request's detailed status (or its department);
    // conflict: it did not, because a newer change by another author came first (W2).
    {3, "ALTER TABLE updates ADD COLUMN changed_status BIGINT NOT NULL DEFAULT 0"},
    {3, "ALTER TABLE updates ADD COLUMN conflict BIGINT NOT NULL DEFAULT 0"},
    {3, "ALTER TABLE updates ADD COLUMN based_on BIGINT"},
    {3, "ALTER TABLE updates ADD COLUMN recorded_at BIGINT"},
    {3, "ALTER TABLE updates ADD COLUMN department TEXT NOT NULL DEFAULT ''"},
    {3, "ALTER TABLE updates ADD COLUMN lat DOUBLE PRECISION"},
    {3, "ALTER TABLE updates ADD COLUMN lon DOUBLE PRECISION"},
    // Before version 3 no update recorded whether it changed anything: any but "open" counts.
    {3, "UPDATE updates SET changed_status = 1 WHERE status <> 'open'"},
    {3, "CREATE INDEX IF NOT EXISTS updates_request ON updates(request_id, update_id)"},
    {3, "CREATE INDEX IF NOT EXISTS requests_assigned ON requests(assigned_to)"},
    {3, "CREATE INDEX IF NOT EXISTS requests_resolved ON requests(work_status, status_changed_at)"},
    {3, "CREATE TABLE IF NOT EXISTS works (id {ID}, client_uuid TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
        " description TEXT NOT NULL, lang TEXT NOT NULL, ward TEXT NOT NULL, lat DOUBLE PRECISION,"
        " lon DOUBLE PRECISION, device_id TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"},
    // uploads.request_id becomes NULL-able for a work's photos. SQLite cannot drop a NOT NULL, so
    // the table is rebuilt (the same statements on both engines). UNIQUE treats NULLs as distinct
    // on both, so U4 holds per request and per work.
    {3, "CREATE TABLE uploads_v3 (upload_id TEXT PRIMARY KEY, request_id BIGINT REFERENCES requests(id),"
        " work_id BIGINT REFERENCES works(id), kind TEXT NOT NULL, length BIGINT NOT NULL, received BIGINT NOT NULL,"
        " content_type TEXT NOT NULL, filename TEXT NOT NULL, device_id TEXT NOT NULL, created_at BIGINT NOT NULL,"
        " completed_at BIGINT, sha256 TEXT NOT NULL DEFAULT '', UNIQUE (request_id, kind), UNIQUE (work_id, kind),"
        " CHECK ((request_id IS NULL) <> (work_id IS NULL)))"},
    {3, "INSERT INTO uploads_v3 (upload_id, request_id, kind, length, received, content_type, filename, device_id,"
        " created_at, completed_at, sha256) SELECT upload_id, request_id, kind, length, received, content_type,"
        " filename, device_id, created_at, completed_at, sha256 FROM uploads"},
    {3, "DROP TABLE uploads"},
    {3, "ALTER TABLE uploads_v3 RENAME TO uploads"},

    // 4: sneakernet bundles (issue 6): the Ed25519 public key (hex) a device signs its bundles
    // with, NULL until it registers one, and when it did. Set once, never replaced (B1).
    {4, "ALTER TABLE devices ADD COLUMN sign_key TEXT"},
    {4, "ALTER TABLE devices ADD COLUMN sign_key_at BIGINT"},

    // 5: uploads whose latest bytes were acknowledged before they were flushed, at the device's
    // request; a POST /media/sync or the check at start clears it (U8).
    {5, "ALTER TABLE uploads ADD COLUMN unsynced BIGINT NOT NULL DEFAULT 0"},
    {5, "CREATE INDEX IF NOT EXISTS uploads_unsynced ON uploads(unsynced) WHERE unsynced <> 0"},

    // 6: the ward a device serves, whose staff accounts alone it is sent (GET /staff.json); NULL
    // for a device enrolled before, or without --ward: every account, as before.
    {6, "ALTER TABLE devices ADD COLUMN ward TEXT"},

    // 7: the staff member an update or a work names — the engineer who recorded it on a device,
    // or the one an assignment went to — for devices to read (the public view leaves it out).
    // Assignments made before kept it only in their text ("Assigned to GN-ENG-04": `assign`
    // writes it, with no device); it is taken from there.
    {7, "ALTER TABLE updates ADD COLUMN user_id TEXT NOT NULL DEFAULT ''"},
    {7, "ALTER TABLE works ADD COLUMN user_id TEXT NOT NULL DEFAULT ''"},
    {7, "UPDATE updates SET user_id = substr(description, 13) WHERE device_id = '' AND description LIKE 'Assigned to %'"},

    // 8: what a device is ("kiosk", "tablet"), which narrows the staff accounts it is sent by
    // role (S7); NULL for a device enrolled before, or without --kind: every role, as before.
    {8, "ALTER TABLE devices ADD COLUMN kind TEXT"},

    // 9: when a field-work photo was taken, as the device says (Upload-Metadata taken_at), unix
    // seconds; NULL when it did not say — every upload made before, and the citizen's photos.
    {9, "ALTER TABLE uploads ADD COLUMN taken_at BIGINT"},

    // 10: the Upload-Metadata header an upload was created with, which HEAD repeats (tus
    // creation asks it); NULL for every upload made before, and for an import's photos.
    {10, "ALTER TABLE uploads ADD COLUMN metadata TEXT"},
};

constexpr bool UpgradesInOrder() {
  int v = 1;
  for (const auto& u : kUpgrades) {
    if (u.version != v && u.version != v + 1) return false;
    v = u.version;
  }
  return v == kSchemaVersion;
}
static_assert(UpgradesInOrder(), "upgrade steps go by version, with no version skipped, up to kSchemaVersion");

std::string Dialect(std::string sql, bool postgres) {
  const std::string id = postgres ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  for (size_t p; (p = sql.find("{ID}")) != std::string::npos;) sql.replace(p, 4, id);
  return sql;
}

}  // namespace

Status Storage::Migrate() {
  const bool pg = postgres_;
  int found_version = 0;
  const Status st = InWriteTx([&](SqlConn& c) {
    // Two processes (the server and `enroll`) may start at once: PostgreSQL's CREATE … IF NOT
    // EXISTS can still race on its catalog, so migrations take a lock of their own.
    if (pg) {
      SqlResult r = c.Exec("SELECT pg_advisory_xact_lock(21335)");
      if (!r.ok()) return r;
    }
    for (const char* ddl : kSchema) {
      SqlResult r = c.Exec(Dialect(ddl, pg));
      if (!r.ok()) return r;
    }
    SqlResult r = c.Exec("SELECT value FROM samvad_meta WHERE name = 'schema_version'");
    if (!r.ok()) return r;
    if (r.rows.empty()) {  // a new database: kSchema made version 1
      r = c.Exec("INSERT INTO samvad_meta (name, value) VALUES ('schema_version', '1')");
      if (!r.ok()) return r;
      found_version = 1;
    } else {
      found_version = std::stoi(r.rows[0].Text(0));
    }
    if (found_version >= kSchemaVersion) return SqlResult{};
    for (const auto& step : kUpgrades) {
      if (step.version <= found_version) continue;
      r = c.Exec(Dialect(step.sql, pg));
      if (!r.ok()) return r;
    }
    found_version = kSchemaVersion;
    return c.Exec("UPDATE samvad_meta SET value = ? WHERE name = 'schema_version'", {std::to_string(kSchemaVersion)});
  });
  if (!st.ok()) return st;
  if (found_version > kSchemaVersion)
    return Unavailable("the database has schema version " + std::to_string(found_version) +
                       ", newer than this samvad-central understands (" + std::to_string(kSchemaVersion) + ")");
  return {};
}

// ---------------------------------------------------------------------------------------------
// [SECTION] catalog and devices
// ---------------------------------------------------------------------------------------------

Status Storage::SeedServices(const std::vector<o311::Service>& services) {
  return InWriteTx([&](SqlConn& c) {
    for (const auto& s : services) {
      SqlResult r = c.Exec(
          "INSERT INTO services (code, name, description, grp, sla_hours, dept) VALUES (?, ?, ?, ?, ?, ?)"
          " ON CONFLICT (code) DO UPDATE SET name = excluded.name, description = excluded.description,"
          " grp = excluded.grp, sla_hours = excluded.sla_hours, dept = excluded.dept",
          {s.code, s.name, s.description, s.group, std::int64_t{s.sla_hours}, s.department});
      if (!r.ok()) return r;
    }
    return SqlResult{};
  });
}

Status Storage::SeedDepartments(const std::vector<o311::Department>& departments) {
  return InWriteTx([&](SqlConn& c) {
    for (const auto& d : departments) {
      SqlResult r = c.Exec("INSERT INTO departments (code, name) VALUES (?, ?)"
                           " ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                           {d.code, d.name});
      if (!r.ok()) return r;
    }
    return SqlResult{};
  });
}

namespace {
o311::Service ServiceFromRow(const SqlRow& row) {
  o311::Service s;
  s.code = row.Text(0);
  s.name = row.Text(1);
  s.description = row.Text(2);
  s.group = row.Text(3);
  s.sla_hours = static_cast<int>(row.Int(4));
  return s;
}
}  // namespace

Status Storage::ListServices(std::vector<o311::Service>* out) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT code, name, description, grp, sla_hours FROM services ORDER BY code");
    out->clear();
    for (const auto& row : r.rows) out->push_back(ServiceFromRow(row));
    return r;
  });
}

Status Storage::GetService(std::string_view code, o311::Service* out, bool* found) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT code, name, description, grp, sla_hours FROM services WHERE code = ?",
                         {std::string(code)});
    *found = !r.rows.empty();
    if (*found) *out = ServiceFromRow(r.rows[0]);
    return r;
  });
}

namespace {

// A device's ward or kind as stored: NULL for "every ward" or "any kind".
SqlValue NullIfEmpty(const std::string& s) { return s.empty() ? SqlValue{} : SqlValue{s}; }

}  // namespace

Status Storage::AddEnrolment(const std::string& device_id, const std::string& label, const std::string& code_hash,
                             std::int64_t expires_at, const std::string& ward, const std::string& kind) {
  return InWriteTx([&](SqlConn& c) {
    return c.Exec("INSERT INTO devices (device_id, label, code_hash, code_expires_at, created_at, ward, kind)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {device_id, label, code_hash, expires_at, UnixNow(), NullIfEmpty(ward), NullIfEmpty(kind)});
  });
}

Status Storage::SetDeviceScope(const std::string& device_id, const std::optional<std::string>& ward,
                               const std::optional<std::string>& kind, bool* found) {
  std::string set;
  std::vector<SqlValue> args;
  for (const auto& [column, value] : {std::pair{"ward", &ward}, std::pair{"kind", &kind}}) {
    if (!*value) continue;
    set += std::string(set.empty() ? "" : ", ") + column + " = ?";
    args.push_back(NullIfEmpty(**value));
  }
  *found = false;
  if (set.empty()) return Status{};
  args.push_back(device_id);
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("UPDATE devices SET " + set + " WHERE device_id = ? RETURNING device_id", args);
    *found = r.ok() && !r.rows.empty();
    return r;
  });
}

Status Storage::RedeemEnrolment(const std::string& code_hash, const std::string& key_hash, std::string* device_id) {
  return InWriteTx([&](SqlConn& c) {
    // One statement both checks and spends the code (invariant D1): two devices racing with the
    // same code cannot both match a row whose code_hash the other has just cleared.
    SqlResult r = c.Exec(
        "UPDATE devices SET key_hash = ?, code_hash = NULL, enrolled_at = ? WHERE code_hash = ?"
        " AND code_expires_at > ? AND revoked_at IS NULL RETURNING device_id",
        {key_hash, UnixNow(), code_hash, UnixNow()});
    device_id->clear();
    if (r.ok() && !r.rows.empty()) *device_id = r.rows[0].Text(0);
    return r;
  });
}

Status Storage::RevokeDevice(const std::string& device_id, bool* found) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec(
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, ?), code_hash = NULL WHERE device_id = ?"
        " RETURNING device_id",
        {UnixNow(), device_id});
    *found = r.ok() && !r.rows.empty();
    return r;
  });
}

Status Storage::RegisterSignKey(const std::string& device_id, const std::string& key_hex, SignKeyResult* result) {
  return InWriteTx([&](SqlConn& c) {
    // Only a device without one gets a key (B1): the UPDATE checks and sets in one statement, so
    // two racing registrations cannot both win.
    SqlResult r = c.Exec("UPDATE devices SET sign_key = ?, sign_key_at = ? WHERE device_id = ? AND sign_key IS NULL"
                         " AND revoked_at IS NULL RETURNING device_id",
                         {key_hex, UnixNow(), device_id});
    if (!r.ok()) return r;
    if (!r.rows.empty()) {
      *result = SignKeyResult::kRegistered;
      return r;
    }
    r = c.Exec("SELECT sign_key FROM devices WHERE device_id = ?", {device_id});
    if (!r.ok()) return r;
    *result = !r.rows.empty() && !r.rows[0].IsNull(0) && r.rows[0].Text(0) == key_hex ? SignKeyResult::kSame
                                                                                         : SignKeyResult::kDifferent;
    return r;
  });
}

Status Storage::DeviceSignKey(const std::string& device_id, std::string* key_hex, bool* found) {
  return Read([&](SqlConn& c) {
    // A revoked device is unknown to an import (B2): its key may be in a thief's hands.
    SqlResult r = c.Exec("SELECT sign_key FROM devices WHERE device_id = ? AND revoked_at IS NULL AND sign_key IS NOT NULL",
                         {device_id});
    *found = r.ok() && !r.rows.empty();
    if (*found) *key_hex = r.rows[0].Text(0);
    return r;
  });
}

Status Storage::GetDeviceState(const std::string& device_id, DeviceState* out) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT revoked_at, sign_key FROM devices WHERE device_id = ?", {device_id});
    *out = DeviceState::kUnknown;
    if (r.ok() && !r.rows.empty())
      *out = !r.rows[0].IsNull(0) ? DeviceState::kRevoked : r.rows[0].IsNull(1) ? DeviceState::kNoSignKey : DeviceState::kReady;
    return r;
  });
}

Status Storage::Authenticate(const std::string& key_hash, AuthResult* result, std::string* device_id,
                             std::string* kind) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT device_id, revoked_at, COALESCE(kind, '') FROM devices WHERE key_hash = ?", {key_hash});
    *result = AuthResult::kUnknown;
    if (r.ok() && !r.rows.empty()) {
      *device_id = r.rows[0].Text(0);
      *result = r.rows[0].IsNull(1) ? AuthResult::kOk : AuthResult::kRevoked;
      if (kind) *kind = r.rows[0].Text(2);
    }
    return r;
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] service requests, idempotency and the feed
// ---------------------------------------------------------------------------------------------

namespace {

// Looks up `idem.key`. Returns true when the key is already spent, with `out` filled: a replay of
// the stored response when the same device sent the same payload to the same endpoint, a conflict
// otherwise (invariants I1, I2).
bool SpentKey(SqlConn& c, const IdemKey& idem, IdemOutcome* out, SqlResult* r) {
  *r = c.Exec("SELECT device_id, endpoint, payload_hash, status_code, body, result_id FROM idempotency"
              " WHERE idem_key = ?",
              {idem.key});
  if (!r->ok() || r->rows.empty()) return false;
  const SqlRow& row = r->rows[0];
  *out = IdemOutcome{};
  out->id = row.Int(5);
  if (row.Text(1) != idem.endpoint) {
    out->kind = IdemOutcome::Kind::kConflict;
    out->reason = "this Idempotency-Key was already used for a different kind of request";
  } else if (row.Text(0) != idem.device_id) {
    out->kind = IdemOutcome::Kind::kConflict;
    out->reason = "this Idempotency-Key was already used by another device";
  } else if (row.Text(2) != idem.payload_hash) {
    out->kind = IdemOutcome::Kind::kConflict;
    out->reason = "this Idempotency-Key was already used with a different payload; a new complaint needs a new key";
  } else {
    out->kind = IdemOutcome::Kind::kReplayed;
    out->status = static_cast<int>(row.Int(3));
    out->body = row.Text(4);
  }
  return true;
}

SqlResult RememberKey(SqlConn& c, const IdemKey& idem, const IdemOutcome& out) {
  return c.Exec("INSERT INTO idempotency (idem_key, device_id, endpoint, payload_hash, status_code, body,"
                " result_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {idem.key, idem.device_id, idem.endpoint, idem.payload_hash, std::int64_t{out.status}, out.body,
                 out.id, UnixNow()});
}

// agency_responsible is the department a transfer sent the request to, else its category's.
constexpr const char* kRequestColumns =
    "SELECT r.id, r.service_code, s.name, COALESCE(d.name, s.grp), r.status, r.status_notes, r.description,"
    " r.address, r.address_id, r.ward, r.ticket, r.assigned_to, r.lat, r.lon, r.requested_at, r.updated_at,"
    " s.sla_hours, r.photo_upload_id, r.thumb_upload_id,"
    " CASE WHEN r.department <> '' THEN r.department ELSE s.dept END, r.work_status, r.lang, r.status_changed_at,"
    " (SELECT MAX(u.update_id) FROM updates u WHERE u.request_id = r.id)"
    " FROM requests r JOIN services s ON s.code = r.service_code LEFT JOIN departments d ON d.code = r.department";

o311::ServiceRequest RequestFromRow(const SqlRow& row) {
  o311::ServiceRequest q;
  q.id = row.Int(0);
  q.service_code = row.Text(1);
  q.service_name = row.Text(2);
  q.agency_responsible = row.Text(3);
  q.status = row.Text(4);
  q.status_notes = row.Text(5);
  q.description = row.Text(6);
  q.address = row.Text(7);
  q.address_id = row.Text(8);
  q.ward = row.Text(9);
  q.ticket = row.Text(10);
  q.assigned_to = row.Text(11);
  q.has_location = !row.IsNull(12);
  q.lat = row.Real(12);
  q.lon = row.Real(13);
  q.requested_at = row.Int(14);
  q.updated_at = row.Int(15);
  const std::int64_t sla = row.Int(16);
  q.expected_at = sla > 0 ? q.requested_at + sla * 3600 : 0;
  q.photo_upload_id = row.Text(17);
  q.thumb_upload_id = row.Text(18);
  q.department = row.Text(19);
  q.detailed_status = row.Text(20);
  q.lang = row.Text(21);
  q.status_changed_at = row.Int(22);
  q.latest_update_id = row.Int(23);
  return q;
}

constexpr const char* kUpdateInsert =
    "INSERT INTO updates (request_id, status, description, media_url, device_id, created_at, changed_status,"
    " conflict, based_on, recorded_at, department, lat, lon, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " RETURNING update_id";

}  // namespace

namespace {

// The body of a create (I1–I3), inside the caller's write transaction: POST /requests.json runs
// it alone, `import` once per complaint of a bundle, all in one transaction.
SqlResult CreateRequestIn(SqlConn& c, const o311::NewServiceRequest& req, const IdemKey& idem, const Renderer& render,
                          IdemOutcome* out) {
  assert(idem.key == req.client_uuid && "a create's idempotency key is its client UUID");
  SqlResult r;
  if (SpentKey(c, idem, out, &r) || !r.ok()) return r;
  const std::int64_t now = UnixNow();
  const SqlValue lat = req.has_location ? SqlValue(req.lat) : SqlValue();
  const SqlValue lon = req.has_location ? SqlValue(req.lon) : SqlValue();
  const SqlValue captured = req.captured_at ? SqlValue(req.captured_at) : SqlValue();
  // client_uuid is UNIQUE: of two racing transactions one fails here with kUnique, rolls back,
  // and on its second run finds the winner's key above (invariant I3).
  r = c.Exec(
      "INSERT INTO requests (client_uuid, service_code, status, status_notes, description, address, address_id,"
      " lat, lon, ward, ticket, ticket_digits, email, first_name, last_name, phone, account_id, device_hw_id,"
      " media_url, device_id, captured_at, requested_at, updated_at, assigned_to, photo_upload_id,"
      " thumb_upload_id, work_status, status_changed_at, department, lang)"
      " VALUES (?, ?, 'open', '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', 'open', ?, '', ?)"
      " RETURNING id",
      {req.client_uuid, req.service_code, req.description, req.address, req.address_id, lat, lon, req.ward,
       req.ticket, req.ticket_digits, req.email, req.first_name, req.last_name, req.phone, req.account_id,
       req.device_hw_id, req.media_url, idem.device_id, captured, now, now, now, req.lang});
  if (!r.ok()) return r;
  const std::int64_t id = r.rows.at(0).Int(0);
  // Taken after the insert, not before: a lock first would serialise same-key racers before
  // they reach the UNIQUE index, and the index is what we rely on (DESIGN.md F1, I3).
  if (!(r = c.LockFeed()).ok()) return r;
  r = c.Exec("INSERT INTO updates (request_id, status, description, media_url, device_id, created_at)"
             " VALUES (?, 'open', 'Complaint received', '', ?, ?)",
             {id, idem.device_id, now});
  if (!r.ok()) return r;
  *out = IdemOutcome{};
  out->kind = IdemOutcome::Kind::kCreated;
  out->id = id;
  out->body = render(id);
  return RememberKey(c, idem, *out);
}

}  // namespace

Status Storage::CreateRequest(const o311::NewServiceRequest& req, const IdemKey& idem, const Renderer& render,
                              IdemOutcome* out) {
  return InWriteTx([&](SqlConn& c) { return CreateRequestIn(c, req, idem, render, out); });
}

namespace {

// What o311::ParseUpdate and Api::PostUpdate promise about a field update before it is stored
// (DESIGN.md, "Field work"); compiled out in release builds.
void AssertFieldUpdate(const o311::NewUpdate& u) {
#ifndef NDEBUG
  assert(o311::IsUpdateStatus(u.sent_status) && u.status == o311::StoredUpdateStatus(u.sent_status) &&
         "the stored status is the sent one, mapped");
  assert((u.status != "closed" || u.description.find_first_not_of(" \t\r\n") != std::string::npos) &&
         "W4: a rejection carries its reason");
  assert((u.status == "transferred") == !u.department.empty() && "W5: a transfer, and only a transfer, names a department");
  assert((u.sent_status != "resolved" || !u.media_url.empty()) && "W3: resolved names its after photo");
#else
  (void)u;
#endif
}

}  // namespace

Status Storage::AddUpdate(const o311::NewUpdate& update, const IdemKey& idem, const UpdateRenderer& render,
                          IdemOutcome* out) {
  AssertFieldUpdate(update);
  return InWriteTx([&](SqlConn& c) {
    SqlResult r;
    if (SpentKey(c, idem, out, &r) || !r.ok()) return r;
    if (!(r = c.LockFeed()).ok()) return r;  // before touching the request row (F1, no lock cycles)
    r = c.Exec("SELECT r.work_status, r.status_notes, CASE WHEN r.department <> '' THEN r.department ELSE s.dept END,"
               " r.department FROM requests r JOIN services s ON s.code = r.service_code WHERE r.id = ?",
               {update.request_id});
    if (!r.ok()) return r;
    if (r.rows.empty()) {
      *out = IdemOutcome{};
      out->kind = IdemOutcome::Kind::kNotFound;  // not remembered: the key stays free for a fix
      return r;
    }
    const std::string current = r.rows[0].Text(0), notes = r.rows[0].Text(1), dept_now = r.rows[0].Text(2);
    const std::string dept_column = r.rows[0].Text(3);
    const std::int64_t now = UnixNow();
    UpdateApplied applied;
    // W2: a newer change of status by someone else (central, another device) wins. Updates from
    // this same device are not rivals: a device queues several while offline, all based on the
    // last update it pulled.
    if (update.has_based_on) {
      r = c.Exec("SELECT 1 FROM updates WHERE request_id = ? AND update_id > ? AND changed_status = 1 AND device_id <> ?",
                 {update.request_id, update.based_on_update_id, idem.device_id});
      if (!r.ok()) return r;
      applied.conflict = !r.rows.empty();
    }
    const bool transfer = update.status == "transferred";
    bool changed = false;
    applied.current_status = current;
    applied.department = dept_now;
    if (!applied.conflict) {
      changed = update.status != current || (transfer && update.department != dept_now);
      applied.current_status = update.status;
      if (transfer) applied.department = update.department;
      // A transfer hands the request to another department, whose nodal officer assigns it: the
      // old department's engineer no longer lists it.
      const bool unassign = transfer && update.department != dept_now;
      r = c.Exec("UPDATE requests SET status = ?, work_status = ?, status_notes = ?, updated_at = ?,"
                 " status_changed_at = CASE WHEN ? = 1 THEN ? ELSE status_changed_at END, department = ?,"
                 " assigned_to = CASE WHEN ? = 1 THEN '' ELSE assigned_to END WHERE id = ?",
                 {std::string(o311::RequestStatusAfter(update.status)), update.status,
                  update.description.empty() ? notes : update.description, now, std::int64_t{changed}, now,
                  transfer ? update.department : dept_column, std::int64_t{unassign}, update.request_id});
      if (!r.ok()) return r;
      if (unassign) {
        r = c.Exec("INSERT INTO assignments (request_id, assignee, created_at) VALUES (?, '', ?)", {update.request_id, now});
        if (!r.ok()) return r;
      }
    }
    applied.request_status = std::string(o311::RequestStatusAfter(applied.current_status));
    const SqlValue based = update.has_based_on ? SqlValue(update.based_on_update_id) : SqlValue();
    const SqlValue recorded = update.recorded_at ? SqlValue(update.recorded_at) : SqlValue();
    const SqlValue lat = update.has_location ? SqlValue(update.lat) : SqlValue();
    const SqlValue lon = update.has_location ? SqlValue(update.lon) : SqlValue();
    r = c.Exec(kUpdateInsert, {update.request_id, update.status, update.description, update.media_url, idem.device_id,
                               now, std::int64_t{changed}, std::int64_t{applied.conflict}, based, recorded,
                               transfer ? update.department : std::string(), lat, lon, update.user_id});
    if (!r.ok()) return r;
    *out = IdemOutcome{};
    out->kind = IdemOutcome::Kind::kCreated;
    out->id = applied.update_id = r.rows.at(0).Int(0);
    out->body = render(applied);
    return RememberKey(c, idem, *out);
  });
}

Status Storage::GetRequest(std::int64_t id, o311::ServiceRequest* out, bool* found) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kRequestColumns) + " WHERE r.id = ?", {id});
    *found = r.ok() && !r.rows.empty();
    if (*found) *out = RequestFromRow(r.rows[0]);
    return r;
  });
}

Status Storage::FindRequestByClientUuid(const std::string& uuid, std::int64_t* id, bool* found) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT id FROM requests WHERE client_uuid = ?", {uuid});
    *found = r.ok() && !r.rows.empty();
    if (*found) *id = r.rows[0].Int(0);
    return r;
  });
}

Status Storage::QueryRequests(const RequestQuery& q, std::vector<o311::ServiceRequest>* out) {
  std::string sql(kRequestColumns);
  std::vector<SqlValue> params;
  std::string where;
  const auto add = [&](const std::string& clause) { where += (where.empty() ? " WHERE " : " AND ") + clause; };
  const auto in_list = [&](const char* column, size_t n) {
    std::string s = std::string(column) + " IN (";
    for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
    return s + ")";
  };
  if (!q.ids.empty()) {
    add(in_list("r.id", q.ids.size()));
    for (const auto id : q.ids) params.emplace_back(id);
  }
  if (!q.service_codes.empty()) {
    add(in_list("r.service_code", q.service_codes.size()));
    for (const auto& code : q.service_codes) params.emplace_back(code);
  }
  if (!q.status.empty()) {
    add("r.status = ?");
    params.emplace_back(q.status);
  }
  if (q.start) {
    add("r.requested_at >= ?");
    params.emplace_back(q.start);
  }
  if (q.end) {
    add("r.requested_at <= ?");
    params.emplace_back(q.end);
  }
  if (!q.ticket_digits.empty()) {
    add("r.ticket_digits = ?");
    params.emplace_back(q.ticket_digits);
  }
  if (!q.assigned_to.empty()) {
    add("r.assigned_to = ?");
    params.emplace_back(q.assigned_to);
  }
  // Newest first, by id: ids only grow, so pages are stable while new complaints arrive at the top.
  // An engineer's list goes by due time (expected_datetime), the order work is done in.
  sql += where + (q.assigned_to.empty() ? " ORDER BY r.id DESC" : " ORDER BY r.requested_at + s.sla_hours * 3600, r.id");
  sql += " LIMIT ? OFFSET ?";
  params.emplace_back(std::int64_t{q.limit});
  params.emplace_back(std::int64_t{q.offset});
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(sql, params);
    out->clear();
    for (const auto& row : r.rows) out->push_back(RequestFromRow(row));
    return r;
  });
}

Status Storage::FeedAfter(std::int64_t after, int limit, std::vector<o311::RequestUpdate>* out,
                          const FeedFilter& filter, std::int64_t* next_cursor) {
  const bool narrowed = !filter.issued_by.empty();
  std::int64_t newest = after;  // narrowed: the newest update when the page was read
  const Status st = Read([&](SqlConn& c) {
    std::string sql =
        "SELECT u.update_id, u.request_id, u.status, u.description, u.media_url, u.created_at, u.conflict, u.based_on,"
        " u.recorded_at, u.department, u.lat, u.lon, u.user_id FROM updates u";
    std::vector<SqlValue> args;
    if (narrowed) {
      // Read first, then bound the page by it: every id up to it is committed or rolled back for
      // good (F1), so a cursor moved to it skips nothing a later reader could see.
      SqlResult m = c.Exec("SELECT COALESCE(MAX(update_id), 0) FROM updates");
      if (!m.ok() || m.rows.empty()) return m;
      newest = std::max(after, m.rows[0].Int(0));
      sql += " JOIN requests r ON r.id = u.request_id";
    }
    sql += " WHERE u.update_id > ?";
    args.emplace_back(after);
    if (filter.request_id > 0) {
      sql += " AND u.request_id = ?";
      args.emplace_back(filter.request_id);
    }
    if (narrowed) {
      sql += " AND u.update_id <= ? AND substr(r.ticket_digits, 1, 5) IN (";
      args.emplace_back(newest);
      for (size_t i = 0; i < filter.issued_by.size(); ++i) {
        sql += i ? ", ?" : "?";
        args.emplace_back(filter.issued_by[i]);
      }
      sql += ")";
    }
    sql += " ORDER BY u.update_id LIMIT ?";
    args.emplace_back(std::int64_t{limit});
    SqlResult r = c.Exec(sql, args);
    out->clear();
    for (const auto& row : r.rows) {
      o311::RequestUpdate u;
      u.update_id = row.Int(0);
      u.request_id = row.Int(1);
      u.status = row.Text(2);
      u.description = row.Text(3);
      u.media_url = row.Text(4);
      u.updated_at = row.Int(5);
      u.conflict = row.Int(6) != 0;
      u.based_on_update_id = row.Int(7);
      u.recorded_at = row.Int(8);
      u.department = row.Text(9);
      u.has_location = !row.IsNull(10);
      u.lat = row.Real(10);
      u.lon = row.Real(11);
      u.user_id = row.Text(12);
      out->push_back(std::move(u));
    }
    return r;
  });
  if (!st.ok()) return st;
  const std::int64_t next = narrowed && static_cast<int>(out->size()) < limit ? newest
                            : out->empty()                                     ? after
                                                                               : out->back().update_id;
  if (next_cursor) *next_cursor = next;
  // A device moves its cursor past what it is given: an update lost to a power cut after being
  // served would leave its update_id to the next writer, and that update would never reach this
  // device (F1). So the page is served only once all it may contain, or pass over, is durable.
  return next > after ? WaitDurable() : st;
}

Status Storage::Assign(std::int64_t request_id, const std::string& assignee, AssignResult* result) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.LockFeed();
    if (!r.ok()) return r;
    r = c.Exec("SELECT active FROM staff WHERE user_id = ?", {assignee});
    if (!r.ok()) return r;
    if (r.rows.empty() || r.rows[0].Int(0) == 0) {
      *result = r.rows.empty() ? AssignResult::kNoUser : AssignResult::kInactiveUser;
      return r;
    }
    r = c.Exec("SELECT work_status FROM requests WHERE id = ?", {request_id});
    if (!r.ok()) return r;
    if (r.rows.empty()) {
      *result = AssignResult::kNoRequest;
      return r;
    }
    // Assigning puts an open request in progress (the citizen sees someone is on it); any other
    // status stays as it is.
    const std::string current = r.rows[0].Text(0);
    const std::string status = current == "open" ? "in_progress" : current;
    const std::int64_t changed = status != current;
    const std::int64_t now = UnixNow();
    r = c.Exec("UPDATE requests SET assigned_to = ?, updated_at = ?, work_status = ?,"
               " status_changed_at = CASE WHEN ? = 1 THEN ? ELSE status_changed_at END WHERE id = ?",
               {assignee, now, status, changed, now, request_id});
    if (!r.ok()) return r;
    r = c.Exec("INSERT INTO assignments (request_id, assignee, created_at) VALUES (?, ?, ?)", {request_id, assignee, now});
    if (!r.ok()) return r;
    *result = AssignResult::kAssigned;
    return c.Exec(kUpdateInsert, {request_id, status, "Assigned to " + assignee, std::string(), std::string(), now,
                                  changed, std::int64_t{0}, SqlValue(), SqlValue(), std::string(), SqlValue(), SqlValue(),
                                  assignee});
  });
}

Status Storage::ResolvedRequests(int limit, std::vector<o311::ServiceRequest>* out) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kRequestColumns) +
                             " WHERE r.work_status = 'fixed' ORDER BY r.status_changed_at DESC, r.id DESC LIMIT ?",
                         {std::int64_t{limit}});
    out->clear();
    for (const auto& row : r.rows) out->push_back(RequestFromRow(row));
    return r;
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] staff accounts
// ---------------------------------------------------------------------------------------------

Status Storage::AddStaff(const StaffAccount& a, bool* added) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT 1 FROM staff WHERE user_id = ?", {a.user_id});
    *added = r.ok() && r.rows.empty();
    if (!*added) return r;
    const std::int64_t now = UnixNow();
    // Two admins adding the same id at once: the loser fails on the PRIMARY KEY, InWriteTx runs
    // it again, and it finds the winner's row above.
    return c.Exec("INSERT INTO staff (user_id, name, ward, department, role, active, pin_hash, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {a.user_id, a.name, a.ward, a.department, a.role, std::int64_t{a.active}, a.pin_hash, now, now});
  });
}

Status Storage::ListStaff(std::vector<StaffAccount>* out) { return ListStaffWhere("", {}, out); }

Status Storage::ListStaffFor(const std::string& device_id, std::vector<StaffAccount>* out) {
  // A device with no ward (or none known) is sent every account, as before wards were recorded;
  // one of no kind, every role. A kiosk is not sent engineers (they sign in on their tablets),
  // a tablet not ward staff (they sign in at the office's kiosks); nodal officers go to both (S7).
  return ListStaffWhere(" WHERE ward = COALESCE((SELECT d.ward FROM devices d WHERE d.device_id = ?), ward)"
                        " AND COALESCE((SELECT d.kind FROM devices d WHERE d.device_id = ?), '')"
                        " <> CASE role WHEN 'engineer' THEN 'kiosk' WHEN 'ward_staff' THEN 'tablet' ELSE '-' END",
                        {device_id, device_id}, out);
}

Status Storage::ListStaffWhere(const std::string& where, const std::vector<SqlValue>& args, std::vector<StaffAccount>* out) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT user_id, name, ward, department, role, active, pin_hash, created_at, updated_at"
                         " FROM staff" + where + " ORDER BY user_id", args);
    out->clear();
    for (const auto& row : r.rows) {
      StaffAccount a;
      a.user_id = row.Text(0);
      a.name = row.Text(1);
      a.ward = row.Text(2);
      a.department = row.Text(3);
      a.role = row.Text(4);
      a.active = row.Int(5) != 0;
      a.pin_hash = row.Text(6);
      a.created_at = row.Int(7);
      a.updated_at = row.Int(8);
      out->push_back(std::move(a));
    }
    return r;
  });
}

Status Storage::SetStaffActive(const std::string& user_id, bool active, bool* found) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("UPDATE staff SET active = ?, updated_at = ? WHERE user_id = ? RETURNING user_id",
                         {std::int64_t{active}, UnixNow(), user_id});
    *found = r.ok() && !r.rows.empty();
    return r;
  });
}

Status Storage::SetStaffPin(const std::string& user_id, const std::string& pin_hash, bool* found) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("UPDATE staff SET pin_hash = ?, updated_at = ? WHERE user_id = ? RETURNING user_id",
                         {pin_hash, UnixNow(), user_id});
    *found = r.ok() && !r.rows.empty();
    return r;
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] development works and the Atom feed's id
// ---------------------------------------------------------------------------------------------

namespace {

constexpr const char* kWorkColumns =
    "SELECT id, title, description, lang, ward, lat, lon, created_at, updated_at, user_id FROM works";

o311::Work WorkFromRow(const SqlRow& row) {
  o311::Work w;
  w.id = row.Int(0);
  w.title = row.Text(1);
  w.description = row.Text(2);
  w.lang = row.Text(3);
  w.ward = row.Text(4);
  w.has_location = !row.IsNull(5);
  w.lat = row.Real(5);
  w.lon = row.Real(6);
  w.created_at = row.Int(7);
  w.updated_at = row.Int(8);
  w.user_id = row.Text(9);
  return w;
}

}  // namespace

Status Storage::CreateWork(const o311::NewWork& work, const IdemKey& idem, const Renderer& render, IdemOutcome* out) {
  assert(idem.key == work.client_uuid && "a work's idempotency key is its client UUID");
  return InWriteTx([&](SqlConn& c) {
    SqlResult r;
    if (SpentKey(c, idem, out, &r) || !r.ok()) return r;
    const std::int64_t now = UnixNow();
    const SqlValue lat = work.has_location ? SqlValue(work.lat) : SqlValue();
    const SqlValue lon = work.has_location ? SqlValue(work.lon) : SqlValue();
    // client_uuid is UNIQUE: racing creates meet here, as requests do (I3).
    r = c.Exec("INSERT INTO works (client_uuid, title, description, lang, ward, lat, lon, device_id, created_at, updated_at,"
               " user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
               {work.client_uuid, work.title, work.description, work.lang, work.ward, lat, lon, idem.device_id, now, now,
                work.user_id});
    if (!r.ok()) return r;
    *out = IdemOutcome{};
    out->kind = IdemOutcome::Kind::kCreated;
    out->id = r.rows.at(0).Int(0);
    out->body = render(out->id);
    return RememberKey(c, idem, *out);
  });
}

Status Storage::GetWork(std::int64_t id, o311::Work* out, bool* found) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kWorkColumns) + " WHERE id = ?", {id});
    *found = r.ok() && !r.rows.empty();
    if (*found) *out = WorkFromRow(r.rows[0]);
    return r;
  });
}

Status Storage::LatestWorks(int limit, std::vector<o311::Work>* out) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kWorkColumns) + " ORDER BY created_at DESC, id DESC LIMIT ?", {std::int64_t{limit}});
    out->clear();
    for (const auto& row : r.rows) out->push_back(WorkFromRow(row));
    return r;
  });
}

Status Storage::FeedUuid(const std::string& candidate, std::string* uuid) {
  // Read first: a public GET should not cost a durable write each time, only the very first.
  uuid->clear();
  Status st = Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT value FROM samvad_meta WHERE name = 'feed_uuid'");
    if (r.ok() && !r.rows.empty()) *uuid = r.rows[0].Text(0);
    return r;
  });
  if (!st.ok() || !uuid->empty()) return st;
  return InWriteTx([&](SqlConn& c) {
    // The first caller's candidate stays; everyone after reads it back.
    SqlResult r = c.Exec("INSERT INTO samvad_meta (name, value) VALUES ('feed_uuid', ?) ON CONFLICT (name) DO NOTHING",
                         {candidate});
    if (!r.ok()) return r;
    r = c.Exec("SELECT value FROM samvad_meta WHERE name = 'feed_uuid'");
    if (r.ok() && !r.rows.empty()) *uuid = r.rows[0].Text(0);
    return r;
  });
}

Status Storage::GetMeta(const std::string& name, std::string* value) {
  value->clear();
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec("SELECT value FROM samvad_meta WHERE name = ?", {name});
    if (r.ok() && !r.rows.empty()) *value = r.rows[0].Text(0);
    return r;
  });
}

Status Storage::SetMeta(const std::string& name, const std::string& value) {
  return InWriteTx([&](SqlConn& c) {
    return c.Exec("INSERT INTO samvad_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                  {name, value});
  });
}

// ---------------------------------------------------------------------------------------------
// [SECTION] uploads
// ---------------------------------------------------------------------------------------------

namespace {

constexpr const char* kUploadColumns =
    "SELECT upload_id, request_id, kind, content_type, filename, device_id, length, received, created_at,"
    " completed_at, sha256, work_id, unsynced, taken_at, COALESCE(metadata, '') FROM uploads";

Upload UploadFromRow(const SqlRow& row) {
  Upload u;
  u.id = row.Text(0);
  u.request_id = row.Int(1);
  u.kind = row.Text(2);
  u.content_type = row.Text(3);
  u.filename = row.Text(4);
  u.device_id = row.Text(5);
  u.length = row.Int(6);
  u.received = row.Int(7);
  u.created_at = row.Int(8);
  u.completed_at = row.Int(9);
  u.sha256 = row.Text(10);
  u.work_id = row.Int(11);
  u.unsynced = row.Int(12) != 0;
  if (!row.IsNull(13)) u.taken_at = row.Int(13);
  u.metadata = row.Text(14);
  return u;
}

}  // namespace

Status Storage::CreateUpload(const Upload& want, Upload* got, UploadCreate* result) {
  return InWriteTx([&](SqlConn& c) {
    // UNIQUE (request_id, kind): a device that lost the 201 and POSTs again gets the same upload
    // back and resumes it, instead of leaving an orphan beside a second copy (invariant U4).
    assert((want.request_id > 0) != (want.work_id > 0) && "an upload belongs to a request or to a work");
    const bool for_work = want.work_id > 0;
    // The caller may have taken the device from a key it had seen before (Api::KnownDevice):
    // whether that device is still allowed is decided here, in the transaction that writes.
    SqlResult r = c.Exec("SELECT revoked_at FROM devices WHERE device_id = ?", {want.device_id});
    if (!r.ok()) return r;
    if (!r.rows.empty() && !r.rows[0].IsNull(0)) {
      *result = UploadCreate::kRevoked;
      return r;
    }
    // The complaint or work must exist; checked here rather than by a read before (one
    // transaction per create instead of two).
    r = c.Exec(for_work ? "SELECT 1 FROM works WHERE id = ?" : "SELECT 1 FROM requests WHERE id = ?",
               {for_work ? want.work_id : want.request_id});
    if (!r.ok()) return r;
    if (r.rows.empty()) {
      *result = UploadCreate::kNoTarget;
      return r;
    }
    r = c.Exec(std::string(kUploadColumns) + (for_work ? " WHERE work_id = ? AND kind = ?" : " WHERE request_id = ? AND kind = ?"),
               {for_work ? want.work_id : want.request_id, want.kind});
    if (!r.ok()) return r;
    if (!r.rows.empty()) {
      // taken_at is not compared: a repeated POST resumes the same upload whatever time it
      // declares, and the first one stored stays (PROTOCOL.md, Extension 2).
      *got = UploadFromRow(r.rows[0]);
      *result = got->length == want.length && got->device_id == want.device_id && got->sha256 == want.sha256
                    ? UploadCreate::kExisting
                    : UploadCreate::kConflict;
      return r;
    }
    r = c.Exec("INSERT INTO uploads (upload_id, request_id, work_id, kind, length, received, content_type, filename,"
               " device_id, created_at, sha256, taken_at, metadata) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)",
               {want.id, for_work ? SqlValue() : SqlValue(want.request_id), for_work ? SqlValue(want.work_id) : SqlValue(),
                want.kind, want.length, want.content_type, want.filename, want.device_id, UnixNow(), want.sha256,
                want.taken_at ? SqlValue(*want.taken_at) : SqlValue(), want.metadata});
    *got = want;
    *result = UploadCreate::kCreated;
    return r;
    // Not durable at once (a serialised fsync per photo saved): a power cut may forget an upload
    // with nothing received; the device's PATCH then gets 404 and it creates it again. The first
    // PATCH's durable commit carries this row to disk with it (U5).
  }, /*durable=*/false);
}

Status Storage::GetUpload(const std::string& id, Upload* out, bool* found) {
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kUploadColumns) + " WHERE upload_id = ?", {id});
    *found = r.ok() && !r.rows.empty();
    if (*found) *out = UploadFromRow(r.rows[0]);
    return r;
  });
}

namespace {

// What PublishIfDurable reads of an upload row that has just moved (RETURNING).
constexpr const char* kPublishColumns = "request_id, kind, length, work_id, received, unsynced";

// U6: a photo is published — named by its request's media_url / thumbnail_url, listed, served —
// once it is finished *and durable*. An upload flushed later (U8) is finished in the page cache
// only; a power cut can still send it back to 0 (SettleUnsynced), so it is published when the
// flush that covers it marks it synced, not when its last bytes arrive. Bumps the request's or
// work's updated_at either way a photo appears. `moved`: the row's kPublishColumns.
SqlResult PublishIfDurable(SqlConn& c, const std::string& id, const SqlRow& moved, std::int64_t now, SqlResult r) {
  const std::int64_t request_id = moved.Int(0);
  const std::string kind = moved.Text(1);
  const std::int64_t length = moved.Int(2), work_id = moved.Int(3), received = moved.Int(4);
  if (received != length || moved.Int(5) != 0) return r;
  if (work_id > 0) return c.Exec("UPDATE works SET updated_at = ? WHERE id = ?", {now, work_id});
  // The first photo and its thumbnail are the request's Open311 media_url / thumbnail_url;
  // further photos ("photo.1", …) are listed from the uploads table (media_urls).
  if (kind != "photo" && kind != "thumb") return c.Exec("UPDATE requests SET updated_at = ? WHERE id = ?", {now, request_id});
  const char* column = kind == "thumb" ? "thumb_upload_id" : "photo_upload_id";
  return c.Exec(std::string("UPDATE requests SET ") + column + " = ?, updated_at = ? WHERE id = ?", {id, now, request_id});
}

}  // namespace

Status Storage::AdvanceUpload(const std::string& id, std::int64_t from, std::int64_t to, bool* advanced,
                              bool unsynced) {
  return InWriteTx([&](SqlConn& c) {
    const std::int64_t now = UnixNow();
    // "AND received = ?": the offset only moves from where this PATCH started (invariant U2).
    // A flushed PATCH clears `unsynced` (fdatasync flushed the file's earlier bytes too); an
    // empty one leaves it as it was.
    SqlResult r = c.Exec(
        "UPDATE uploads SET received = ?, completed_at = CASE WHEN ? = length THEN ? ELSE NULL END,"
        " unsynced = CASE WHEN ? = received THEN unsynced ELSE ? END"
        " WHERE upload_id = ? AND received = ? AND ? <= length RETURNING " + std::string(kPublishColumns),
        {to, to, now, to, std::int64_t{unsynced ? 1 : 0}, id, from, to});
    *advanced = r.ok() && !r.rows.empty();
    if (!*advanced) return r;
    return PublishIfDurable(c, id, r.rows[0], now, r);
  }, /*durable=*/!unsynced);
}

Status Storage::ResetUpload(const std::string& id, std::int64_t from, bool* reset) {
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("UPDATE uploads SET received = 0, completed_at = NULL, unsynced = 0 WHERE upload_id = ?"
                         " AND received = ? RETURNING upload_id",
                         {id, from});
    *reset = r.ok() && !r.rows.empty();
    if (!*reset) return r;
    // No request names an unfinished photo (U6). Only a database written before photos waited
    // for their flush to be published can hold one here; unpublish it.
    r = c.Exec("UPDATE requests SET photo_upload_id = '' WHERE photo_upload_id = ?", {id});
    if (!r.ok()) return r;
    return c.Exec("UPDATE requests SET thumb_upload_id = '' WHERE thumb_upload_id = ?", {id});
  });
}

Status Storage::ListUnsynced(std::vector<Upload>* out) {
  out->clear();
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(std::string(kUploadColumns) + " WHERE unsynced <> 0 ORDER BY created_at, upload_id");
    if (r.ok())
      for (const auto& row : r.rows) out->push_back(UploadFromRow(row));
    return r;
  });
}

Status Storage::MarkSynced(const std::vector<Upload>& uploads) {
  if (uploads.empty()) return {};
  return InWriteTx([&](SqlConn& c) {
    SqlResult r;
    const std::int64_t now = UnixNow();
    for (const Upload& u : uploads) {
      r = c.Exec("UPDATE uploads SET unsynced = 0 WHERE upload_id = ? AND received = ? RETURNING " + std::string(kPublishColumns),
                 {u.id, u.received});
      if (r.ok() && !r.rows.empty()) r = PublishIfDurable(c, u.id, r.rows[0], now, r);
      if (!r.ok()) return r;
    }
    return r;
  });
}

bool IsUploadId(std::string_view id) {
  if (id.size() != 32) return false;
  for (const char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  errno = err;
  return ok;
}

Status Storage::ForgetAbandonedUploads(std::int64_t created_before, std::vector<std::string>* ids) {
  ids->clear();
  return InWriteTx([&](SqlConn& c) {
    SqlResult r = c.Exec("DELETE FROM uploads WHERE completed_at IS NULL AND created_at < ? RETURNING upload_id",
                         {created_before});
    if (r.ok())
      for (const auto& row : r.rows) ids->push_back(row.Text(0));
    return r;
  });
}

Status Storage::KnownUploads(const std::vector<std::string>& ids, std::set<std::string>* known) {
  known->clear();
  return Read([&](SqlConn& c) {
    SqlResult r;
    for (size_t from = 0; from < ids.size(); from += 500) {  // bound parameters, 500 at a time
      std::string sql = "SELECT upload_id FROM uploads WHERE upload_id IN (";
      std::vector<SqlValue> args;
      for (size_t i = from; i < std::min(ids.size(), from + 500); ++i) {
        sql += i > from ? ", ?" : "?";
        args.emplace_back(ids[i]);
      }
      r = c.Exec(sql + ")", args);
      if (!r.ok()) return r;
      for (const auto& row : r.rows) known->insert(row.Text(0));
    }
    return r;
  });
}

Status Storage::ExtraPhotos(const std::vector<std::int64_t>& request_ids, std::map<std::int64_t, std::vector<std::string>>* out) {
  out->clear();
  if (request_ids.empty()) return {};
  return Read([&](SqlConn& c) {
    // Bound parameters one by one: the id list comes from our own query, but never build SQL
    // from values.
    std::string sql = "SELECT request_id, upload_id FROM uploads WHERE kind LIKE 'photo.%' AND completed_at IS NOT NULL"
                      " AND unsynced = 0"
                      " AND request_id IN (";
    std::vector<SqlValue> args;
    for (size_t i = 0; i < request_ids.size(); ++i) {
      sql += i ? ", ?" : "?";
      args.emplace_back(request_ids[i]);
    }
    sql += ") ORDER BY request_id, kind";
    SqlResult r = c.Exec(sql, args);
    if (!r.ok()) return r;
    for (const auto& row : r.rows) (*out)[row.Int(0)].push_back(row.Text(1));
    return r;
  });
}

Status Storage::WorkPhotos(const std::vector<std::int64_t>& request_ids, const std::vector<std::int64_t>& work_ids,
                           std::vector<Upload>* out) {
  out->clear();
  if (request_ids.empty() && work_ids.empty()) return {};
  std::string sql = std::string(kUploadColumns) +
                    " WHERE completed_at IS NOT NULL AND unsynced = 0 AND (kind LIKE 'before%' OR kind LIKE 'after%') AND (";
  std::vector<SqlValue> args;
  const auto in_list = [&](const char* column, const std::vector<std::int64_t>& ids) {
    sql += std::string(column) + " IN (";
    for (size_t i = 0; i < ids.size(); ++i) {
      sql += i ? ", ?" : "?";
      args.emplace_back(ids[i]);
    }
    sql += ")";
  };
  if (!request_ids.empty()) in_list("request_id", request_ids);
  if (!request_ids.empty() && !work_ids.empty()) sql += " OR ";
  if (!work_ids.empty()) in_list("work_id", work_ids);
  // "after" < "after.1" < "after.2": kinds sort in index order.
  sql += ") ORDER BY kind";
  return Read([&](SqlConn& c) {
    SqlResult r = c.Exec(sql, args);
    for (const auto& row : r.rows) out->push_back(UploadFromRow(row));
    return r;
  });
}

std::vector<o311::PublishedWorkPhoto> PublishedWorkPhotos(const std::vector<Upload>& uploads, std::int64_t request_id,
                                                          std::int64_t work_id) {
  std::vector<o311::PublishedWorkPhoto> out;
  for (const Upload& u : uploads) {
    if (u.request_id != request_id || u.work_id != work_id) continue;
    // The kind column holds "before", "after.1", …: the kind, and the index after the dot (U4).
    const size_t dot = u.kind.find('.');
    o311::PublishedWorkPhoto p;
    p.kind = u.kind.substr(0, dot);
    if (dot != std::string::npos) std::from_chars(u.kind.data() + dot + 1, u.kind.data() + u.kind.size(), p.index);
    assert((p.kind == "before" || p.kind == "after") && "WorkPhotos lists only before and after uploads");
    p.upload_id = u.id;
    p.taken_at = u.taken_at;
    out.push_back(std::move(p));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::pair(a.kind != "before", a.index) < std::pair(b.kind != "before", b.index);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// [SECTION] sneakernet import
// ---------------------------------------------------------------------------------------------

namespace {

void RefusePhotos(ImportComplaint& ic, const std::string& why) {
  for (ImportPhoto& p : ic.photos) {
    p.result = ImportPhoto::Result::kRefused;
    p.reason = why;
  }
}

}  // namespace

Status Storage::ImportBundle(std::vector<ImportComplaint>* complaints, const Renderer& render) {
  return InWriteTx([&](SqlConn& c) {
    const std::int64_t now = UnixNow();
    for (ImportComplaint& ic : *complaints) {
      // InWriteTx may run this body again after a lost race: every outcome is decided afresh.
      ic.outcome = IdemOutcome{};
      for (ImportPhoto& p : ic.photos) {
        p.result = ImportPhoto::Result::kRefused;
        p.reason.clear();
        p.replaced_upload_id.clear();
      }
      // The order of POST /requests.json: the service first, then the key (I1, I4).
      SqlResult r = c.Exec("SELECT 1 FROM services WHERE code = ?", {ic.request.service_code});
      if (!r.ok()) return r;
      if (r.rows.empty()) {
        ic.outcome.kind = IdemOutcome::Kind::kNotFound;
        ic.outcome.reason = "no service with service_code '" + ic.request.service_code + "'";
        RefusePhotos(ic, "its complaint was refused");
        continue;
      }
      if (!(r = CreateRequestIn(c, ic.request, ic.idem, render, &ic.outcome)).ok()) return r;
      if (ic.outcome.kind == IdemOutcome::Kind::kConflict) {
        RefusePhotos(ic, "its complaint was refused");
        continue;
      }
      const std::int64_t request_id = ic.outcome.id;
      for (ImportPhoto& p : ic.photos) {
        r = c.Exec("SELECT upload_id, length, received, sha256, device_id FROM uploads WHERE request_id = ? AND kind = ?",
                   {request_id, p.kind});
        if (!r.ok()) return r;
        if (!r.rows.empty()) {
          const SqlRow& u = r.rows[0];
          const bool complete = u.Int(2) == u.Int(1);
          const bool same = u.Int(1) == p.length && u.Text(3) == p.sha256 && u.Text(4) == ic.idem.device_id;
          if (complete) {
            // Sent online already (or imported before): nothing to do, if it is this photo.
            p.result = same ? ImportPhoto::Result::kPresent : ImportPhoto::Result::kRefused;
            if (!same) p.reason = "central already holds another " + p.kind + " for this complaint";
            continue;
          }
          if (!same) {
            p.reason = "central has an unfinished upload of another " + p.kind + " for this complaint";
            continue;
          }
          // An unfinished upload of this very photo (the device was cut off while sending it):
          // the bundle's complete copy takes its place. An unfinished upload is named by no
          // request row, so nothing else changes; a PATCH still running on it finds the row
          // gone (U2), and the device's next POST /media is given this one (U4).
          r = c.Exec("DELETE FROM uploads WHERE upload_id = ? AND received < length RETURNING upload_id", {u.Text(0)});
          if (!r.ok()) return r;
          // It finished meanwhile (PostgreSQL, READ COMMITTED): run again and find it complete.
          if (r.rows.empty()) return SqlResult{SqlCode::kRetry, "an upload finished during the import", {}};
          p.replaced_upload_id = r.rows[0].Text(0);
        }
        // Complete at once: its file is in the media folder, fsync'd, before this commits (B4).
        r = c.Exec("INSERT INTO uploads (upload_id, request_id, kind, length, received, content_type, filename,"
                   " device_id, created_at, completed_at, sha256) VALUES (?, ?, ?, ?, ?, 'image/jpeg', ?, ?, ?, ?, ?)",
                   {p.upload_id, request_id, p.kind, p.length, p.length, p.filename, ic.idem.device_id, now, now,
                    p.sha256});
        if (!r.ok()) return r;
        // As AdvanceUpload does when an upload completes: the first photo and its thumbnail are
        // the request's media_url and thumbnail_url.
        if (p.kind == "photo" || p.kind == "thumb") {
          const char* column = p.kind == "thumb" ? "thumb_upload_id" : "photo_upload_id";
          r = c.Exec(std::string("UPDATE requests SET ") + column + " = ?, updated_at = ? WHERE id = ?",
                     {p.upload_id, now, request_id});
        } else {
          r = c.Exec("UPDATE requests SET updated_at = ? WHERE id = ?", {now, request_id});
        }
        if (!r.ok()) return r;
        p.result = ImportPhoto::Result::kStored;
      }
    }
    return SqlResult{};
  });
}

}  // namespace samvad::central
