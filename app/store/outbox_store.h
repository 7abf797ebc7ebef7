// outbox_store.h — app/store's implementation of model::Outbox (sync/model/outbox.h): the
// device's queue of complaints waiting to reach central, one entry per complaint. The lifecycle
// it enforces is the design note at the top of outbox_store.cpp.
//
// It shares ComplaintStore's connection and database mutex (the entry is created inside
// Submit's transaction); get it with ComplaintStore::outbox(). Beyond the sync interface it has
// the two transitions the sync client must not make: RecoverInterrupted (run by Open) and
// Requeue (a staff decision).
#pragma once
#include <mutex>
#include <string>
#include <string_view>

#include "sync/model/outbox.h"

struct sqlite3;

namespace samvad::store {

class Store;

class OutboxStore final : public model::Outbox {
 public:
  OutboxStore(Store& store, std::mutex& db_mutex, std::string photos_dir);

  model::OutboxResult ListDue(std::int64_t now, size_t limit,
                              std::vector<model::OutboxEntry>* out) override;
  std::string PhotoPath(std::string_view file_name) const override;
  model::OutboxResult MarkSending(const model::Ticket& t, std::int64_t now) override;
  model::OutboxResult MarkSent(const model::Ticket& t, std::string_view central_id,
                               std::int64_t now) override;
  model::OutboxResult MarkRetry(const model::Ticket& t, std::string_view cause,
                                std::int64_t next_attempt_at) override;
  model::OutboxResult MarkFailed(const model::Ticket& t, std::string_view cause,
                                 std::int64_t now) override;
  model::OutboxResult ApplyStatus(const model::Ticket& t, model::Status status, std::int64_t at,
                                  std::string_view note) override;

  // failed → pending, due at `now`: staff looked at the cause and want it sent again.
  model::OutboxResult Requeue(const model::Ticket& t, std::int64_t now);
  // sending → pending for every entry: called by ComplaintStore::Open, when no send can be in
  // flight, because a sending entry at start means the device stopped mid-send. Returns how
  // many were recovered, or -1 on a storage error.
  int RecoverInterrupted(std::int64_t now);
  // One entry, whatever its state (the staff screen, the DB inspector, tests).
  model::OutboxResult Get(const model::Ticket& t, model::OutboxEntry* out);

 private:
  model::OutboxResult Transition(const model::Ticket& t, model::OutboxState from,
                                 const char* update_sql, std::string_view text,
                                 std::int64_t number);
  Store& store_;
  std::mutex& mu_;
  std::string photos_dir_;
};

// Debug builds only (nothing under NDEBUG). AssertOutboxState checks the entry `ticket` against
// invariants 2–6 and that it is in `expected` (the transition's precondition); a missing entry
// is not asserted (the caller gets NotFound). AssertOutboxInvariants checks every entry and
// invariants 1 and 7 across the tables; Open runs it.
void AssertOutboxState(sqlite3* db, std::string_view ticket, model::OutboxState expected);
void AssertOutboxInvariants(sqlite3* db, bool at_open);

}  // namespace samvad::store
