// complaint_store.h — what the kiosk's screens ask of the device store: file a complaint and
// get its ticket, look a ticket up, enrol the device, tidy up after crashes and abandoned drafts.
// The UI calls it from its worker thread (app/ui/tasks.h), never from a frame: Submit fsyncs.
//
// This file is: the API, its result types, and the promises behind them. It is not: the schema
// (migrations.cpp), the outbox lifecycle (outbox_store.cpp), the durable-write protocol
// (DESIGN.md). No ImGui, no UI types: tests/wall links it alone.
//
// Usage (from a Tasks job; continuations run on the UI thread):
//
//   samvad::store::ComplaintStore store;                    // one per program (main.cpp)
//   std::string why;
//   if (store.Open(samvad::platform::DataDir(), &why) == samvad::store::OpenStatus::Failed)
//     ShowStaffError(why);                                  // RecoveredFromCorruption: log `why`
//   store.CleanOrphans();                                   // once, before the first Submit
//   if (!store.device().enrolled) store.Enrol(/*ward=*/12, /*device=*/7);   // staff, once
//
//   samvad::store::ComplaintDraft d;
//   d.fields = {.category = "pothole", .ward_code = "K/E", .landmark = "near the temple",
//               .description = "खड्डा", .phone = "९८२० १२३ ४५६", .lang = "mr"};
//   d.photos.push_back({.jpeg = photo.jpeg, .width = photo.width, .height = photo.height,
//                       .thumb = photo.thumb});           // app/capture's PhotoResult
//   samvad::store::SubmitResult r = store.Submit(d);      // ~10–50 ms: seven fsyncs
//   switch (r.status) {
//     case SubmitStatus::Ok:      ShowReceipt(r.ticket_display, /*qr=*/r.ticket_canonical); break;
//     case SubmitStatus::Invalid: for (auto& i : r.issues) Highlight(model::IssueKey(i)); break;
//     default:                    ShowCouldNotSave(r.status); Log(r.detail);  // draft kept
//   }
//
//   model::Ticket t;
//   if (model::ParseTicket(typed, &t) == model::TicketError::None) {
//     samvad::store::LookupResult l = store.Lookup(t, typed_last4);   // "" when not asked yet
//     if (l.status == LookupStatus::NeedPhoneDigits) AskLast4();
//   }
//   store.WipeSessionTemp();                                // on the idle reset
//
// Threads: every method may be called from any thread. Submit, CleanOrphans, WipeSessionTemp
// and ApplyRetention (retention.h) are serialised with each other (a wipe waits for a submission
// in flight rather than pulling its files away); database work is serialised with the outbox (the sync thread).
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/store/outbox_store.h"
#include "app/store/store.h"
#include "sync/model/complaint.h"
#include "sync/model/ticket.h"

namespace samvad::store {

struct PhotoDraft {
  std::vector<std::uint8_t> jpeg;   // as app/capture encoded it; the store does not decode it
  int width = 0, height = 0;        // of `jpeg`
  std::vector<std::uint8_t> thumb;  // the thumbnail JPEG
  // SHA-256 of `jpeg` as lower-case hex, when the caller has it (app/capture computes it while
  // encoding): hashing 1 MB again was a third of Submit's time. Empty: the store computes it.
  std::string jpeg_sha256;
};

struct ComplaintDraft {
  model::ComplaintFields fields;    // as typed; Submit validates and normalises its own copy
  std::vector<PhotoDraft> photos;   // 0..model::kMaxPhotos
};

enum class SubmitStatus {
  Ok,                 // committed: show the receipt
  Invalid,            // bad input: `issues` says which field and why; nothing stored
  NotEnrolled,        // no ward/device number yet: staff must enrol the device
  SequenceExhausted,  // 99,999 tickets issued under this device number: staff must re-enrol
  DiskFull,           // no space (ENOSPC, SQLITE_FULL): nothing stored; staff must free space
  StorageError,       // any other disk or database failure: nothing stored; see `detail`
};

struct SubmitResult {
  SubmitStatus status = SubmitStatus::StorageError;
  model::Ticket ticket;              // when Ok
  std::string ticket_canonical;      // "01001000424": the QR code, the wire
  std::string ticket_display;        // "01-001-00042-4": the big number on the receipt
  std::int64_t created_at = 0;       // UTC unix seconds
  std::vector<model::Issue> issues;  // when Invalid
  std::string detail;                // English, for the log; never shown to a citizen
};

enum class LookupStatus {
  Found,
  NotFound,          // no such ticket on this device (it may have been filed elsewhere)
  NeedPhoneDigits,   // filed with a phone: ask for its last 4 digits, then call again
  WrongPhoneDigits,  // the last 4 digits given do not match
  StorageError,
};

struct StatusEvent {
  model::Status status = model::Status::Filed;
  std::int64_t at = 0;
  std::string note;                  // from central (already cleaned of bad bytes); may be ""
};

struct LookupResult {
  LookupStatus status = LookupStatus::StorageError;
  model::Status current = model::Status::Filed;
  std::vector<StatusEvent> history;  // oldest first; the first is always Filed
  std::optional<std::int64_t> last_sync_at;  // the device last heard from central about it
  bool sent = false;                 // central has it (the outbox entry is sent)
  std::string category, ward_code;
  std::int64_t created_at = 0;
  std::string masked_phone;          // "******3456", or "" when none was given. Never the phone.
  // Set once retention (retention.h) removed the phone number and photos, central having had
  // them: the screen says so. Such a complaint answers without the phone check, as one filed
  // without a phone does — no number is left to check, and the answer (status, category, ward)
  // says nothing about who filed it.
  std::optional<std::int64_t> purged_at;
  int purged_photos = 0;             // how many photos retention removed
  std::string detail;                // for the log on StorageError
};

struct DeviceConfig {
  bool enrolled = false;
  int ward = 0, device = 0;
  int next_sequence = 0;             // the sequence the next Submit will use
};

enum class EnrolStatus { Ok, Invalid, StorageError };

struct CleanReport {
  int temp_removed = 0;       // half-written files of an interrupted Submit (crash leftovers)
  int orphans_removed = 0;    // complete photo files no committed complaint references
  int kept_for_recovery = 0;  // unreferenced but kept: a corrupt database set aside may need them
  int missing = 0;            // referenced by a complaint but absent (never expected; log it)
  bool ok = true;
  std::string detail;
};

struct RetentionResult;

class ComplaintStore {
 public:
  ComplaintStore();
  ~ComplaintStore();
  ComplaintStore(const ComplaintStore&) = delete;
  ComplaintStore& operator=(const ComplaintStore&) = delete;

