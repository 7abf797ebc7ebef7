// outbox_store.cpp — the outbox lifecycle (model::Outbox implemented on SQLite). See
// outbox_store.h for the API; this file opens with the design note the code is checked against.
//
// [SECTION] Design note: the outbox lifecycle
// [SECTION] Debug checks (AssertOutboxState, AssertOutboxInvariants)
// [SECTION] Transitions
//
// =====================================================================================
// [SECTION] Design note: the outbox lifecycle
// =====================================================================================
//
// Every complaint filed on the device must reach central exactly once (as far as central can
// tell: it deduplicates by the complaint's client_uuid, the idempotency key), survive power
// cuts at any instant, and never be lost to a bug in the sync client. The outbox entry is the
// device's record of how far that has got.
//
// Invariants (checked by AssertOutboxState / AssertOutboxInvariants in debug builds; 1–4 are
// also CHECK/FOREIGN KEY constraints in the schema, so they hold in release builds too):
//
//   1. Every complaint has exactly one outbox entry, and every entry has its complaint: the
//      entry is inserted in the same transaction as the complaint (ComplaintStore::Submit), and
//      nothing deletes either.
//   2. state is one of pending, sending, sent, failed.
//   3. state = sent  ⇔  central_id and sent_at are set. central_id is the proof central has it.
//   4. state = failed ⇒ last_error says why (staff read it on the device).
//   5. attempts counts the entries into sending; it never decreases, and an entry that has been
//      sending, sent or failed has attempts ≥ 1.
//   6. sent is terminal for the outbox. Later news (in progress, resolved) is status history
//      (ApplyStatus), which never moves the entry.
//   7. An entry is sending only while a sync client holds it. After Open no entry is sending:
//      RecoverInterrupted turns a sending entry (the device stopped mid-send) back to pending.
//      Resending is safe because of the idempotency key; not resending could lose it.
//   8. Only pending entries with next_attempt_at ≤ now are handed out (ListDue): backoff is
//      the sync client's decision, recorded here so it survives a restart.
//
//                  Submit (same transaction as the complaint)
//                       │
//                       ▼
//   Requeue  ┌──────► PENDING ──── MarkSending ────► SENDING ──── MarkSent ────► SENT
//   (staff)  │          ▲  ▲                          │  │                      (terminal)
//            │          │  └──── MarkRetry ───────────┘  │
//            │          └─────── RecoverInterrupted ─────┤  (at Open: died mid-send)
//            │                                           │
//            └──────── FAILED ◄──── MarkFailed ──────────┘
//
//   from      to        function              when
//   ────────  ────────  ────────────────────  ─────────────────────────────────────────────
//   (none)    pending   ComplaintStore::Submit a complaint is filed (one transaction)
//   pending   sending   MarkSending           the sync client starts sending it; attempts+1
//   sending   sent      MarkSent              central answered with its id (new or replayed)
//   sending   pending   MarkRetry             transient failure; due again at next_attempt_at
//   sending   failed    MarkFailed            permanent failure (central refused it)
//   sending   pending   RecoverInterrupted    Open found it sending: the device stopped
//   failed    pending   Requeue               staff decided to try again
//   any       same      ApplyStatus           central's update feed: history, last_sync_at
//
// A transition requested from the wrong state is a bug in the caller: AssertOutboxState fires
// in debug builds; in release builds the UPDATE's "WHERE state = <from>" matches nothing and
// the call returns WrongState with the entry untouched.

#include "app/store/outbox_store.h"

#include <cassert>
#include <optional>

#include "app/store/rows.h"
#include "app/store/sql.h"
#include "app/store/store.h"

