// staff_store.cpp — see staff_store.h. The lockout's invariants, diagram and transition table
// are DESIGN.md's "Staff accounts"; AssertLockoutRow checks the invariants in debug builds at
// the top of each transition.
//
// [SECTION] Field rules and rows
// [SECTION] Debug checks
// [SECTION] ReplaceAccounts
// [SECTION] SignIn
// [SECTION] Listing

#include "app/store/staff_store.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>

#include "app/store/sql.h"
#include "app/store/store.h"
#include "sync/model/utf8_check.h"

namespace samvad::store {

// =====================================================================================
// [SECTION] Field rules and rows
// =====================================================================================

namespace {

constexpr const char* kSyncedAtKey = "staff_synced_at";
constexpr size_t kMaxUserId = 32;
constexpr size_t kMaxDisplayName = 100;  // code points; the schema's length() counts the same
constexpr size_t kMaxCode = 16;

// Ids are typed on a touch keyboard that may be in lower case: they compare case-insensitively
// by being stored, and looked up, upper-case.
std::string UpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool IsUserId(std::string_view s) {
  if (s.empty() || s.size() > kMaxUserId) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool IsShortCode(std::string_view s) {
  if (s.empty() || s.size() > kMaxCode) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c <= '~'; });
}

const char* DisplayNameProblem(std::string_view s) {
  size_t i = 0, n = 0;
  char32_t cp;
  while (i < s.size()) {
    if (!model::NextCodePoint(s, i, cp)) return "display name is not valid UTF-8";
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return "display name holds a control character";
    ++n;
  }
  if (n == 0) return "display name is empty";
  return n > kMaxDisplayName ? "display name is too long" : nullptr;
}

// Why central's entry cannot be stored, or nullptr. `rec.account.user_id` is upper-case.
const char* RecordProblem(const StaffRecord& rec) {
  const StaffAccount& a = rec.account;
  if (!IsUserId(a.user_id)) return "user id is not 1-32 of A-Z 0-9 . _ -";
  if (const char* why = DisplayNameProblem(a.display_name)) return why;
  if (!IsShortCode(a.ward_code)) return "ward code is not 1-16 printable ASCII";
  if (!IsShortCode(a.department)) return "department is not 1-16 printable ASCII";
  if (!model::IsPinHash(rec.pin_hash)) return "PIN hash is not Argon2id with the device's parameters";
  return nullptr;
}

struct Row {
  StaffAccount account;
  std::string pin_hash;
  std::int64_t failures = 0;
  std::optional<std::int64_t> last_failure_at, locked_until;
};

enum class Found { Yes, No, Error };

// What every SELECT of an account reads first, in this order (AccountAt reads them back).
#define SAMVAD_ACCOUNT_COLUMNS "user_id, display_name, ward_code, department, role, active"

// The account in the current row's first six columns; nullopt for a role the schema's CHECK
// would not have admitted (only the three codes).
std::optional<StaffAccount> AccountAt(const sql::Stmt& q) {
  const std::optional<StaffRole> role = ParseStaffRole(q.Text(4));
  if (!role) return std::nullopt;
  return StaffAccount{q.Text(0), q.Text(1), q.Text(2), q.Text(3), *role, q.Int(5) != 0};
}

Found LoadRow(sqlite3* db, std::string_view id, Row* row) {
  sql::Stmt q(db,
              "SELECT " SAMVAD_ACCOUNT_COLUMNS ", pin_hash, failures, last_failure_at, locked_until "
              "FROM staff WHERE user_id = ?");
  q.Bind(1, id);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return Found::No;
  std::optional<StaffAccount> account = rc == SQLITE_ROW ? AccountAt(q) : std::nullopt;
  if (!account) return Found::Error;
  row->account = std::move(*account);
  row->pin_hash = q.Text(6);
  row->failures = q.Int(7);
  row->last_failure_at = q.IsNull(8) ? std::nullopt : std::optional(q.Int(8));
  row->locked_until = q.IsNull(9) ? std::nullopt : std::optional(q.Int(9));
  return Found::Yes;
}

bool Locked(const Row& row, std::int64_t now) { return row.locked_until && now < *row.locked_until; }

bool WriteLockout(sqlite3* db, const Row& row) {
  sql::Stmt u(db,
              "UPDATE staff SET failures = ?2, last_failure_at = ?3, locked_until = ?4 "
              "WHERE user_id = ?1");
  u.Bind(1, row.account.user_id).Bind(2, row.failures);
  if (row.last_failure_at) u.Bind(3, *row.last_failure_at); else u.BindNull(3);
  if (row.locked_until) u.Bind(4, *row.locked_until); else u.BindNull(4);
  return u.Run() && sqlite3_changes(db) == 1;
}

}  // namespace

