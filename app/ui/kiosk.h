// kiosk.h — the services behind the citizen's screens: the complaint store (app/store), the
// photo pipeline (app/capture) and the task runner, wired so that no screen ever waits on disk.
// Screens call these; results arrive as continuations on the UI thread. main.cpp owns one.
#pragma once
#include <functional>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "app/ui/tasks.h"
#include "sync/client/engine.h"

namespace samvad::ui {

struct AppState;

struct StatusResult {
  std::string state;                                      // "open", "resolved", …
  std::vector<std::pair<std::string, std::string>> history;  // (local time, state)
  std::string synced;                                     // local time, "" when never synced
  bool from_central = false;  // not on this kiosk: central's public answer, just now
};

struct ImportCandidate {
  std::string path, name;
};

struct DeviceConfig;
// Reads <data>/device.conf over the embedded defaults; false with "file:line: why".
bool LoadDeviceConfig(const std::string& path, DeviceConfig* cfg, std::string* error);
// Unix seconds as the device's local "dd-mm-yyyy HH:MM" (how receipts and staff screens show time).
std::string LocalTime(std::int64_t unix_seconds);
// The bytes a thermal (ESC/POS) printer needs for a receipt: number, QR, ward, date.
std::string EscPosReceipt(const std::string& display, const std::string& canonical,
                          const std::string& ward, std::int64_t created_at);

class Kiosk {
 public:
  // `wake` wakes the event loop from a worker thread (glfwPostEmptyEvent); may be empty.
  explicit Kiosk(std::function<void()> wake = {});
  ~Kiosk();
  // Opens the store in `data_dir`; false with a reason for the log and the staff.
  bool Open(const std::string& data_dir, AppState& app, std::string* error);
  Tasks& tasks();

  // Saves the draft; on COMMIT the receipt screen shows the ticket. A second call while one
  // is running is ignored (the submit button is also guarded).
  void Submit(AppState& app);
  bool submitting() const;
  // Looks up app.status's ticket (and last 4 digits); fills app.status.
  void LookUp(AppState& app);
  // A ticket not on this kiosk, asked of central's public view on the worker (lookup.h):
  // app.status then shows central's status, or why it could not. False without a central.
  bool AskCentral(AppState& app);
  // Photos: lists importable files in the import folder; processes one into the draft.
  std::vector<ImportCandidate> ListImports() const;
  bool has_import_folder() const;  // device.conf names one (a USB stick's mount point)
  void AddPhoto(AppState& app, const std::string& path);
  bool processing_photo() const;
  // The camera (device.conf `camera`). FindCamera looks for one (on the worker for "auto"; call
  // it when a photo list opens, as a camera may have been plugged in since); has_camera says
  // whether "Take a photo" is offered. OpenCamera starts the viewfinder (capture/camera.h);
  // camera_preview is its latest picture as a texture; Shoot takes the next frame, which
  // arrives as an imported file's photo does, and closes the viewfinder; so does a failure
  // (its message in app.photos.error_key). processing_photo() is true while the camera starts
  // or a shot is taken; taking_photo() while the frame is awaited.
  void FindCamera();
  bool has_camera() const;
  void OpenCamera();
  void CloseCamera();
  bool camera_open() const;  // starting or live
  bool camera_live() const;  // frames are coming: Shoot may be pressed
  unsigned int camera_preview(int* w, int* h) const;  // 0 before the first frame
  void Shoot();
  bool taking_photo() const;
  // The session ended (idle reset, "Done", a discarded draft): removes any temporary file of the
  // abandoned draft, and drops every photo submitted so far, finished or not.
  void WipeSession();

  // Staff. Checks app.signin's user id and PIN on a worker (Argon2id takes ~30 ms and 19 MiB);
  // the answer lands in app.staff / app.signin.result_key. The PIN field is wiped either way.
  void SignIn(AppState& app);
  // The sync engine, when device.conf names a central and a key (else false / a Stopped snapshot).
  bool sync_configured() const;
  sync::SyncSnapshot SyncSnapshot() const;
  void SyncNow();
  // Reloads app.sync (the outbox list, counts, device health) on a worker.
  void RefreshSyncScreen(AppState& app);
  // Writes the reconciliation (CSV and printable PNG pages, app/report) to the export folder on a
  // worker; the outcome lands in app.sync.export_key / export_detail.
  void ExportReconciliation(AppState& app);
  // Sneakernet: every complaint central has not acknowledged, with its photos, to one sealed and
  // signed bundle in the export folder (sync/client/export.h), on a worker; the outcome lands in
  // app.sync.export_key / export_detail.
  void ExportBundle(AppState& app);
  // Fills app.report from every outbox entry (on a worker), SLA hours from app.catalog.
  void LoadReport(AppState& app);
  // A nodal officer's colleagues locked out on this device (app.staff.locked), and unlocking
  // one (StaffStore::Unlock, which checks the officer again); both on a worker.
  void LoadLocked(AppState& app);
  void Unlock(AppState& app, const std::string& user_id, const std::string& name);
  // The field engineer's work (field_store.h). Loads app.work.items for the signed-in engineer;
  // opens one complaint into app.work.current/history; saves the work log being written (on a
  // worker: the photos are fsync'd, the GPS asked) and syncs it when the link is up.
  void LoadWork(AppState& app);
  void OpenWork(AppState& app, const std::string& central_id);
  void SaveWork(AppState& app);
  // Development works: the latest into app.work.dev_rows; the one being written saved.
  void LoadDevWorks(AppState& app);
  void SaveDevWork(AppState& app);
  // Staff's retry of one entry: a failed one goes back to waiting (OutboxStore::Requeue), and a
  // session starts now, past our own backoff.
  void Retry(const std::string& ticket_display);
  // Once per frame, on the UI thread: applies finished jobs and photos to the app, and starts
  // retention on the worker when it is due.
  void Poll(AppState& app);

 private:
  void RunRetentionWhenDue(AppState& app);
  void PollCamera(AppState& app);
  template <class Draft, class Record>
  void SaveFieldWork(Draft d, const std::string& gpsd, const char* what, Record record,
                     std::function<void(AppState&)> on_saved);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace samvad::ui
