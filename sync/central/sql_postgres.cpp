// sql_postgres.cpp — the PostgreSQL driver behind sql.h (libpq, text protocol). Parameters are
// sent with explicit types (int8, float8, text) so the server never has to guess from context.
#include <libpq-fe.h>

#include <cstdio>

#include "sync/central/sql.h"

namespace samvad::central {

namespace {

constexpr Oid kInt8 = 20, kFloat8 = 701, kText = 25;

// "…WHERE a = ? AND b = ?" -> "…WHERE a = $1 AND b = $2". Our SQL has no '?' inside literals.
std::string Renumber(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int n = 0;
  for (const char c : sql) {
    if (c == '?') {
      out.push_back('$');
      out.append(std::to_string(++n));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping" is not news

class PgConn final : public SqlConn {
 public:
  explicit PgConn(PGconn* c) : c_(c) { PQsetNoticeProcessor(c_, IgnoreNotice, nullptr); }
  ~PgConn() override { PQfinish(c_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    const std::string text = Renumber(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size());
    std::vector<Oid> types(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) {
        values[i] = nullptr;
        types[i] = 0;
        continue;
      }
      if (const auto* n = std::get_if<std::int64_t>(&v)) {
        storage[i] = std::to_string(*n);
        types[i] = kInt8;
      } else if (const auto* d = std::get_if<double>(&v)) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", *d);  // 17 digits: exact round trip of a double
        storage[i] = buf;
        types[i] = kFloat8;
      } else {
        storage[i] = std::get<std::string>(v);
        types[i] = kText;
      }
      values[i] = storage[i].c_str();
    }
    PGresult* r = PQexecParams(c_, text.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                               nullptr, nullptr, 0);
    SqlResult res;
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      const int rows = PQntuples(r), cols = PQnfields(r);
      res.rows.reserve(static_cast<size_t>(rows));
      for (int i = 0; i < rows; ++i) {
        SqlRow row;
        for (int c = 0; c < cols; ++c) {
          if (PQgetisnull(r, i, c)) row.cols.emplace_back(std::nullopt);
          else row.cols.emplace_back(std::string(PQgetvalue(r, i, c), static_cast<size_t>(PQgetlength(r, i, c))));
        }
        res.rows.push_back(std::move(row));
      }
    } else {
      const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
      const std::string code = state ? state : "";
      res.message = PQerrorMessage(c_);
      if (code == "23505") res.code = SqlCode::kUnique;
      else if (code == "40001" || code == "40P01" || code == "55P03") res.code = SqlCode::kRetry;
      else if (code == "53100") res.code = SqlCode::kFull;  // disk_full
      else if (PQstatus(c_) == CONNECTION_BAD || code.rfind("08", 0) == 0 || code.rfind("53", 0) == 0 ||
               code.rfind("57P", 0) == 0)
        res.code = SqlCode::kUnavailable;
      else res.code = SqlCode::kError;
    }
    PQclear(r);
    return res;
  }

  SqlResult BeginWrite(bool durable) override {
    SqlResult r = Exec("BEGIN", {});
    if (r.ok() && !durable) r = Exec("SET LOCAL synchronous_commit = off", {});
    return r;
  }
  SqlResult SyncLog() override { return {}; }
  // Any constant works; this one spells "SV" (Samvad) and is used for nothing else.
  SqlResult LockFeed() override { return Exec("SELECT pg_advisory_xact_lock(21334)", {}); }
  bool IsPostgres() const override { return true; }
  bool Healthy() const override { return PQstatus(c_) == CONNECTION_OK; }

 private:
  PGconn* c_;
};

}  // namespace

std::unique_ptr<SqlConn> OpenPostgres(const std::string& conninfo, std::string* error) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    *error = std::string("cannot connect to PostgreSQL: ") + PQerrorMessage(c);
    PQfinish(c);
    return nullptr;
  }
  return std::make_unique<PgConn>(c);
}

}  // namespace samvad::central
