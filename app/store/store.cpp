// store.cpp — see store.h. Migrations are numbered steps from user_version N to N+1
// (migrations.cpp), each in its own transaction; assets/store/fixtures/ holds a database made at
// every past version, and tests/store migrates each to the current one.
#include "app/store/store.h"

#include <sqlite3.h>

#include <cassert>
#include <cerrno>
#include <ctime>
#include <filesystem>

#include "app/store/files.h"
#include "app/store/migrations.h"
#include "app/store/sql.h"

namespace samvad::store {

namespace sql {
bool IsDiskFull(sqlite3* db, int rc) {
  if ((rc & 0xFF) == SQLITE_FULL) return true;
  return (rc & 0xFF) == SQLITE_IOERR && files::IsNoSpace(sqlite3_system_errno(db));
}
}  // namespace sql

namespace {

// The primary code tells corruption (move the file aside) from everything else (leave it be).
bool IsCorruptCode(int rc) {
  rc &= 0xFF;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

std::string ParentDir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Store::~Store() { Close(); }

void Store::Close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Store::Step Store::Configure(std::string* message) {
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
  char* err = nullptr;
  // FULL on every open: it is per connection, and NORMAL loses committed rows on power loss.
  const int rc = sqlite3_exec(
      db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", nullptr,
      nullptr, &err);
  if (rc == SQLITE_OK) return Step::Ok;
  *message = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return IsCorruptCode(rc) ? Step::Corrupt : Step::Failed;
}

int Store::schema_version() const {
  sql::Stmt st(db_, "PRAGMA user_version");
  return st.Step() == SQLITE_ROW ? static_cast<int>(st.Int(0)) : -1;
}

bool Store::IntegrityOk() const {
  sql::Stmt st(db_, "PRAGMA integrity_check");
  return st.Step() == SQLITE_ROW && st.Text(0) == "ok";
}

Store::Step Store::Check(std::string* message) {
  sql::Stmt st(db_, "PRAGMA integrity_check");
  const int rc = st.ok() ? st.Step() : st.rc();
  if (rc == SQLITE_ROW && st.Text(0) == "ok") return Step::Ok;
  if (rc == SQLITE_ROW || IsCorruptCode(rc)) {
    *message = "database failed its integrity check";
    return Step::Corrupt;
  }
  *message = std::string("integrity check could not run: ") + sqlite3_errstr(rc);
  return Step::Failed;
}

Store::Step Store::Migrate(int target, std::string* message) {
  assert(MigrationCount() == kSchemaVersion && "kSchemaVersion must equal the number of migration steps");
  const int have = schema_version();
  if (have < 0) { *message = "cannot read schema version"; return Step::Corrupt; }
  if (have > kSchemaVersion) {
    *message = "database is from a newer Samvad (schema " + std::to_string(have) + ")";
    return Step::Failed;
  }
  for (int v = have; v < target; ++v) {
    const std::string text = std::string("BEGIN IMMEDIATE;") + MigrationSql(v) +
                             "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      *message = "migration " + std::to_string(v) + "→" + std::to_string(v + 1) + ": " +
                 (err ? err : sqlite3_errstr(rc));
      sqlite3_free(err);
      if (!sqlite3_get_autocommit(db_)) sql::Exec(db_, "ROLLBACK");
      return IsCorruptCode(rc) ? Step::Corrupt : Step::Failed;
    }
  }
  return Step::Ok;
}

OpenStatus Store::Open(const std::string& path, std::string* message) {
  path_ = path;
  bool recovered = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Close();
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      *message = db_ ? sqlite3_errmsg(db_) : "cannot open database";
      Close();
      return OpenStatus::Failed;
    }
    std::string why;
    Step step = Configure(&why);
    if (step == Step::Ok) step = Check(&why);
    if (step == Step::Ok) step = Migrate(kSchemaVersion, &why);
    if (step == Step::Ok) {
      // SQLite fsyncs the directory for the WAL it creates, not for the database file itself:
      // without this a power cut soon after first start could lose the file's name.
      files::SyncDir(ParentDir(path));
      return recovered ? OpenStatus::RecoveredFromCorruption : OpenStatus::Ok;
    }
    if (step == Step::Failed || attempt == 1) {
      *message = why;
      Close();
      return OpenStatus::Failed;
    }
    // Corrupt (or not a database): keep it for recovery, never delete it.
    Close();
    const std::string aside = path + ".corrupt-" + std::to_string(std::time(nullptr));
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    for (const char* sfx : {"-wal", "-shm"})
      if (!ec && std::filesystem::exists(path + sfx)) std::filesystem::rename(path + sfx, aside + sfx, ec);
    if (ec) {
      *message = "database is corrupt and cannot be moved aside: " + ec.message();
      return OpenStatus::Failed;
    }
    files::SyncDir(ParentDir(path));
    *message = "database was corrupt (" + why + "); kept as " + aside + " and a new one started";
    recovered = true;
  }
  return OpenStatus::Failed;
}

bool Store::CreateAtVersion(const std::string& path, int version, std::string* message) {
  if (version < 0 || version > kSchemaVersion) { *message = "no such schema version"; return false; }
  Store s;
  if (sqlite3_open_v2(path.c_str(), &s.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    *message = s.db_ ? sqlite3_errmsg(s.db_) : "cannot open database";
    return false;
  }
  s.path_ = path;
  return sql::Exec(s.db_, "PRAGMA journal_mode=DELETE; PRAGMA foreign_keys=ON;") &&
         s.Migrate(version, message) == Step::Ok;
}

}  // namespace samvad::store