std::string_view StaffRoleCode(StaffRole r) {
  switch (r) {
    case StaffRole::Engineer: return "engineer";
    case StaffRole::WardStaff: return "ward_staff";
    case StaffRole::NodalOfficer: return "nodal_officer";
  }
  return "ward_staff";
}

std::optional<StaffRole> ParseStaffRole(std::string_view code) {
  for (StaffRole r : {StaffRole::Engineer, StaffRole::WardStaff, StaffRole::NodalOfficer})
    if (StaffRoleCode(r) == code) return r;
  return std::nullopt;
}

std::int64_t LockSeconds(std::int64_t failures) {
  if (failures < kMaxFailures) return 0;
  std::int64_t s = kFirstLockSeconds;
  for (std::int64_t n = kMaxFailures; n < failures && s < kMaxLockSeconds; ++n) s *= 2;
  return std::min(s, kMaxLockSeconds);
}

// =====================================================================================
// [SECTION] Debug checks
// =====================================================================================

namespace {
#ifndef NDEBUG
void AssertLockoutRow(const Row& row) {
  assert(row.failures >= 0 && "staff invariant 1: the failure count is never negative");
  assert((row.failures == 0) == !row.last_failure_at &&
         "staff invariant 2: a last failure time exactly when there are failures");
  assert((row.failures >= kMaxFailures) == row.locked_until.has_value() &&
         "staff invariant 3: locked-until set exactly from the kMaxFailures-th failure on");
  assert((!row.locked_until || (*row.locked_until > *row.last_failure_at &&
                                *row.locked_until - *row.last_failure_at <= kMaxLockSeconds)) &&
         "staff invariant 4: a lock ends after its failure and at most kMaxLockSeconds after it");
}
#else
void AssertLockoutRow(const Row&) {}
#endif
}  // namespace

// =====================================================================================
// [SECTION] ReplaceAccounts
// =====================================================================================

StaffStore::StaffStore(Store& store, std::mutex& db_mutex, Verifier verify)
    : store_(store), mu_(db_mutex), verify_(std::move(verify)) {}

StaffSyncResult StaffStore::ReplaceAccounts(const std::vector<StaffRecord>& list,
                                            std::int64_t synced_at) {
  StaffSyncResult r;
  std::vector<StaffRecord> keep;
  std::map<std::string, int> uses;
  for (size_t i = 0; i < list.size(); ++i) {
    StaffRecord rec = list[i];
    rec.account.user_id = UpperAscii(rec.account.user_id);
    if (const char* why = RecordProblem(rec)) {
      const std::string label = IsUserId(rec.account.user_id) ? rec.account.user_id : "#" + std::to_string(i);
      r.rejected.push_back(label + ": " + why);
      continue;
    }
    ++uses[rec.account.user_id];
    keep.push_back(std::move(rec));
  }
  std::set<std::string> kept;
  std::erase_if(keep, [&](const StaffRecord& rec) {
    if (uses[rec.account.user_id] == 1) {
      kept.insert(rec.account.user_id);
      return false;
    }
    r.rejected.push_back(rec.account.user_id + ": user id appears more than once");
    return true;
  });

  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  auto fail = [&](const char* what) {
    r.status = StaffSyncStatus::StorageError;
    r.detail = std::string(what) + ": " + sqlite3_errmsg(db);
    return r;
  };
  sql::Txn txn(db);
  if (!txn.began()) return fail("begin");
  std::vector<std::string> gone;
  {
    sql::Stmt q(db, "SELECT user_id FROM staff");
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW)
      if (!kept.contains(q.Text(0))) gone.push_back(q.Text(0));
    if (rc != SQLITE_DONE) return fail("list accounts");
  }
  // An upsert, not delete-and-insert: the failure count and lock of an account still present
  // survive (a sync must not be a way to unlock).
  sql::Stmt put(db,
                "INSERT INTO staff(user_id, display_name, ward_code, department, role, active, pin_hash) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(user_id) DO UPDATE SET "
                "display_name = ?2, ward_code = ?3, department = ?4, role = ?5, active = ?6, pin_hash = ?7");
  for (const StaffRecord& rec : keep) {
    const StaffAccount& a = rec.account;
    put.Bind(1, a.user_id).Bind(2, a.display_name).Bind(3, a.ward_code).Bind(4, a.department)
        .Bind(5, StaffRoleCode(a.role)).Bind(6, a.active ? 1 : 0).Bind(7, rec.pin_hash);
    if (!put.Run()) return fail("store account");
    put.Reset();
  }
  sql::Stmt del(db, "DELETE FROM staff WHERE user_id = ?");
  for (const std::string& id : gone) {
    del.Bind(1, id);
    if (!del.Run()) return fail("remove account");
    del.Reset();
  }
  sql::Stmt when(db, "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  when.Bind(1, kSyncedAtKey).Bind(2, std::to_string(synced_at));
  if (!when.Run()) return fail("record sync time");
  if (txn.Commit() != SQLITE_OK) return fail("commit");
  r.status = StaffSyncStatus::Ok;
  r.stored = static_cast<int>(keep.size());
  r.removed = static_cast<int>(gone.size());
  return r;
}

