// lookup.h — a citizen's ticket asked of central, for a ticket this device does not hold (filed
// at another kiosk of the office, or before this kiosk was replaced). Two GETs of the public view:
// `/requests.json?ticket=…` (PROTOCOL.md, Extension 5), then the request's history from
// `/servicerequestupdates.json?service_request_id=…` (Extension 3): what anyone may read from
// central, so no device key is sent and no phone number comes back. Blocking, bounded by
// `timeout_s` in all: call it from a worker, never from a frame. This file is: the call and its result. It is not:
// the device's own lookup (app/store), which needs no network and asks for the phone's digits.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/client/transport.h"
#include "sync/model/complaint.h"

namespace samvad::sync {

// Central's update vocabulary (FixMyStreet's: open, in_progress, fixed, closed) onto the statuses
// a citizen sees; nullopt for the rest (acknowledged, transferred: the work goes on, the citizen's
// status does not move). The feed (pull.cpp) and LookUpTicket read it alike.
std::optional<model::Status> CitizenStatus(std::string_view feed_status);

// One line of a complaint's history as a citizen reads it.
struct RemoteEvent {
  std::int64_t at = 0;  // unix seconds
  model::Status status = model::Status::Received;
  bool operator==(const RemoteEvent&) const = default;
};

struct RemoteTicket {
  enum class Result {
    Found,        // `status`, `requested_at`, `updated_at` are central's
    NotFound,     // central answered and has no complaint with this ticket
    Unreachable,  // no answer (offline, timeout, central down, 5xx): `cause` says which
    Refused,      // central answered with an error we cannot retry into success: `cause`
  };
  Result result = Result::Unreachable;
  model::Status status = model::Status::Received;
  std::int64_t requested_at = 0, updated_at = 0;  // unix seconds
  // When Found: each change of the citizen's status, oldest first, from "received" at
  // `requested_at` to `status` (updates that do not move it, and conflicts, left out). When the
  // history could not be read, only those two ends (and `history_complete` is false).
  std::vector<RemoteEvent> history;
  bool history_complete = false;
  std::string cause;                              // for the log, in English
};

// `base_url` as SyncConfig's; `ticket` as printed or typed (central matches on its digits).
// `transport`'s timeouts apply, and the whole exchange is cut at `timeout_s`.
RemoteTicket LookUpTicket(const std::string& base_url, std::string_view ticket, TransportConfig transport,
                          long timeout_s = 8);

}  // namespace samvad::sync
