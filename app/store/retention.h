// retention.h — what the device keeps once central has a complaint (issue 6, item 5): after
// central acknowledged it (the outbox entry is sent) and `keep_days` have passed, the citizen's
// phone number and photos leave the device; the receipt record — ticket, category, ward, status
// history, central's id — stays, and Lookup still answers it (complaint_store.h, LookupResult).
//
// This file is: the policy's API and its promises. It is not: the order of writes that makes it
// survive a crash, or why the database is vacuumed — both are DESIGN.md's "Retention" section.
//
// Usage (a background job, e.g. once a day and once after Open; never from a frame — it fsyncs
// and vacuums, and the sync thread waits for the database meanwhile):
//
//   const samvad::store::RetentionResult r =
//       samvad::store::ApplyRetention(store, conf.retention_days, std::time(nullptr));
//   if (r.status != samvad::store::RetentionStatus::Ok)
//     Log(samvad::store::RetentionStatusName(r.status), r.detail);  // the next call finishes it
#pragma once
#include <cstdint>
#include <string>

namespace samvad::store {

class ComplaintStore;

inline constexpr int kDefaultRetentionDays = 30;
// Ten years: beyond it a value is a typo in device.conf, and days × 86400 stays far from overflow.
inline constexpr int kMaxRetentionDays = 3650;

enum class RetentionStatus {
  Ok,            // every eligible complaint purged, its files deleted, the database scrubbed
  Invalid,       // keep_days outside 0..kMaxRetentionDays: nothing touched
  DiskFull,      // no space (VACUUM needs about the database's size again); `detail` says where
  StorageError,  // any other disk or database failure; `detail` says where
};

struct RetentionResult {
  RetentionStatus status = RetentionStatus::StorageError;
  int complaints_purged = 0;     // phone and photo rows removed (committed) by this call
  int files_deleted = 0;         // photo and thumbnail files this call unlinked
  std::int64_t bytes_freed = 0;  // their sizes
  bool scrubbed = false;         // this call vacuumed the database and emptied its WAL
  std::string detail;            // English, for the log; never holds a phone number
};

// Purges every complaint whose outbox entry is sent with sent_at ≤ now − keep_days × 86400 and
// that is not purged yet: in one transaction (secure_delete on) its phone becomes NULL, its
// photo rows go, and purged_at = now and purged_photos record it. Pending, sending and failed
// entries are never touched. After COMMIT, the files those rows named are deleted unless another
// complaint still references them (files are content-addressed and may be shared). Then the
// database is rewritten (VACUUM) and its WAL checkpointed and truncated, so no old copy of a
// removed number is left in samvad.db or samvad.db-wal.
//
// On failure the counts say what was done before it. Each complaint is either untouched or
// fully purged; a file left behind is an orphan that CleanOrphans removes at the next start; a
// scrub left undone is remembered in the database and done by the next call, even one that
// finds nothing new to purge. Idempotent: a second call with the same arguments purges nothing.
RetentionResult ApplyRetention(ComplaintStore& cs, int keep_days, std::int64_t now);

const char* RetentionStatusName(RetentionStatus s);  // "ok", "disk_full", … for logs

}  // namespace samvad::store
