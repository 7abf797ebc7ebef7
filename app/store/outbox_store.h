// outbox_store.h — app/store's implementation of model::Outbox (sync/model/outbox.h): the
// device's queue of complaints waiting to reach central, one entry per complaint. The lifecycle
// it enforces is the design note at the top of outbox_store.cpp.
//
// It shares ComplaintStore's connection and database mutex (the entry is created inside
// Submit's transaction); get it with ComplaintStore::outbox(). Beyond the sync interface it has
// the two transitions the sync client must not make: RecoverInterrupted (run by Open) and
// Requeue (a staff decision).
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sync/model/outbox.h"

struct sqlite3;

namespace samvad::store {

class Store;

// One outbox entry as staff see it (the sync screen, the reconciliation): no phone, no text the
// citizen typed — a ticket, a category and where it stands.
struct OutboxRow {
  std::string ticket;       // canonical, 11 digits
  std::string category;
  std::string status;       // the complaint's last known status (model::StatusCode: "filed", …)
  model::OutboxState state = model::OutboxState::Pending;
  int attempts = 0;
  std::string last_error;   // why it is waiting or failed; "" when none
  std::int64_t created_at = 0, next_attempt_at = 0, sent_at = 0;  // sent_at 0 = not sent
  std::string central_id;   // "" until central acknowledged it
  int photos = 0;
};

// Counts and sizes for the staff screen's device health.
struct OutboxSummary {
  int pending = 0, sending = 0, sent = 0, failed = 0;
  std::int64_t oldest_unsent_at = 0;  // created_at of the oldest entry not sent; 0 = none
};

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
  // The ward-device pairs of every complaint this store holds (tickets are its own: the store
  // issues them). An empty list when it holds none.
  model::OutboxResult Issuers(std::optional<std::vector<Issuer>>* out) override;

  // failed → pending, due at `now`: staff looked at the cause and want it sent again.
  model::OutboxResult Requeue(const model::Ticket& t, std::int64_t now);
  // sending → pending for every entry: called by ComplaintStore::Open, when no send can be in
  // flight, because a sending entry at start means the device stopped mid-send. Returns how
  // many were recovered, or -1 on a storage error.
  int RecoverInterrupted(std::int64_t now);
  // One entry, whatever its state (the staff screen, the DB inspector, tests).
  model::OutboxResult Get(const model::Ticket& t, model::OutboxEntry* out);
  // Every entry, newest first, for staff: the unsent (failed, then waiting) before the sent.
  // At most `limit` rows (0 = all). StorageError leaves `out` empty.
  model::OutboxResult List(size_t limit, std::vector<OutboxRow>* out);
  model::OutboxResult Summarize(OutboxSummary* out);

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
