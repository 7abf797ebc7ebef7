// store.h — the device's SQLite database: the only place device data lives (GUIDE 1). Opens
// with WAL and synchronous=FULL on every open (with NORMAL, a power cut loses committed rows —
// measured, GUIDE 3), migrates by PRAGMA user_version, and moves a corrupt file aside rather than
// deleting it (it may hold citizens' unsent complaints). No ImGui, no UI: tests/wall proves it.
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

  // Opens (creating) the database at `path`. On a corrupt file: renames it to
  // `<path>.corrupt-<unix time>` (with its -wal/-shm), starts fresh, and says so.
  OpenStatus Open(const std::string& path, std::string* message);
  void Close();
  int schema_version() const;
  sqlite3* db() const { return db_; }
  // PRAGMA integrity_check == "ok".
  bool IntegrityOk() const;

  static constexpr int kSchemaVersion = 1;

 private:
  bool Configure(std::string* message);
  bool Migrate(std::string* message);
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace samvad::store
