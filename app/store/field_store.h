// field_store.h — the field engineer's work on the tablet (issue 5): the complaints central
// assigned to engineers who sign in here (kept for offline use), and the work log — status
// changes with a note, before/after photos, the time and the place — queued as append-only
// events for the sync engine (model::FieldLog, which this class implements).
//
// This file is: the API, its results and promises. It is not: the schema (migrations.cpp, step
// 4 → 5), the screens (app/ui/field_screens.cpp), the wire (sync/client/field_sync.cpp).
//
// Usage (from a worker thread — app/ui/tasks.h — never from a frame: RecordUpdate fsyncs):
//
//   samvad::store::FieldStore field(complaints.store(), complaints.db_mutex(), data_dir + "/field");
//   field.RememberUser("GN-ENG-04", now);                 // at sign-in: fetch their list
//   std::vector<AssignedView> list; field.ListAssigned("GN-ENG-04", now, &list);
//   WorkDraft d{.central_id = "17", .user_id = "GN-ENG-04", .status = "resolved", …};
//   d.photos.push_back({"after", jpeg, sha256_hex});
//   RecordResult r = field.RecordUpdate(d, now);          // durable once Ok
//
// Promises:
//   F1 An update is stored whole or not at all: its photo files are written and fsync'd before
//      the one transaction that inserts the update and its photo rows; RecordUpdate returns Ok
//      only after COMMIT.
//   F2 The rules central enforces are checked here first, so a saved update is one central
//      accepts: resolved needs an after photo (this update's or an earlier one of the same
//      complaint on this device); rejected needs a reason; transferred needs a department; at
//      most 3 photos of each kind per complaint (one tus upload per kind and index).
//   F3 An update is never changed once saved, except for its sync state, central's answer, and
//      retention's release of its photo files (F5).
//   F4 The device's clock is checked: a time earlier than the last thing this store recorded
//      (a sync, an update, an assignment list) is flagged `clock_suspect` and kept.
//   F5 Retention (ApplyRetention): once central has had an update or a development work for
//      the configured days (state sent, which the sync engine sets only after central flushed
//      its photos), the photo files go; the photo rows stay with kind, sha256 and size and an
//      empty `file`, so counts and the resolve rule (F2) read as before. Photos of anything not
//      sent are never touched, and a file another row still names stays (content addressing).
//      Files are written and their rows committed under `files_mu_`, which retention holds too,
//      so a new update's photo cannot be deleted between its write and its COMMIT.
//
// Threads: every method may be called from any thread; database work is serialised with the
// complaint store through the mutex given.
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sync/model/field_log.h"

namespace samvad::store {

class Store;

struct WorkPhotoDraft {
  std::string kind;                // "before" | "after"
  std::vector<std::uint8_t> jpeg;  // as app/capture made it (no metadata)
  std::string sha256;              // lower-case hex of `jpeg`
  std::int64_t taken_at = 0;       // unix seconds it was taken (capture::PhotoResult); 0 = unknown
};

struct WorkDraft {
  std::string central_id, user_id;
  std::string status;              // acknowledged | in_progress | resolved | transferred | rejected
  std::string note, department;
  std::optional<double> lat, lon;  // from gpsd, when it had a fix
  std::vector<WorkPhotoDraft> photos;
};

// A development work as the engineer writes it (issue 5 item 4).
struct DevWorkDraft {
  std::string user_id, title, description;
  std::string lang;                // mr | hi | bn | en: the language title and description are in
  std::string ward;                // the device's ward number ("08")
  std::optional<double> lat, lon;
  std::vector<WorkPhotoDraft> photos;  // at most 3 of each kind
};

// A development work as the tablet lists it.
struct DevWorkRow {
  std::string uuid, title, state, last_error, work_id;
  std::int64_t created_at = 0;
  int photos = 0;
};

enum class RecordStatus { Ok, Invalid, UnknownRequest, DiskFull, StorageError };
const char* RecordStatusName(RecordStatus s);

struct RecordResult {
  RecordStatus status = RecordStatus::StorageError;
  std::string issue;        // when Invalid: a catalog key ("work.err.need_after", …)
  std::string uuid;         // when Ok
  bool clock_suspect = false;
  std::string detail;       // for the log
};

// One entry of the engineer's list, with what this tablet did since central's list.
struct AssignedView {
  model::AssignedRequest request;
  std::string shown_status;   // the newest of: central's detailed status, this tablet's updates
  int pending_updates = 0, failed_updates = 0;
  bool conflict = false;      // central's outcome overrode one of ours: shown with central's
  bool overdue = false;
  int before_photos = 0, after_photos = 0;
};

struct UpdateView {
  model::FieldUpdate update;
  std::string state;          // pending | sending | sent | failed
  bool conflict = false, clock_suspect = false;
  std::string outcome;        // central's status after it, once sent
};

struct AssignedDetail {
  AssignedView view;
  std::vector<UpdateView> history;  // this tablet's updates, oldest first
  // Central's feed for it (the office's assignment, other devices' updates), oldest first,
  // without this tablet's own updates (they are in `history`).
  std::vector<model::CentralUpdate> central_history;
  std::string thumb_path;           // the citizen's first photo, when fetched ("" otherwise)
};

struct FieldCounts {
  int pending = 0, failed = 0, sent = 0;
};

struct FieldRetentionResult {
  bool ok = false;
  int photos_released = 0;  // photo rows whose file this call released (committed)
  int files_deleted = 0;
  std::string detail;       // when !ok, for the log; the next call finishes what this one left
};

class FieldStore final : public model::FieldLog {
 public:
  FieldStore(Store& store, std::mutex& db_mutex, std::string dir);

