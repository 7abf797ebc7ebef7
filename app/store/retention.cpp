// retention.cpp — see retention.h. The order (purge transaction, then files, then scrub) and what
// a crash between the steps leaves are argued in DESIGN.md, "Retention".
#include "app/store/retention.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <set>

#include "app/store/complaint_store.h"
#include "app/store/files.h"
#include "app/store/sql.h"

namespace samvad::store {
namespace {

constexpr std::int64_t kDaySeconds = 86400;
// Written in the purge's own transaction and deleted only after VACUUM and a complete TRUNCATE
// checkpoint: a crash in between cannot forget that old copies of a number may still be on disk.
constexpr const char* kScrubKey = "retention_scrub_due";

// The first failure decides the status; later steps still run when they are independent of it
// (a file that would not unlink is no reason to leave old page images in the WAL).
void Fail(RetentionResult* r, RetentionStatus st, std::string detail) {
  if (r->status != RetentionStatus::Ok) return;
  r->status = st;
  r->detail = std::move(detail);
}

void FailDb(RetentionResult* r, sqlite3* db, int rc, const char* what) {
  Fail(r, sql::IsDiskFull(db, rc) ? RetentionStatus::DiskFull : RetentionStatus::StorageError,
       std::string(what) + ": " + sqlite3_errmsg(db));
}

// secure_delete only while the purge runs, then the connection's own setting again (store.cpp
// decides that): zeroing every freed byte costs writes other transactions do not need.
class SecureDelete {
 public:
  explicit SecureDelete(sqlite3* db) : db_(db) {
    sql::Stmt was(db, "PRAGMA secure_delete");
    if (was.Step() == SQLITE_ROW) before_ = static_cast<int>(was.Int(0));
    sql::Stmt set(db, "PRAGMA secure_delete=ON");
    on_ = set.Step() == SQLITE_ROW && set.Int(0) == 1;
  }
  ~SecureDelete() {
    if (before_ >= 0) sql::Exec(db_, ("PRAGMA secure_delete=" + std::to_string(before_)).c_str());
  }
  SecureDelete(const SecureDelete&) = delete;
  SecureDelete& operator=(const SecureDelete&) = delete;
  bool on() const { return on_; }

