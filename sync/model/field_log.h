// field_log.h — how the sync client reaches the field engineer's work on the tablet without
// including app/ (GUIDE 1): app/store's FieldStore implements it, the program hands the engine a
// pointer, as with model::Outbox and model::StaffDirectory.
//
// Two directions:
//   central → tablet  the complaints assigned to the engineers who sign in on this tablet
//                     (GET /requests.json?assigned_to=USER), kept for offline use;
//   tablet → central  work-log updates (status, note, before/after photos, time and place) as
//                     append-only events: photos by tus (kind before/after), then
//                     POST /servicerequestupdates.json with the update's UUID as Idempotency-Key.
// An update follows the outbox's lifecycle (outbox.h):
//   pending ─MarkUpdateSending→ sending ─MarkUpdateSent→ sent
//                               sending ─MarkUpdateRetry→ pending │ ─MarkUpdateFailed→ failed
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace samvad::model {

// A complaint assigned to an engineer, as central listed it (PROTOCOL.md, "A request").
struct AssignedRequest {
  std::string central_id, ticket, service_code, description, address, lang;
  std::string status;           // "open" | "closed"
  std::string detailed_status;  // the feed's vocabulary: open, acknowledged, in_progress, fixed…
  std::string department;
  std::string latest_update_id; // what an update is based on
  std::optional<double> lat, lon;
  std::int64_t requested_at = 0, expected_at = 0;  // unix seconds; expected = requested + SLA
  int photo_count = 0;
  std::string thumbnail_url;    // the citizen's first photo, small; "" when none
};

// One work photo: a file in the field store's folder, named "<sha256>.jpg".
struct WorkPhoto {
  std::string kind;   // "before" | "after"
  int index = 0;      // which photo of that kind for this complaint (0–2): one tus upload each
  std::string file, sha256;
  std::int64_t bytes = 0;
  std::int64_t taken_at = 0;  // unix seconds the photo was taken (camera shot, EXIF); 0 = unknown
};

enum class UpdateState { Pending, Sending, Sent, Failed };

struct FieldUpdate {
  std::string uuid;        // the Idempotency-Key
  std::string central_id;  // the complaint
  std::string ticket;      // for the staff's screens
  std::string status;      // acknowledged | in_progress | resolved | transferred | rejected
  std::string note, department, based_on_update_id;
  std::string user_id;     // the engineer signed in when it was recorded (central attributes it)
  std::int64_t recorded_at = 0;
  std::optional<double> lat, lon;
  std::vector<WorkPhoto> photos;
  UpdateState state = UpdateState::Pending;
  int attempts = 0;
  std::string last_error;
};

// A development work (not tied to a complaint: a nala cleaned, a road resurfaced), posted with
// POST /works.json (Idempotency-Key = uuid), then its photos by tus named by central's work_id.
struct DevelopmentWork {
  std::string uuid, title, description, lang, ward;
  std::string user_id;  // the engineer signed in when it was recorded
  std::optional<double> lat, lon;
  std::vector<WorkPhoto> photos;  // index per kind within the work (0–2)
  std::string work_id;            // central's, once created ("" before)
  UpdateState state = UpdateState::Pending;
  int attempts = 0;
  std::string last_error;
};

// One entry of central's update feed (PROTOCOL.md, Extension 3), kept for an assigned complaint.
struct CentralUpdate {
  std::string update_id, central_id, status, note;
  std::int64_t at = 0;
  bool conflict = false;
};

// Central's answer to an update (PROTOCOL.md, Extension 3).
struct UpdateOutcome {
  std::string update_id;
  bool conflict = false;         // recorded, but central's newer status stands
  std::string current_status;    // the request's detailed status after it: what the tablet shows
  std::string request_status;    // open | closed
  std::string department;
};

class FieldLog {
 public:
  virtual ~FieldLog() = default;
  // Whose assigned lists to fetch: the engineers who signed in on this tablet lately.
  virtual std::vector<std::string> FieldUsers() = 0;
  // Replaces `user_id`'s assigned list with central's; false with `why` on a storage error.
  virtual bool ReplaceAssigned(const std::string& user_id, const std::vector<AssignedRequest>& list,
                               std::int64_t listed_at, std::string* why) = 0;
  // Keeps a feed entry when it is about a complaint assigned here (others are ignored); idempotent.
  // false: storage error.
  virtual bool RecordCentralUpdate(const CentralUpdate& u) = 0;
  // Pending updates due now, oldest first. false: storage error.
  virtual bool ListDueUpdates(std::int64_t now, size_t limit, std::vector<FieldUpdate>* out) = 0;
  virtual std::string PhotoPath(std::string_view file) const = 0;
  virtual bool MarkUpdateSending(const std::string& uuid, std::int64_t now) = 0;
  virtual bool MarkUpdateSent(const std::string& uuid, const UpdateOutcome& outcome, std::int64_t now) = 0;
  virtual bool MarkUpdateRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) = 0;
  virtual bool MarkUpdateFailed(const std::string& uuid, std::string_view cause, std::int64_t now) = 0;
  // Development works, with the same lifecycle. SetWorkId records central's id as soon as the
  // create answered (before the photos), so a retry does not need the create's replay.
  virtual bool ListDueWorks(std::int64_t now, size_t limit, std::vector<DevelopmentWork>* out) = 0;
  virtual bool MarkWorkSending(const std::string& uuid, std::int64_t now) = 0;
  virtual bool SetWorkId(const std::string& uuid, const std::string& work_id) = 0;
  virtual bool MarkWorkSent(const std::string& uuid, std::int64_t now) = 0;
  virtual bool MarkWorkRetry(const std::string& uuid, std::string_view cause, std::int64_t next_attempt_at) = 0;
  virtual bool MarkWorkFailed(const std::string& uuid, std::string_view cause, std::int64_t now) = 0;
  // The citizen's first photo of an assigned complaint, small, for the detail screen.
  virtual bool HasThumb(const std::string& central_id) = 0;
  virtual bool SaveThumb(const std::string& central_id, std::string_view jpeg) = 0;
};

}  // namespace samvad::model