  // Makes the folder; removes photo files no update references (a crash between writing them
  // and the COMMIT). Once, at start.
  bool Open(std::string* why);

  bool RememberUser(const std::string& user_id, std::int64_t now);
  bool ListAssigned(const std::string& user_id, std::int64_t now, std::vector<AssignedView>* out);
  bool GetAssigned(const std::string& central_id, std::int64_t now, AssignedDetail* out);
  RecordResult RecordUpdate(const WorkDraft& draft, std::int64_t now);
  bool Counts(FieldCounts* out);  // updates and development works together
  // A development work: photos fsync'd, then one transaction (F1); title required (≤ 200 bytes),
  // description ≤ 4000 bytes, at most 3 photos per kind (F2).
  RecordResult RecordWork(const DevWorkDraft& draft, std::int64_t now);
  bool ListWorks(size_t limit, std::vector<DevWorkRow>* out);  // newest first
  // F5: releases the photo files of updates and works sent at or before now − keep_days days
  // (0 ≤ keep_days ≤ kMaxRetentionDays, retention.h). Idempotent. A crash between the COMMIT
  // and the unlinks leaves files no row names, which Open removes.
  FieldRetentionResult ApplyRetention(int keep_days, std::int64_t now);
  // Requeues a failed update (staff's Retry).
  bool Requeue(const std::string& uuid, std::int64_t now);
  std::string ThumbPath(const std::string& central_id) const;

  // model::FieldLog
  std::vector<std::string> FieldUsers() override;
  bool ReplaceAssigned(const std::string& user_id, const std::vector<model::AssignedRequest>& list,
                       std::int64_t listed_at, std::string* why) override;
  bool RecordCentralUpdate(const model::CentralUpdate& u) override;
  bool ListDueUpdates(std::int64_t now, size_t limit, std::vector<model::FieldUpdate>* out) override;
  std::string PhotoPath(std::string_view file) const override;
  bool MarkUpdateSending(const std::string& uuid, std::int64_t now) override;
  bool MarkUpdateSent(const std::string& uuid, const model::UpdateOutcome& outcome, std::int64_t now) override;
  bool MarkUpdateRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) override;
  bool MarkUpdateFailed(const std::string& uuid, std::string_view cause, std::int64_t now) override;
  bool ListDueWorks(std::int64_t now, size_t limit, std::vector<model::DevelopmentWork>* out) override;
  bool MarkWorkSending(const std::string& uuid, std::int64_t now) override;
  bool SetWorkId(const std::string& uuid, const std::string& work_id) override;
  bool MarkWorkSent(const std::string& uuid, std::int64_t now) override;
  bool MarkWorkRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) override;
  bool MarkWorkFailed(const std::string& uuid, std::string_view cause, std::int64_t now) override;
  bool HasThumb(const std::string& central_id) override;
  bool SaveThumb(const std::string& central_id, std::string_view jpeg) override;

  const std::string& dir() const { return dir_; }

 private:
  bool Transition(const char* table, const std::string& uuid, const char* from, const char* sql_set,
                  std::string_view text, std::int64_t n);
  // Writes the photos durably (F1) and returns their names; false with `r` filled on failure.
  bool WritePhotos(const std::vector<WorkPhotoDraft>& photos, std::vector<std::string>* created, RecordResult* r);
  // Unlinks each of `names` that no photo row names (the same photo may be another update's).
  // Caller holds mu_. Returns how many it deleted; `why` set when it could not tell or unlink.
  int UnlinkUnreferenced(const std::vector<std::string>& names, std::string* why);
  Store& store_;
  std::mutex files_mu_;  // photo files and the rows naming them (F5); taken before mu_
  std::mutex& mu_;
  std::string dir_;
};

// acknowledged | in_progress | resolved | transferred | rejected
bool IsWorkStatus(std::string_view s);

}  // namespace samvad::store