// =====================================================================================
// [SECTION] SignIn
// =====================================================================================
//
// Three phases, so that the Argon2id work (19 MiB, tens of milliseconds) never holds the
// database: the sync thread and Submit would wait behind every sign-in attempt.
//   1. Lock, transaction: read the account. A locked one is refused here, unchecked.
//   2. No lock: verify the PIN against the hash read (or the dummy hash for an unknown id).
//   3. Lock, transaction: read the account again and decide against it as it is NOW — another
//      attempt may have locked it (refused: this attempt's answer is never given, so a burst of
//      parallel guesses learns nothing past the lock), a sync may have removed it or changed its
//      hash (then the PIN is verified again, under the lock: rare). Record, commit, answer.

namespace {

SignInResult StorageFailure(sqlite3* db, const char* what) {
  SignInResult r;
  r.status = SignInStatus::StorageError;
  r.detail = std::string(what) + ": " + sqlite3_errmsg(db);
  return r;
}

// The row as an attempt at `now` must see it, inside the caller's transaction. Clock moved back
// before the last failure: the device cannot tell how long it really waited, so the lock starts
// over from `now` (invariant 5) — written, so that the next attempt sees the same lock.
Found LoadForAttempt(sqlite3* db, std::string_view id, std::int64_t now, Row* row) {
  const Found f = LoadRow(db, id, row);
  if (f != Found::Yes) return f;
  AssertLockoutRow(*row);
  if (!row->locked_until || now >= *row->last_failure_at) return f;
  row->last_failure_at = now;
  row->locked_until = now + LockSeconds(row->failures);
  return WriteLockout(db, *row) ? Found::Yes : Found::Error;
}

}  // namespace

SignInResult StaffStore::SignIn(std::string_view user_id, std::string_view pin, std::int64_t now) {
  SignInResult r;
  r.pin_format = model::CheckPinFormat(pin);
  if (r.pin_format != model::PinFormat::Ok) {
    r.status = SignInStatus::BadPinFormat;
    return r;
  }
  const std::string id = UpperAscii(user_id);

  Row before;
  Found found;
  {  // Phase 1.
    std::lock_guard lock(mu_);
    sqlite3* db = store_.db();
    sql::Txn txn(db);
    if (!txn.began()) return StorageFailure(db, "begin");
    found = LoadForAttempt(db, id, now, &before);
    if (found == Found::Error) return StorageFailure(db, "read account");
    if (txn.Commit() != SQLITE_OK) return StorageFailure(db, "commit");
    if (found == Found::Yes && Locked(before, now)) {
      r.status = SignInStatus::LockedOut;
      r.retry_after_s = *before.locked_until - now;
      return r;
    }
  }

  // Phase 2. An unknown id costs one verify too, so the time taken does not tell which exist.
  if (found == Found::No) {
    verify_(model::DummyPinHash(), pin);
    r.status = SignInStatus::UnknownUser;
    return r;
  }
  bool right = verify_(before.pin_hash, pin);

  // Phase 3.
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  sql::Txn txn(db);
  if (!txn.began()) return StorageFailure(db, "begin");
  Row row;
  found = LoadForAttempt(db, id, now, &row);
  if (found == Found::Error) return StorageFailure(db, "read account");
  if (found == Found::No) {  // a sync removed it while the PIN was being checked
    r.status = SignInStatus::UnknownUser;
    return r;
  }
  if (Locked(row, now)) {
    if (txn.Commit() != SQLITE_OK) return StorageFailure(db, "commit");
    r.status = SignInStatus::LockedOut;
    r.retry_after_s = *row.locked_until - now;
    return r;
  }
  if (row.pin_hash != before.pin_hash) right = verify_(row.pin_hash, pin);

  const bool was_clean = row.failures == 0;
  if (right) {
    row.failures = 0;
    row.last_failure_at = row.locked_until = std::nullopt;
  } else {
    ++row.failures;
    row.last_failure_at = now;
    row.locked_until = row.failures >= kMaxFailures ? std::optional(now + LockSeconds(row.failures))
                                                    : std::nullopt;
  }
  AssertLockoutRow(row);
  if (!(right && was_clean) && !WriteLockout(db, row)) return StorageFailure(db, "record attempt");
  if (txn.Commit() != SQLITE_OK) return StorageFailure(db, "commit");

  if (right) {
    r.status = row.account.active ? SignInStatus::Ok : SignInStatus::Inactive;
    r.account = std::move(row.account);
  } else {
    r.status = SignInStatus::WrongPin;
    r.attempts_left = static_cast<int>(std::max<std::int64_t>(0, kMaxFailures - row.failures));
    r.retry_after_s = row.locked_until ? *row.locked_until - now : 0;
  }
  return r;
}

