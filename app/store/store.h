// store.h — the device's SQLite database: the only place device data lives (GUIDE 1). Opens
// with WAL and synchronous=FULL on every open (with NORMAL, a power cut loses committed rows —
// measured, GUIDE 3), migrates by PRAGMA user_version (migrations.h), and moves a corrupt file
// aside rather than deleting it (it may hold citizens' unsent complaints). No ImGui, no UI:
// tests/wall proves it.
//
// This is the connection and its schema, nothing more. Complaints, photos and the outbox are
// ComplaintStore (complaint_store.h) and OutboxStore (outbox_store.h), which own one of these.
#pragma once
#include <string>

struct sqlite3;

namespace samvad::store {

enum class OpenStatus { Ok, RecoveredFromCorruption, Failed };

class Store {
 public:
  Store() = default;
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Opens (creating) the database at `path` and migrates it to kSchemaVersion. Only a file
  // SQLite calls corrupt (or not a database, or failing integrity_check) is renamed to
  // `<path>.corrupt-<unix time>` (with its -wal/-shm) and replaced by a fresh one; any other
  // failure — disk full during a migration, a lock held elsewhere, a newer schema — returns
  // Failed and leaves the file exactly as it was.
  OpenStatus Open(const std::string& path, std::string* message);
  void Close();
  int schema_version() const;
  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }
  // PRAGMA integrity_check == "ok".
  bool IntegrityOk() const;

  static constexpr int kSchemaVersion = 8;

  // Fixtures and tests only: creates a new database at `path` migrated to `version` (not
  // beyond), in rollback-journal mode so it is a single self-contained file.
  static bool CreateAtVersion(const std::string& path, int version, std::string* message);

 private:
  enum class Step { Ok, Corrupt, Failed };
  Step Configure(std::string* message);
  Step Check(std::string* message);
  Step Migrate(int target, std::string* message);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace samvad::store