 private:
  sqlite3* db_;
  int before_ = -1;
  bool on_ = false;
};

// One transaction: every eligible complaint loses its phone and photo rows and is marked. Returns
// the file names those rows held; empty unless COMMIT returned OK.
std::set<std::string> Purge(sqlite3* db, std::int64_t cutoff, std::int64_t now, RetentionResult* r) {
  std::set<std::string> names;
  SecureDelete secure(db);
  if (!secure.on()) {
    Fail(r, RetentionStatus::StorageError, "PRAGMA secure_delete=ON did not take effect");
    return names;
  }
  sql::Txn txn(db);
  if (!txn.began()) { FailDb(r, db, sqlite3_extended_errcode(db), "begin"); return names; }
  // ?1 = cutoff. The same predicate in both statements, inside one transaction: they see the
  // same complaints.
  sql::Stmt files(db,
                  "SELECT p.file, p.thumb_file FROM photos p JOIN complaints c USING(ticket) "
                  "JOIN outbox o USING(ticket) "
                  "WHERE o.state = 'sent' AND o.sent_at <= ?1 AND c.purged_at IS NULL");
  files.Bind(1, cutoff);
  int rc;
  while ((rc = files.Step()) == SQLITE_ROW) {
    names.insert(files.Text(0));
    names.insert(files.Text(1));
  }
  if (rc != SQLITE_DONE) { FailDb(r, db, rc, "list photos"); return {}; }
  sql::Stmt mark(db,
                 "UPDATE complaints SET phone = NULL, purged_at = ?2, "
                 "  purged_photos = (SELECT count(*) FROM photos p WHERE p.ticket = complaints.ticket) "
                 "WHERE purged_at IS NULL AND ticket IN "
                 "  (SELECT ticket FROM outbox WHERE state = 'sent' AND sent_at <= ?1)");
  mark.Bind(1, cutoff).Bind(2, now);
  if (!mark.Run()) { FailDb(r, db, mark.rc(), "clear phone numbers"); return {}; }
  const int purged = sqlite3_changes(db);
  if (purged == 0) return {};  // the transaction rolls back: it changed nothing
  // A purged complaint has no photo rows, whichever call purged it.
  sql::Stmt drop(db, "DELETE FROM photos WHERE ticket IN (SELECT ticket FROM complaints WHERE purged_at IS NOT NULL)");
  if (!drop.Run()) { FailDb(r, db, drop.rc(), "delete photo rows"); return {}; }
  sql::Stmt owe(db,
                "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  owe.Bind(1, kScrubKey).Bind(2, std::to_string(now));
  if (!owe.Run()) { FailDb(r, db, owe.rc(), "record the scrub"); return {}; }
  if (const int crc = txn.Commit(); crc != SQLITE_OK) {
    // Whether the WAL frames will be replayed at the next open is unknown: keep every file.
    // If the rows come back without their photo rows, CleanOrphans removes the files then.
    FailDb(r, db, crc, "commit");
    return {};
  }
  r->complaints_purged = purged;
  return names;
}

// Unlinks each file no photo row references any more; a file another complaint still uses
// (content addressing shares identical photos) stays.
void DeleteFiles(sqlite3* db, const std::string& dir, const std::set<std::string>& names,
                 RetentionResult* r) {
  sql::Stmt ref(db, "SELECT 1 FROM photos WHERE file = ?1 OR thumb_file = ?1 LIMIT 1");
  for (const std::string& name : names) {
    ref.Reset();
    ref.Bind(1, name);
    const int rc = ref.Step();
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) {
      // Never delete on a guess; the orphans are CleanOrphans' at the next start.
      FailDb(r, db, rc, "check photo references");
      return;
    }
    const std::string path = dir + "/" + name;
    struct stat st{};
    const bool sized = ::stat(path.c_str(), &st) == 0;
    if (::unlink(path.c_str()) == 0) {
      ++r->files_deleted;
      if (sized) r->bytes_freed += st.st_size;
    } else if (errno != ENOENT) {  // ENOENT: already gone (a migrated database, an earlier run)
      Fail(r, RetentionStatus::StorageError, "unlink " + path + ": " + std::strerror(errno));
    }
  }
  // Without it a power cut could bring a citizen's photo back until the next CleanOrphans.
  if (r->files_deleted > 0) {
    if (files::Result s = files::SyncDir(dir); !s) Fail(r, RetentionStatus::StorageError, s.what);
  }
}

// VACUUM rewrites every page, so no copy of a removed number survives in free space a write
// made before secure_delete was on; the TRUNCATE checkpoint then copies the new pages into
// samvad.db (truncating it to its new size) and cuts the WAL, which held the old page images, to
// zero bytes.
void Scrub(sqlite3* db, RetentionResult* r) {
  {
    sql::Stmt due(db, "SELECT 1 FROM meta WHERE key = ?1");
    due.Bind(1, kScrubKey);
    const int rc = due.Step();
    if (rc == SQLITE_DONE) return;
    if (rc != SQLITE_ROW) { FailDb(r, db, rc, "read the scrub flag"); return; }
  }
  if (const int rc = sqlite3_exec(db, "VACUUM", nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    FailDb(r, db, rc, "vacuum");
    return;
  }
  {
    sql::Stmt cp(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    const int rc = cp.Step();
    if (rc != SQLITE_ROW) { FailDb(r, db, rc, "checkpoint"); return; }
    if (cp.Int(0) != 0) {
      Fail(r, RetentionStatus::StorageError,
           "checkpoint: another connection is reading an old snapshot; the next run retries");
      return;
    }
  }
  r->scrubbed = true;
  sql::Stmt done(db, "DELETE FROM meta WHERE key = ?1");
  done.Bind(1, kScrubKey);
  if (!done.Run()) FailDb(r, db, done.rc(), "clear the scrub flag");  // harmless: scrubs again
}

}  // namespace

const char* RetentionStatusName(RetentionStatus s) {
  switch (s) {
    case RetentionStatus::Ok: return "ok";
    case RetentionStatus::Invalid: return "invalid";
    case RetentionStatus::DiskFull: return "disk_full";
    case RetentionStatus::StorageError: break;
  }
  return "storage_error";
}

RetentionResult ApplyRetention(ComplaintStore& cs, int keep_days, std::int64_t now) {
  RetentionResult r;
  if (keep_days < 0 || keep_days > kMaxRetentionDays) {
    r.status = RetentionStatus::Invalid;
    r.detail = "retention_days must be 0 to " + std::to_string(kMaxRetentionDays) + ", not " +
               std::to_string(keep_days);
    return r;
  }
  // Held throughout: a Submit between the reference check and the unlink could otherwise find
  // the file present, skip writing it, and commit a row that names a file about to vanish.
  std::lock_guard files_lock(cs.files_mu_);
  std::lock_guard lock(cs.db_mu_);
  sqlite3* db = cs.store_.db();
  assert(db && "ApplyRetention before a successful Open");
  if (!db) { r.detail = "the store is not open"; return r; }
  r.status = RetentionStatus::Ok;
  const std::set<std::string> names = Purge(db, now - keep_days * kDaySeconds, now, &r);
  DeleteFiles(db, cs.photos_dir_, names, &r);
  Scrub(db, &r);
  return r;
}

}  // namespace samvad::store