namespace samvad::store {

using model::OutboxResult;
using model::OutboxState;

namespace {

constexpr size_t kMaxCause = 500;  // code points of a failure cause kept for staff
constexpr size_t kMaxNote = 500;

std::optional<OutboxState> ParseState(std::string_view s) {
  for (OutboxState st : {OutboxState::Pending, OutboxState::Sending, OutboxState::Sent,
                         OutboxState::Failed})
    if (model::OutboxStateCode(st) == s) return st;
  return std::nullopt;
}

}  // namespace

// =====================================================================================
// [SECTION] Debug checks
// =====================================================================================

#ifndef NDEBUG
namespace {
void AssertRow(const sql::Stmt& r) {
  // columns: state, attempts, last_error, central_id, sent_at
  const auto state = ParseState(r.Text(0));
  assert(state && "outbox invariant 2: state is pending, sending, sent or failed");
  const bool has_id = !r.IsNull(3) && !r.Text(3).empty() && !r.IsNull(4);
  assert((*state == OutboxState::Sent) == has_id &&
         "outbox invariant 3: sent exactly when central_id and sent_at are set");
  assert((*state != OutboxState::Failed || (!r.IsNull(2) && !r.Text(2).empty())) &&
         "outbox invariant 4: a failed entry says why");
  assert(r.Int(1) >= 0 && "outbox invariant 5: attempts never negative");
  assert((*state == OutboxState::Pending || r.Int(1) >= 1) &&
         "outbox invariant 5: sending, sent and failed entries have been attempted");
}
}  // namespace

void AssertOutboxState(sqlite3* db, std::string_view ticket, OutboxState expected) {
  sql::Stmt r(db,
              "SELECT state, attempts, last_error, central_id, sent_at, "
              "(SELECT COUNT(*) FROM complaints c WHERE c.ticket = o.ticket) "
              "FROM outbox o WHERE ticket = ?");
  r.Bind(1, ticket);
  if (r.Step() != SQLITE_ROW) return;  // NotFound is the caller's status, not an assert
  AssertRow(r);
  assert(r.Int(5) == 1 && "outbox invariant 1: the entry has its complaint");
  assert(ParseState(r.Text(0)) == expected &&
         "outbox transition from the wrong state: see the table in outbox_store.cpp");
}

void AssertOutboxInvariants(sqlite3* db, bool at_open) {
  sql::Stmt r(db, "SELECT state, attempts, last_error, central_id, sent_at FROM outbox");
  int sending = 0;
  while (r.Step() == SQLITE_ROW) {
    AssertRow(r);
    if (r.Text(0) == "sending") ++sending;
  }
  sql::Stmt one(db,
                "SELECT (SELECT COUNT(*) FROM complaints WHERE ticket NOT IN (SELECT ticket FROM outbox)),"
                "       (SELECT COUNT(*) FROM outbox WHERE ticket NOT IN (SELECT ticket FROM complaints)),"
                "       (SELECT COUNT(*) FROM complaints WHERE ticket NOT IN (SELECT ticket FROM status_events))");
  if (one.Step() == SQLITE_ROW) {
    assert(one.Int(0) == 0 && "outbox invariant 1: a complaint without its outbox entry");
    assert(one.Int(1) == 0 && "outbox invariant 1: an outbox entry without its complaint");
    assert(one.Int(2) == 0 && "a complaint without its first status event (Submit writes both)");
  }
  assert((!at_open || sending == 0) && "outbox invariant 7: nothing is sending after Open");
}
#else
void AssertOutboxState(sqlite3*, std::string_view, OutboxState) {}
void AssertOutboxInvariants(sqlite3*, bool) {}
#endif

// =====================================================================================
// [SECTION] Transitions
// =====================================================================================

OutboxStore::OutboxStore(Store& store, std::mutex& db_mutex, std::string photos_dir)
    : store_(store), mu_(db_mutex), photos_dir_(std::move(photos_dir)) {}

std::string OutboxStore::PhotoPath(std::string_view file_name) const {
  std::string p = photos_dir_;
  p.push_back('/');
  p.append(file_name);
  return p;
}

OutboxResult OutboxStore::ListDue(std::int64_t now, size_t limit,
                                  std::vector<model::OutboxEntry>* out) {
  std::lock_guard lock(mu_);
  out->clear();
  sqlite3* db = store_.db();
  sql::Stmt q(db,
              "SELECT o.ticket, o.attempts, o.last_error, o.next_attempt_at FROM outbox o "
              "JOIN complaints c USING(ticket) WHERE o.state = 'pending' AND o.next_attempt_at <= ? "
              "ORDER BY c.created_at, o.ticket LIMIT ?");
  q.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    model::OutboxEntry e;
    if (LoadComplaint(db, q.Text(0), &e.complaint) != LoadResult::Ok) return OutboxResult::StorageError;
    e.state = OutboxState::Pending;
    e.attempts = static_cast<int>(q.Int(1));
    e.last_error = q.Text(2);
    e.next_attempt_at = q.Int(3);
    out->push_back(std::move(e));
  }
  return rc == SQLITE_DONE ? OutboxResult::Ok : OutboxResult::StorageError;
}

