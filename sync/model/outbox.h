// outbox.h — how the sync client (sync/client) reaches the device's outbox without including
// app/: this interface lives in sync/model, app/store implements it (OutboxStore), and the
// program hands the client a reference at start. Sync never includes app (GUIDE 1).
//
// The lifecycle each entry follows — invariants, diagram, which call makes which transition —
// is the design note at the top of app/store/outbox_store.cpp. In one line:
//   pending ─MarkSending→ sending ─MarkSent→ sent (terminal)
//                         sending ─MarkRetry→ pending (transient) │ ─MarkFailed→ failed (permanent)
//
// Calls are safe from any thread. A call that breaks the lifecycle (MarkSent on an entry that is
// not sending) is a bug in the caller: it asserts in debug builds and returns WrongState, changing
// nothing, in release builds.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/model/complaint.h"
#include "sync/model/ticket.h"

namespace samvad::model {

enum class OutboxState { Pending, Sending, Sent, Failed };
std::string_view OutboxStateCode(OutboxState s);  // "pending", "sending", "sent", "failed"

struct OutboxEntry {
  Complaint complaint;        // everything central needs, the phone included (never displayed)
  OutboxState state = OutboxState::Pending;
  int attempts = 0;           // how many times it entered sending
  std::string last_error;     // the cause given with the last MarkRetry / MarkFailed
  std::int64_t next_attempt_at = 0;
  std::string central_id;     // Open311 service_request_id, once sent
};

enum class OutboxResult {
  Ok,
  NotFound,      // no such ticket on this device
  WrongState,    // the transition is not allowed from the entry's state (a caller bug)
  StorageError,  // the disk or the database failed; try again later
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Pending entries whose next_attempt_at <= now, oldest ticket first, at most `limit`.
  virtual OutboxResult ListDue(std::int64_t now, size_t limit, std::vector<OutboxEntry>* out) = 0;
  // The absolute path of a photo or thumbnail named in a PhotoRef (PhotoRef::file, thumb_file).
  virtual std::string PhotoPath(std::string_view file_name) const = 0;

  // pending → sending; counts an attempt. Call before the first byte goes out.
  virtual OutboxResult MarkSending(const Ticket& t, std::int64_t now) = 0;
  // sending → sent: central has it (a new request, or the idempotent replay of one it had).
  virtual OutboxResult MarkSent(const Ticket& t, std::string_view central_id, std::int64_t now) = 0;
  // sending → pending: a transient failure (network, 5xx, 429); try again at next_attempt_at.
  virtual OutboxResult MarkRetry(const Ticket& t, std::string_view cause,
                                 std::int64_t next_attempt_at) = 0;
  // sending → failed: a permanent failure (central refused it); staff must look at it.
  virtual OutboxResult MarkFailed(const Ticket& t, std::string_view cause, std::int64_t now) = 0;

  // A status change from central's update feed (received, in progress, resolved, rejected),
  // kept in the complaint's history for the status screen. Allowed in any outbox state.
  virtual OutboxResult ApplyStatus(const Ticket& t, Status status, std::int64_t at,
                                   std::string_view note) = 0;

  // The ward and device numbers that begin this outbox's tickets (usually one pair; another
  // after the device got a new number), so that a kiosk's pull reads central's feed for its own
  // complaints only (issued_by). nullopt: this outbox cannot say, and the pull reads the whole
  // feed, skipping the complaints it does not hold. StorageError on a disk failure.
  struct Issuer {
    int ward = 0, device = 0;
  };
  virtual OutboxResult Issuers(std::optional<std::vector<Issuer>>* out) {
    out->reset();
    return OutboxResult::Ok;
  }
};

}  // namespace samvad::model
