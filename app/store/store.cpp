// store.cpp — see store.h. Migrations are numbered steps from user_version N to N+1, each in
// its own transaction; assets/ will hold a fixture database for every past version.
#include "app/store/store.h"

#include <sqlite3.h>

#include <ctime>
#include <filesystem>

namespace samvad::store {
namespace {

// Version 1: the catalog-independent core. Later issues add complaints, photos, outbox.
constexpr const char* kMigrations[] = {
    // 0 → 1
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "INSERT INTO meta(key, value) VALUES('created', strftime('%Y-%m-%dT%H:%M:%SZ','now'));",
};

bool Exec(sqlite3* db, const char* sql, std::string* message) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return true;
  *message = err ? err : "unknown SQLite error";
  sqlite3_free(err);
  return false;
}

}  // namespace

Store::~Store() { Close(); }

void Store::Close() {
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

bool Store::Configure(std::string* message) {
  sqlite3_busy_timeout(db_, 5000);
  // FULL on every open: it is per connection, and NORMAL loses committed rows on power loss.
  return Exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
              message);
}

int Store::schema_version() const {
  sqlite3_stmt* st = nullptr;
  int v = -1;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

bool Store::IntegrityOk() const {
  sqlite3_stmt* st = nullptr;
  bool ok = false;
  if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    ok = t && std::string(t) == "ok";
  }
  sqlite3_finalize(st);
  return ok;
}

bool Store::Migrate(std::string* message) {
  const int have = schema_version();
  if (have < 0) { *message = "cannot read schema version"; return false; }
  if (have > kSchemaVersion) {
    *message = "database is from a newer Samvad (schema " + std::to_string(have) + ")";
    return false;
  }
  for (int v = have; v < kSchemaVersion; ++v) {
    const std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                            "PRAGMA user_version=" + std::to_string(v + 1) + ";COMMIT;";
    if (!Exec(db_, sql.c_str(), message)) {
      std::string ignored;
      Exec(db_, "ROLLBACK", &ignored);
      return false;
    }
  }
  return true;
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
    if (Configure(&why) && IntegrityOk() && Migrate(&why))
      return recovered ? OpenStatus::RecoveredFromCorruption : OpenStatus::Ok;
    if (attempt == 1 || why.find("newer Samvad") != std::string::npos) {
      *message = why.empty() ? "database failed its integrity check" : why;
      Close();
      return OpenStatus::Failed;
    }
    // Corrupt (or unreadable as a database): keep it for recovery, never delete it.
    Close();
    const std::string aside = path + ".corrupt-" + std::to_string(std::time(nullptr));
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    for (const char* sfx : {"-wal", "-shm"})
      if (std::filesystem::exists(path + sfx)) std::filesystem::rename(path + sfx, aside + sfx, ec);
    if (ec) {
      *message = "database is corrupt and cannot be moved aside: " + ec.message();
      return OpenStatus::Failed;
    }
    *message = "database was corrupt; kept as " + aside + " and a new one started";
    recovered = true;
  }
  return OpenStatus::Failed;
}

}  // namespace samvad::store