OutboxResult OutboxStore::Get(const model::Ticket& t, model::OutboxEntry* out) {
  if (!model::IsValid(t)) return OutboxResult::NotFound;
  std::lock_guard lock(mu_);
  const std::string key = model::CanonicalTicket(t);
  sql::Stmt q(store_.db(),
              "SELECT state, attempts, last_error, next_attempt_at, central_id FROM outbox WHERE ticket = ?");
  q.Bind(1, key);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return OutboxResult::NotFound;
  if (rc != SQLITE_ROW) return OutboxResult::StorageError;
  model::OutboxEntry e;
  e.state = ParseState(q.Text(0)).value_or(OutboxState::Failed);
  e.attempts = static_cast<int>(q.Int(1));
  e.last_error = q.Text(2);
  e.next_attempt_at = q.Int(3);
  e.central_id = q.Text(4);
  if (LoadComplaint(store_.db(), key, &e.complaint) != LoadResult::Ok) return OutboxResult::StorageError;
  *out = std::move(e);
  return OutboxResult::Ok;
}

OutboxResult OutboxStore::List(size_t limit, std::vector<OutboxRow>* out) {
  out->clear();
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(),
              "SELECT o.ticket, c.category, o.state, o.attempts, o.last_error, c.created_at, o.next_attempt_at,"
              " o.sent_at, o.central_id, (SELECT count(*) FROM photos p WHERE p.ticket = o.ticket), c.status"
              " FROM outbox o JOIN complaints c ON c.ticket = o.ticket"
              " ORDER BY CASE o.state WHEN 'failed' THEN 0 WHEN 'sending' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END,"
              " c.created_at DESC, o.ticket DESC LIMIT ?");
  q.Bind(1, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    OutboxRow r;
    r.ticket = q.Text(0);
    r.category = q.Text(1);
    r.state = ParseState(q.Text(2)).value_or(OutboxState::Failed);
    r.attempts = static_cast<int>(q.Int(3));
    r.last_error = q.Text(4);
    r.created_at = q.Int(5);
    r.next_attempt_at = q.Int(6);
    r.sent_at = q.Int(7);
    r.central_id = q.Text(8);
    r.photos = static_cast<int>(q.Int(9));
    r.status = q.Text(10);
    out->push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) {
    out->clear();
    return OutboxResult::StorageError;
  }
  return OutboxResult::Ok;
}

OutboxResult OutboxStore::Summarize(OutboxSummary* out) {
  *out = {};
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(),
              "SELECT o.state, count(*), min(c.created_at) FROM outbox o JOIN complaints c ON c.ticket = o.ticket"
              " GROUP BY o.state");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    const std::string state = q.Text(0);
    const int n = static_cast<int>(q.Int(1));
    const std::int64_t oldest = q.Int(2);
    if (state == "pending") out->pending = n;
    else if (state == "sending") out->sending = n;
    else if (state == "sent") out->sent = n;
    else out->failed = n;
    if (state != "sent" && (out->oldest_unsent_at == 0 || oldest < out->oldest_unsent_at)) out->oldest_unsent_at = oldest;
  }
  return rc == SQLITE_DONE ? OutboxResult::Ok : OutboxResult::StorageError;
}

