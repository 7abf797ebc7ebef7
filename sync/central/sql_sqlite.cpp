// sql_sqlite.cpp — the SQLite driver behind sql.h. One connection per pooled slot; WAL so readers
// never wait for the writer. synchronous=FULL unless a transaction asks otherwise, because with
// NORMAL a power cut loses committed rows (GUIDE 3: thousands lost over 49 simulated cuts; none
// over 50 with FULL); Storage's group commit asks for NORMAL and then calls SyncLog itself.
// Statements are parsed once per connection and kept (our SQL is a fixed set; see stmts_).
#include <sqlite3.h>

#include <charconv>
#include <functional>
#include <unordered_map>

#include "sync/central/sql.h"

namespace samvad::central {

namespace {

SqlCode Classify(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return SqlCode::kRetry;
    case SQLITE_FULL: return SqlCode::kFull;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY: return SqlCode::kUnavailable;
    default: break;
  }
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return SqlCode::kUnique;
  return SqlCode::kError;
}

class SqliteConn final : public SqlConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override {
    for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    SqlResult res;
    sqlite3_stmt* st = nullptr;
    bool cached = false;
    if (const auto it = stmts_.find(sql); it != stmts_.end()) {
      st = it->second;
      cached = true;
    } else {
      const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr);
      if (rc != SQLITE_OK) return Failure(rc);
      // Statements built with a variable number of '?' (IN lists) could grow the cache without
      // bound; past the cap a statement is used once, as before the cache.
      if (stmts_.size() < kMaxCached) {
        stmts_.emplace(std::string(sql), st);
        cached = true;
      }
    }
    // Reset before the statement goes back, whatever happened: a half-stepped SELECT would hold
    // its read transaction (and pin the WAL) until the next use.
    const auto done = [&](int rc) {
      if (cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
      } else {
        sqlite3_finalize(st);
      }
      return rc;
    };
    int rc = SQLITE_OK;
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) rc = sqlite3_bind_null(st, idx);
      else if (const auto* n = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(st, idx, *n);
      else if (const auto* d = std::get_if<double>(&v)) rc = sqlite3_bind_double(st, idx, *d);
      else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) {
        SqlResult f = Failure(rc);
        done(rc);
        return f;
      }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      SqlRow row;
      const int n = sqlite3_column_count(st);
      row.cols.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_NULL: row.cols.emplace_back(std::nullopt); break;
          case SQLITE_FLOAT: {
            // SQLite's own text form keeps 15 digits; shortest round-trip keeps the exact double.
            char buf[32];
            const auto r = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(st, c));
            row.cols.emplace_back(std::string(buf, r.ptr));
            break;
          }
          default: {
            const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
            row.cols.emplace_back(std::string(t ? t : "", static_cast<size_t>(sqlite3_column_bytes(st, c))));
          }
        }
      }
      res.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      SqlResult f = Failure(rc);  // read the message before reset clears it
      done(rc);
      return f;
    }
    done(rc);
    return res;
  }

  SqlResult BeginWrite(bool durable) override {
    // synchronous applies to the connection's next commits: set it per transaction, as asked.
    if (durable != durable_) {
      SqlResult r = Exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", {});
      if (!r.ok()) return r;
      durable_ = durable;
    }
    return Exec("BEGIN IMMEDIATE", {});
  }

  // The WAL through SQLite's own handle for it (so a test VFS sees the sync too). Every
  // connection writes the same WAL file, and fdatasync flushes the file, not one descriptor's
  // writes: this covers commits made on other connections before it started.
  SqlResult SyncLog() override {
    sqlite3_file* wal = nullptr;
    int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
    if (rc == SQLITE_OK && (!wal || !wal->pMethods)) rc = SQLITE_CANTOPEN;  // not in WAL mode: a bug
    if (rc == SQLITE_OK) rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    SqlResult r;
    if (rc != SQLITE_OK) {
      r.code = SqlCode::kUnavailable;
      r.message = std::string("cannot sync the SQLite WAL: ") + sqlite3_errstr(rc);
    }
    return r;
  }
  SqlResult LockFeed() override { return {}; }
  bool IsPostgres() const override { return false; }
  bool Healthy() const override { return true; }

 private:
  // Room for every fixed statement storage.cpp has, several times over; measured: parsing was a
  // visible share of a tmpfs upload profile before this cache.
  static constexpr size_t kMaxCached = 256;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  SqlResult Failure(int rc) {
    SqlResult r;
    const int ext = sqlite3_extended_errcode(db_);
    r.code = Classify(ext ? ext : rc);
    r.message = sqlite3_errmsg(db_);
    return r;
  }
  sqlite3* db_;
  bool durable_ = true;  // OpenSqlite sets synchronous=FULL
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> stmts_;
};

}  // namespace

std::unique_ptr<SqlConn> OpenSqlite(const std::string& path, std::string* error) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    *error = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return nullptr;
  }
  sqlite3_extended_result_codes(db, 1);
  // Writers queue on the lock rather than fail: 20 devices retrying at once is normal at 9 a.m.
  sqlite3_busy_timeout(db, 15000);
  auto conn = std::make_unique<SqliteConn>(db);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    SqlResult r = conn->Exec(pragma, {});
    if (!r.ok()) {
      *error = "cannot set up " + path + ": " + r.message;
      return nullptr;
    }
  }
  return conn;
}

}  // namespace samvad::central