// =====================================================================================
// [SECTION] Unlocking (a nodal officer, on this device)
// =====================================================================================

UnlockStatus StaffStore::Unlock(std::string_view user_id, std::string_view by) {
  const std::string id = UpperAscii(user_id), officer_id = UpperAscii(by);
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  sql::Txn txn(db);
  if (!txn.began()) return UnlockStatus::StorageError;
  Row officer, row;
  const Found fo = LoadRow(db, officer_id, &officer);
  const Found fr = fo == Found::Error ? Found::Error : LoadRow(db, id, &row);
  if (fo == Found::Error || fr == Found::Error) return UnlockStatus::StorageError;
  if (fr == Found::No) return UnlockStatus::UnknownUser;
  if (fo == Found::No || !officer.account.active || officer.account.role != StaffRole::NodalOfficer ||
      officer.account.ward_code != row.account.ward_code)
    return UnlockStatus::NotAllowed;
  if (row.failures < kMaxFailures) return UnlockStatus::NotLocked;
  AssertLockoutRow(row);
  row.failures = 0;
  row.last_failure_at = row.locked_until = std::nullopt;
  if (!WriteLockout(db, row)) return UnlockStatus::StorageError;
  return txn.Commit() == SQLITE_OK ? UnlockStatus::Ok : UnlockStatus::StorageError;
}

// =====================================================================================
// [SECTION] Listing
// =====================================================================================

bool StaffStore::LockedAccounts(std::string_view ward_code, std::int64_t now, std::vector<LockedAccount>* out) {
  out->clear();
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(),
              "SELECT " SAMVAD_ACCOUNT_COLUMNS ", failures, last_failure_at, locked_until FROM staff "
              "WHERE ward_code = ?1 AND locked_until IS NOT NULL AND (?2 < locked_until OR ?2 < last_failure_at) "
              "ORDER BY user_id");
  q.Bind(1, ward_code).Bind(2, now);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    std::optional<StaffAccount> account = AccountAt(q);
    if (!account) break;
    LockedAccount a{std::move(*account), 0};
    // A clock set back before the last failure: the wait starts over at the next attempt.
    a.retry_after_s = now < q.Int(7) ? LockSeconds(q.Int(6)) : q.Int(8) - now;
    out->push_back(std::move(a));
  }
  if (rc == SQLITE_DONE) return true;
  out->clear();
  return false;
}

bool StaffStore::Accounts(std::vector<StaffAccount>* out) {
  out->clear();
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(), "SELECT " SAMVAD_ACCOUNT_COLUMNS " FROM staff ORDER BY user_id");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    std::optional<StaffAccount> account = AccountAt(q);
    if (!account) break;
    out->push_back(std::move(*account));
  }
  if (rc == SQLITE_DONE) return true;
  out->clear();
  return false;
}

int StaffStore::AccountCount() {
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(), "SELECT COUNT(*) FROM staff");
  return q.Step() == SQLITE_ROW ? static_cast<int>(q.Int(0)) : -1;
}

std::optional<std::int64_t> StaffStore::AccountsSyncedAt() {
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(), "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?");
  q.Bind(1, kSyncedAtKey);
  if (q.Step() != SQLITE_ROW) return std::nullopt;
  return q.Int(0);
}

}  // namespace samvad::store