OutboxResult OutboxStore::Issuers(std::optional<std::vector<Issuer>>* out) {
  out->emplace();
  std::lock_guard lock(mu_);
  sql::Stmt q(store_.db(), "SELECT DISTINCT ward_no, device_no FROM complaints ORDER BY ward_no, device_no");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW)
    (*out)->push_back(Issuer{static_cast<int>(q.Int(0)), static_cast<int>(q.Int(1))});
  if (rc == SQLITE_DONE) return OutboxResult::Ok;
  out->reset();
  return OutboxResult::StorageError;
}

// One guarded UPDATE: ?1 = ticket, ?2 = `text`, ?3 = `number`. Zero rows changed means the
// entry is missing or in another state; which one decides NotFound vs WrongState.
OutboxResult OutboxStore::Transition(const model::Ticket& t, OutboxState from,
                                     const char* update_sql, std::string_view text,
                                     std::int64_t number) {
  assert(model::IsValid(t) && "an outbox call with a ticket the store never issued");
  if (!model::IsValid(t)) return OutboxResult::NotFound;
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  const std::string key = model::CanonicalTicket(t);
  AssertOutboxState(db, key, from);
  sql::Stmt u(db, update_sql);
  u.Bind(1, key);
  if (u.params() >= 2) u.Bind(2, text);
  if (u.params() >= 3) u.Bind(3, number);
  if (!u.Run()) return OutboxResult::StorageError;
  if (sqlite3_changes(db) == 1) return OutboxResult::Ok;
  sql::Stmt q(db, "SELECT 1 FROM outbox WHERE ticket = ?");
  q.Bind(1, key);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) return OutboxResult::WrongState;
  return rc == SQLITE_DONE ? OutboxResult::NotFound : OutboxResult::StorageError;
}

OutboxResult OutboxStore::MarkSending(const model::Ticket& t, std::int64_t now) {
  (void)now;  // part of the interface for symmetry and logs; the row keeps attempts, not times
  return Transition(t, OutboxState::Pending,
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                    "WHERE ticket = ?1 AND state = 'pending'",
                    "", 0);
}

OutboxResult OutboxStore::MarkRetry(const model::Ticket& t, std::string_view cause,
                                    std::int64_t next_attempt_at) {
  assert(!cause.empty() && "MarkRetry needs a cause: staff read it when a complaint is stuck");
  return Transition(t, OutboxState::Sending,
                    "UPDATE outbox SET state = 'pending', last_error = ?2, next_attempt_at = ?3 "
                    "WHERE ticket = ?1 AND state = 'sending'",
                    SanitizePeerText(cause, kMaxCause, false), next_attempt_at);
}

OutboxResult OutboxStore::MarkFailed(const model::Ticket& t, std::string_view cause,
                                     std::int64_t now) {
  assert(!cause.empty() && "MarkFailed needs a cause: it is all staff will see (invariant 4)");
  std::string why = SanitizePeerText(cause, kMaxCause, false);
  if (why.empty()) why = "failed (no cause given)";  // invariant 4 holds even for a careless caller
  return Transition(t, OutboxState::Sending,
                    "UPDATE outbox SET state = 'failed', last_error = ?2, last_sync_at = ?3 "
                    "WHERE ticket = ?1 AND state = 'sending'",
                    why, now);
}

OutboxResult OutboxStore::Requeue(const model::Ticket& t, std::int64_t now) {
  return Transition(t, OutboxState::Failed,
                    "UPDATE outbox SET state = 'pending', next_attempt_at = ?3 "
                    "WHERE ticket = ?1 AND state = 'failed'",
                    "", now);
}

