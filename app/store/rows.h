// rows.h — reading a complaint back from its rows, and cleaning text that a peer (central, the
// sync client) hands us before it is stored. Internal to app/store: shared by ComplaintStore and
// OutboxStore so both read a complaint the same way.
#pragma once
#include <string>
#include <string_view>

#include "sync/model/complaint.h"

struct sqlite3;

namespace samvad::store {

enum class LoadResult { Ok, NotFound, Error };
// Fills `out` from complaints + photos for the canonical `ticket`.
LoadResult LoadComplaint(sqlite3* db, std::string_view ticket, model::Complaint* out);

// Text from a peer, made fit to store without losing it: invalid UTF-8 becomes U+FFFD, control
// characters (but newline, if allowed) are dropped, and it is cut at `max_code_points`. Peer text
// is reported, not refused: refusing a status update over a bad byte in its note would lose the
// status (GUIDE 2.3: bad input from a peer is a clear message, and nothing lost).
std::string SanitizePeerText(std::string_view s, size_t max_code_points, bool newline_ok);

}  // namespace samvad::store
