// sql.h — the little RAII the store's SQLite code needs: a prepared statement that finalises
// itself, a BEGIN IMMEDIATE transaction that rolls back unless committed, and the one place
// that decides whether a SQLite failure means "the disk is full". Internal to app/store.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace samvad::store::sql {

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view text) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, text.data(), static_cast<int>(text.size()), &st_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK || rc_ == SQLITE_ROW || rc_ == SQLITE_DONE; }
  int rc() const { return rc_; }
  int params() const { return sqlite3_bind_parameter_count(st_); }
  Stmt& Bind(int i, std::int64_t v) { Note(sqlite3_bind_int64(st_, i, v)); return *this; }
  Stmt& Bind(int i, int v) { return Bind(i, static_cast<std::int64_t>(v)); }
  // SQLITE_TRANSIENT: the caller's string may die before the step.
  Stmt& Bind(int i, std::string_view v) {
    Note(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Stmt& Bind(int i, double v) { Note(sqlite3_bind_double(st_, i, v)); return *this; }
  Stmt& BindNull(int i) { Note(sqlite3_bind_null(st_, i)); return *this; }
  // SQLITE_ROW, SQLITE_DONE or an error code (also kept in rc()).
  int Step() {
    if (!st_ || (rc_ != SQLITE_OK && rc_ != SQLITE_ROW && rc_ != SQLITE_DONE)) return rc_ ? rc_ : SQLITE_MISUSE;
    rc_ = sqlite3_step(st_);
    return rc_;
  }
  // Runs a statement that returns no rows; true on SQLITE_DONE.
  bool Run() { return Step() == SQLITE_DONE; }
  void Reset() { sqlite3_reset(st_); sqlite3_clear_bindings(st_); rc_ = SQLITE_OK; }
  std::int64_t Int(int col) const { return sqlite3_column_int64(st_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  double Double(int col) const { return sqlite3_column_double(st_, col); }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, col))) : std::string();
  }

 private:
  void Note(int rc) { if (rc != SQLITE_OK && ok()) rc_ = rc; }
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_OK;
};

inline bool Exec(sqlite3* db, const char* text) {
  return sqlite3_exec(db, text, nullptr, nullptr, nullptr) == SQLITE_OK;
}

// BEGIN IMMEDIATE takes the write lock up front, so two connections never deadlock upgrading a
// read transaction; busy_timeout (store.cpp) makes a waiting writer wait, not fail.
class Txn {
 public:
  explicit Txn(sqlite3* db) : db_(db) { began_ = Exec(db, "BEGIN IMMEDIATE"); }
  ~Txn() { if (began_ && !done_ && !sqlite3_get_autocommit(db_)) Exec(db_, "ROLLBACK"); }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  bool began() const { return began_; }
  // The rc of COMMIT. On failure the destructor rolls back whatever SQLite left open.
  int Commit() {
    const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) done_ = true;
    return rc;
  }

 private:
  sqlite3* db_;
  bool began_ = false, done_ = false;
};

// Whether the last failure on `db` means "no space": SQLITE_FULL, or a write error whose errno
// is ENOSPC/EDQUOT/EFBIG (SQLite reports a short write as FULL but a failed one as IOERR_WRITE).
bool IsDiskFull(sqlite3* db, int rc);

}  // namespace samvad::store::sql