OutboxResult OutboxStore::MarkSent(const model::Ticket& t, std::string_view central_id,
                                   std::int64_t now) {
  assert(!central_id.empty() && "MarkSent needs central's id: it is the proof central has it");
  assert(model::IsValid(t) && "an outbox call with a ticket the store never issued");
  if (central_id.empty()) return OutboxResult::WrongState;
  if (!model::IsValid(t)) return OutboxResult::NotFound;
  std::unique_lock lock(mu_);
  sqlite3* db = store_.db();
  const std::string key = model::CanonicalTicket(t);
  AssertOutboxState(db, key, OutboxState::Sending);
  // The entry and the citizen-visible status move together: "received" appears in the
  // history exactly when the entry becomes sent.
  sql::Txn txn(db);
  if (!txn.began()) return OutboxResult::StorageError;
  sql::Stmt u(db,
              "UPDATE outbox SET state = 'sent', central_id = ?2, sent_at = ?3, last_sync_at = ?3 "
              "WHERE ticket = ?1 AND state = 'sending'");
  u.Bind(1, key).Bind(2, SanitizePeerText(central_id, 100, false)).Bind(3, now);
  if (!u.Run()) return OutboxResult::StorageError;
  if (sqlite3_changes(db) != 1) {
    sql::Stmt q(db, "SELECT 1 FROM outbox WHERE ticket = ?");
    q.Bind(1, key);
    const int rc = q.Step();
    return rc == SQLITE_ROW ? OutboxResult::WrongState
                            : rc == SQLITE_DONE ? OutboxResult::NotFound : OutboxResult::StorageError;
  }
  sql::Stmt s(db, "UPDATE complaints SET status = 'received' WHERE ticket = ?1 AND status = 'filed'");
  s.Bind(1, key);
  if (!s.Run()) return OutboxResult::StorageError;
  if (sqlite3_changes(db) == 1) {
    sql::Stmt e(db, "INSERT INTO status_events(ticket, status, at, note) VALUES(?1, 'received', ?2, '')");
    e.Bind(1, key).Bind(2, now);
    if (!e.Run()) return OutboxResult::StorageError;
  }
  return txn.Commit() == SQLITE_OK ? OutboxResult::Ok : OutboxResult::StorageError;
}

OutboxResult OutboxStore::ApplyStatus(const model::Ticket& t, model::Status status,
                                      std::int64_t at, std::string_view note) {
  assert(status != model::Status::Filed && "filed is the device's own status; central never sends it");
  assert(model::IsValid(t) && "an outbox call with a ticket the store never issued");
  if (status == model::Status::Filed) return OutboxResult::WrongState;
  if (!model::IsValid(t)) return OutboxResult::NotFound;
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  const std::string key = model::CanonicalTicket(t);
  sql::Txn txn(db);
  if (!txn.began()) return OutboxResult::StorageError;
  sql::Stmt s(db, "UPDATE complaints SET status = ?2 WHERE ticket = ?1");
  s.Bind(1, key).Bind(2, model::StatusCode(status));
  if (!s.Run()) return OutboxResult::StorageError;
  if (sqlite3_changes(db) != 1) return OutboxResult::NotFound;
  sql::Stmt e(db, "INSERT INTO status_events(ticket, status, at, note) VALUES(?1, ?2, ?3, ?4)");
  e.Bind(1, key).Bind(2, model::StatusCode(status)).Bind(3, at).Bind(4, SanitizePeerText(note, kMaxNote, true));
  if (!e.Run()) return OutboxResult::StorageError;
  // The device heard from central about this complaint: that is what "last synced" means on
  // the status screen. The feed's `at` is when central changed it, which is never later.
  sql::Stmt o(db, "UPDATE outbox SET last_sync_at = max(coalesce(last_sync_at, 0), ?2, unixepoch()) WHERE ticket = ?1");
  o.Bind(1, key).Bind(2, at);
  if (!o.Run()) return OutboxResult::StorageError;
  return txn.Commit() == SQLITE_OK ? OutboxResult::Ok : OutboxResult::StorageError;
}

int OutboxStore::RecoverInterrupted(std::int64_t now) {
  std::lock_guard lock(mu_);
  sqlite3* db = store_.db();
  sql::Stmt u(db,
              "UPDATE outbox SET state = 'pending', next_attempt_at = ?1, "
              "last_error = 'interrupted: the device stopped while sending' WHERE state = 'sending'");
  u.Bind(1, now);
  if (!u.Run()) return -1;
  return sqlite3_changes(db);
}

}  // namespace samvad::store