  // Opens `<data_dir>/samvad.db` (creating folders as needed), migrates it, and returns every
  // outbox entry left sending by a crash to pending. RecoveredFromCorruption: the old file was
  // kept beside it (see Store::Open) and `message` says where — tell staff.
  OpenStatus Open(const std::string& data_dir, std::string* message);

  // Files a complaint. Photos are written durably first, then ONE transaction issues the ticket
  // and inserts complaint, photos, outbox entry and first status event; the ticket is returned
  // only after COMMIT returned. On any status but Ok no complaint exists and no ticket was used.
  SubmitResult Submit(const ComplaintDraft& draft);

  // The complaint's status for the status screen. `phone_last4` (digits of any script) is
  // required only when a phone was given at filing.
  LookupResult Lookup(const model::Ticket& ticket, std::string_view phone_last4 = {});

  // Sets the ward and device number given at enrolment. Keeps the sequence when the device
  // number is unchanged; otherwise continues after the highest sequence this database ever
  // issued under that number, so a ticket is never issued twice by this device.
  EnrolStatus Enrol(int ward, int device);
  DeviceConfig device();

  // At start, before the first Submit: removes temporaries and photo files no committed row
  // references (both are what a crash mid-Submit leaves), and empties the session folder.
  CleanReport CleanOrphans();
  // The kiosk's idle reset: removes temporaries and the session folder's files of an abandoned
  // draft. Waits for a Submit in flight. Returns how many files it removed.
  int WipeSessionTemp();

  // Where app/capture may spill a draft's files (emptied by WipeSessionTemp and CleanOrphans).
  const std::string& session_dir() const { return session_dir_; }
  const std::string& photos_dir() const { return photos_dir_; }
  // The sync client's view (sync/model/outbox.h); lives as long as this store.
  OutboxStore& outbox() { return *outbox_; }
  // The connection, for the DB inspector and tests. Lock db_mutex() around any use.
  Store& store() { return store_; }
  std::mutex& db_mutex() { return db_mu_; }

 private:
  // Retention deletes photo files, so it takes files_mu_ as Submit and CleanOrphans do.
  friend RetentionResult ApplyRetention(ComplaintStore& cs, int keep_days, std::int64_t now);

  Store store_;
  std::string data_dir_, photos_dir_, session_dir_;
  std::mutex files_mu_;  // Submit, CleanOrphans, WipeSessionTemp, ApplyRetention; before db_mu_
  std::mutex db_mu_;     // every use of store_, shared with outbox_
  std::unique_ptr<OutboxStore> outbox_;
};

const char* SubmitStatusName(SubmitStatus s);  // "ok", "disk_full", … for logs and catalog keys

// What the staff screen shows as device health. -1 where it could not be measured.
struct StorageHealth {
  std::int64_t free_bytes = -1;    // for an unprivileged writer, on the data folder's file system
  std::int64_t db_bytes = -1;      // samvad.db with its -wal and -shm
  std::int64_t photos_bytes = -1;  // every file in photos/
  int photo_files = -1;
};
// Reads sizes only (stat, statvfs, one directory listing); safe beside a running store.
StorageHealth MeasureStorage(const std::string& data_dir);

}  // namespace samvad::store
