// sql.h — the narrow seam between Storage and a database engine: run a statement with bound
// parameters, get rows back as text, and learn which of a few kinds of failure happened.
// Two drivers: SQLite (sql_sqlite.cpp) and PostgreSQL (sql_postgres.cpp). Not an ORM and not a
// public API: only storage.cpp talks to it. SQL is written once with '?' placeholders; the
// PostgreSQL driver renumbers them to $1, $2, … (so '?' must never appear inside a literal).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace samvad::central {

using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct SqlRow {
  std::vector<std::optional<std::string>> cols;
  bool IsNull(size_t i) const { return !cols.at(i).has_value(); }
  std::string Text(size_t i) const { return cols.at(i).value_or(std::string()); }
  std::int64_t Int(size_t i) const;   // 0 for NULL
  double Real(size_t i) const;        // 0 for NULL
};

// What a failed statement means for the caller (GUIDE 2.4: classify by the action it implies).
enum class SqlCode {
  kOk,
  kUnique,       // a UNIQUE or PRIMARY KEY constraint refused the row: someone else won a race
  kRetry,        // busy/locked/serialization failure/deadlock: roll back and run the transaction again
  kUnavailable,  // the engine is gone (connection lost, I/O error): report, do not retry now
  kFull,         // the database's disk is full (SQLITE_FULL, SQLSTATE 53100): nothing was written; not soon cleared
  kError,        // anything else, which for our fixed SQL means a bug
};

struct SqlResult {
  SqlCode code = SqlCode::kOk;
  std::string message;
  std::vector<SqlRow> rows;
  bool ok() const { return code == SqlCode::kOk; }
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  virtual SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Opens a transaction that will write. SQLite takes the write lock now (BEGIN IMMEDIATE), so two
  // writers queue instead of deadlocking on a lock upgrade; PostgreSQL uses plain BEGIN.
  // `durable` false: COMMIT returns before the transaction is on disk — it becomes durable with
  // the next durable commit, and a crash before that loses it whole, never half (SQLite WAL with
  // synchronous=NORMAL for it; PostgreSQL's synchronous_commit=off). Only for rows whose loss a
  // client recovers from by itself (Storage::CreateUpload says which).
  virtual SqlResult BeginWrite(bool durable) = 0;
  // Makes every transaction committed so far, by any connection to the same database, durable:
  // SQLite fdatasyncs its WAL (the file is shared, so one sync covers every connection's
  // commits — Storage's group commit relies on this). PostgreSQL: a no-op, never called (its
  // durable commits are flushed before they become visible, and it groups flushes itself).
  virtual SqlResult SyncLog() = 0;
  // Serialises writers of the update feed until commit, so update_ids become visible in order
  // (DESIGN.md, invariant F1). SQLite writers are serial already: a no-op there.
  virtual SqlResult LockFeed() = 0;
  virtual bool IsPostgres() const = 0;
  // False once the connection is known to be unusable (the pool then drops it).
  virtual bool Healthy() const = 0;
};

// `path` is a file name; WAL and synchronous=FULL are set on every connection (Storage then asks
// for NORMAL per transaction and makes durable ones durable with SyncLog: its group commit).
std::unique_ptr<SqlConn> OpenSqlite(const std::string& path, std::string* error);
// `conninfo` is anything libpq accepts ("postgresql://user@/db?host=/tmp/x", "dbname=…").
std::unique_ptr<SqlConn> OpenPostgres(const std::string& conninfo, std::string* error);

}  // namespace samvad::central
