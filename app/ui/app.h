// app.h — the program's state, passed by reference to every screen (one state struct per
// screen, a flat router: GUIDE 2.5), and the per-frame entry point. Text services (fonts,
// shaping, breaks, catalogs, atlas) live in TextServices and are built once at start-up.
#pragma once
#include <imgui.h>
#include <imgui_internal.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/text/breaks.h"
#include "app/text/catalog.h"
#include "app/text/fonts.h"
#include "app/text/keyboard.h"
#include "app/text/shaper.h"
#include "app/text/text_edit.h"
#include "app/ui/glyph_atlas.h"
#include "app/ui/kiosk.h"
#include "app/ui/seed_catalog.h"
#include "app/ui/text_draw.h"
#include "app/ui/theme.h"
#include "app/ui/widgets/touch.h"

namespace samvad::ui {

struct TextServices {
  text::FontSet fonts;
  text::Catalog catalog;
  text::Breaks breaks;
  std::unique_ptr<text::Shaper> shaper;
  GlyphAtlas atlas;
  std::unique_ptr<TextRenderer> renderer;

  // Loads fonts and catalogs; false with a reason a person can act on.
  bool Load(std::string* error);
};

// The citizen's path: Language → Home → Category → Where → Describe → Photos → Contact → Review
// → (submit) → Receipt; and Home → Status. Back on every step keeps what was typed.
// Staff: Language → StaffSignIn (user id + PIN) → StaffHome → StaffSync. Signing out, or the
// idle reset, returns to Language with nothing of the staff session left.
enum class ScreenId {
  Language, Home, Category, Where, Describe, Photos, Contact, Review, Receipt, Status,
  StaffSignIn, StaffHome, StaffSync, StaffReport,
  WorkList, WorkDetail, WorkLog, DevWork  // the field engineer's (field_screens.cpp)
};
const char* ScreenName(ScreenId id);

struct KeyboardState {
  bool shift = false;
  bool latin = false;  // the citizen switched their script's keyboard to English QWERTY
};

struct DraftPhoto {
  std::vector<unsigned char> jpeg, thumb;  // processed: ≤1600 px, no metadata at all
  int width = 0, height = 0;
  std::string sha256;
  unsigned int texture = 0;  // the thumbnail on the GPU, for the preview
  int tex_w = 0, tex_h = 0;
  std::string source;  // the file it came from (import list): offered no more while added
};

// One citizen's complaint while it is being written. Lives in memory only until submitted;
// the idle reset and "done" wipe it (Wipe overwrites before freeing).
struct Draft {
  static constexpr size_t kMaxPhotos = 3;
  std::string category;
  text::EditState landmark, description, phone;
  KeyboardState kb;  // one keyboard state for the draft's text fields
  std::vector<DraftPhoto> photos;
  bool discard_asked = false;  // Back on its first screen: "discard this complaint?" is up
  // Nothing the citizen wrote or added: no text, no photo (a category alone is one tap).
  bool Empty() const;
  void Wipe();
};

struct StatusState {
  text::EditState ticket, last4;
  KeyboardState kb;
  bool editing_last4 = false;
  std::string result_key;  // what the last lookup said (a catalog key), "" before any
  bool found = false;
  bool asking = false;     // central is being asked (a ticket this kiosk does not hold)
  StatusResult result;
};

struct PhotosState {
  std::vector<ImportCandidate> candidates;
  bool listed = false;     // the import folder was read for this visit
  std::string error_key;   // the last photo's problem, in the citizen's language
};

struct ReceiptState {
  std::string ticket;  // display form, "08-001-00042-9"
  std::string qr;      // canonical form, the QR's content: 11 digits
};

// A signed-in staff member (StaffStore said yes to the PIN). Only names: no hash, no PIN.
struct StaffSession {
  bool signed_in = false;
  std::string user_id, name, role, ward;
  // A nodal officer's view of colleagues locked out on this device (Kiosk::LoadLocked).
  struct Locked {
    std::string user_id, name;
    std::int64_t until = 0;  // unix seconds when the wait ends
  };
  std::vector<Locked> locked;
  double locked_loaded_at = -1;  // app.now; -1: not yet
  bool unlocking = false;
  std::string unlock_key, unlock_name;  // the last unlock's answer (a catalog key) and whose
};

struct StaffSignInState {
  text::EditState user, pin;
  KeyboardState kb;
  bool editing_pin = false;
  bool checking = false;     // an Argon2id verify is running on a worker
  std::string result_key;    // the last attempt's answer (a catalog key), "" before any
  int retry_after_s = 0;     // for staff.err.locked
};

// One outbox entry as the sync screen lists it (from OutboxStore::List).
struct SyncRowView {
  std::string ticket;     // display form
  std::string state;      // "pending", "sending", "sent", "failed"
  std::string cause;      // why it waits or failed; "" when none
  std::string central_id;
  std::int64_t next_attempt_at = 0, sent_at = 0, created_at = 0;
};

struct SyncScreenState {
  std::vector<SyncRowView> rows;  // unsent first, then the latest sent
  int pending = 0, failed = 0, sent = 0;
  int work_pending = 0, work_failed = 0;  // the field engineer's updates (a tablet)
  std::int64_t oldest_unsent_at = 0;
  std::int64_t free_bytes = -1, db_bytes = -1, photos_bytes = -1;
  int photo_files = -1;
  bool loading = false;
  double loaded_at = -1;  // app.now of the last refresh
  std::string error_key;
  bool exporting = false;
  std::string export_key;     // the last export's outcome (a catalog key), "" before any
  std::string export_detail;  // where it went, or why not (file names and errors are English)
};

// The day report's figures (staff_screens.cpp draws them as charts), from every outbox entry.
struct ReportState {
  std::vector<std::pair<std::string, int>> by_category;  // category code, count; largest first
  std::vector<std::pair<std::string, int>> by_status;    // status code, count; in lifecycle order
  int within_sla = 0, past_half_sla = 0, overdue = 0;    // complaints not yet resolved or rejected
  int filed_last_day = 0, total = 0;
  bool loading = false, loaded = false;
  std::string error_key;
};

// One assigned complaint as the engineer's screens show it (from store::AssignedView).
struct WorkItemView {
  std::string central_id, ticket, category, address, description, lang;
  std::string status;       // shown: central's, or this tablet's newest update still waiting
  std::int64_t requested_at = 0, expected_at = 0;
  bool overdue = false, conflict = false;
  int pending = 0, failed = 0, before = 0, after = 0, citizen_photos = 0;
};

// One update this tablet recorded, for the detail screen's history.
struct WorkHistoryLine {
  std::int64_t at = 0;
  std::string status, note, state, outcome, cause;  // state: pending | sending | sent | failed
  bool conflict = false, clock_suspect = false, located = false;
  int photos = 0;
  double distance_m = -1;  // from the complaint's position, when both are known; -1 otherwise
  // When each of its photos was taken, where known (kind "before"/"after", unix seconds).
  std::vector<std::pair<std::string, std::int64_t>> photo_times;
};

// A before/after photo of the work log being written (memory only until saved).
struct WorkPhoto {
  std::string kind;  // "before" | "after"
  std::vector<unsigned char> jpeg;
  std::string sha256;
  std::int64_t taken_at = 0;  // the camera's shot or the file's EXIF time; 0 = unknown
  unsigned int texture = 0;
  int tex_w = 0, tex_h = 0;
  std::string source;  // as DraftPhoto's
};

struct WorkScreenState {
  // The list.
  std::vector<WorkItemView> items;
  bool loading = false, loaded = false;
  double loaded_at = -1;  // app.now of the last reload
  std::string error_key;
  // The complaint open in the detail and log screens.
  WorkItemView current;
  double opened_at = -1;  // app.now of the last reload of `current`
  std::vector<WorkHistoryLine> history;  // recorded on this tablet
  std::vector<WorkHistoryLine> office;   // central's history: assignment, other devices' updates
  unsigned int thumb = 0;  // the citizen's photo (from central), on the GPU
  std::string thumb_for;   // the complaint `thumb` shows
  int thumb_w = 0, thumb_h = 0;
  // The work log being written.
  std::string status;      // the status chosen; "" = none yet
  std::string department;  // for "transferred"
  text::EditState note;
  KeyboardState kb;
  bool typing = false;     // the keyboard is up for the note
  std::vector<WorkPhoto> photos;
  std::string adding;      // the kind the next imported photo becomes; "" = not choosing
  std::vector<ImportCandidate> candidates;
  bool saving = false;
  std::string result_key;  // the last save's problem, or "work.saved"
  // A development work being written (DevWork screen; shares photos, adding and candidates).
  text::EditState dev_title, dev_description;
  int dev_typing = 0;      // 0: none, 1: the title, 2: the description
  struct DevRow {
    std::string title, state, cause;
    std::int64_t at = 0;
    int photos = 0;
  };
  std::vector<DevRow> dev_rows;  // the latest works recorded here
  double dev_loaded_at = -1;
  void Wipe();             // overwrites photos, note and the work being written, frees textures
};

// Kiosk configuration: which ward this machine serves and its device number (inside tickets).
struct DeviceConfig {
  std::string ward_number = "08";  // G/N, Dadar — the embedded default for `make run`
  std::string device_number = "001";
  std::string printer;     // an ESC/POS device path (or a file, in tests); "" for none
  std::string import_dir;  // where a USB stick's photos are; "" for none
  std::string central_url, central_key;  // the central queue and this device's key; "" = no sync
  double idle_warn_s = 60, idle_reset_s = 90;
  int retention_days = 30;  // after central acknowledged a complaint (or a work update): phone and photos go
  std::string export_dir;   // where staff exports go (a USB stick's folder); "" = <data>/exports
  bool tablet = false;      // mode=tablet: a field engineer's tablet (staff sign-in first, assigned work)
  std::string gpsd;         // gpsd's address, "127.0.0.1:2947" by default; "off" = no GPS
  // The camera: "auto" (the first /dev/video* that gives MJPEG or YUYV, looked for when a photo
  // list opens), "off", or one device's path (shown even when unplugged: the press says so).
  std::string camera = "auto";
};

struct ScrollState {
  float velocity = 0;  // px/s, for fling after the finger lifts
  bool dragging = false;
};

struct AppState {
  TextServices* text = nullptr;
  Theme theme;
  TouchInput touch;
  text::Lang lang = text::Lang::Mr;
  ScreenId screen = ScreenId::Language;
  double now = 0;
  float dt = 1.0f / 60;

  SeedCatalog catalog;
  DeviceConfig config;
  Draft draft;
  StatusState status;
  PhotosState photos;
  ReceiptState receipt;
  StaffSession staff;
  StaffSignInState signin;
  SyncScreenState sync;
  ReportState report;
  WorkScreenState work;
  Kiosk* kiosk = nullptr;  // the services; null in tests that draw screens without them
  std::string message_key;  // a notice for the current screen (catalog key), "" for none
  double last_touch = 0;    // for the idle reset
  std::map<ImGuiID, ScrollState> scrolls;

  // Named widget rectangles of the last frame: what the script driver taps.
  std::map<std::string, ImRect, std::less<>> widgets;
  // Named numbers a screen showed last frame (bytes sent, say): what a script can compare
  // between two moments ("remember", "expect-increased").
  std::map<std::string, double, std::less<>> values;
  // Frame requests: an animation running, or a time at which something must be redrawn.
  bool animating = false;
  double wake_at = 0;  // 0: none

  const std::string& T(std::string_view key) const { return text->catalog.Get(lang, key); }
  TextRenderer& R() { return *text->renderer; }
  void RegisterWidget(std::string_view name, const ImRect& r) { widgets[std::string(name)] = r; }
  void PublishValue(std::string_view name, double v) { values[std::string(name)] = v; }
  void WakeAt(double t) { if (wake_at == 0 || t < wake_at) wake_at = t; }
  void Go(ScreenId s) { screen = s; message_key.clear(); }
  // Ends the citizen's (or the staff member's) session: the draft, the status screen's input
  // and any staff sign-in are wiped, and the kiosk returns to the language chooser.
  void ResetSession();
  // The citizen left the complaint they were writing (and said so): it is wiped as at the end of
  // a session, and the kiosk stays on the home screen, in their language.
  void DiscardDraft();
  // The status lookup's input and answer (a ticket, a phone number's last 4 digits) are wiped.
  void ForgetLookup();
  // Something of a citizen is on this kiosk's screens: a draft, or a lookup.
  bool HoldsCitizenData() const;
  // A sync cause (an English sentence from sync/client) as staff read it: what it is about in
  // their language ("sync.topic.*", sync/client/cause_topic.h), then the sentence with its
  // details for whoever they call; the sentence alone in English or when its topic is unknown.
  std::string Cause(std::string_view cause) const;
};

// The text field that typing goes to on the current screen (physical keyboard), or null.
text::EditState* FocusedField(AppState& app);
// A field by its widget name ("describe.field", "status.ticket", …), for the script driver.
text::EditState* FieldByName(AppState& app, std::string_view name);

// Frees a GL texture (a photo preview) and zeroes the handle; no-op for 0.
void DeleteTexture(unsigned int& tex);

// After TouchInput::NewFrame, before ImGui::NewFrame: a press that lands while the idle
// countdown is over the screen only dismisses it (TouchInput::Swallow); the widget under the
// finger never sees it, so a citizen's "I am still here" cannot submit, discard or go back.
void AcceptTouch(AppState& app, ImGuiIO& io);
// Builds one frame's UI (between ImGui::NewFrame and ImGui::Render).
void DrawFrame(AppState& app);
// The current screen alone, into the current ImGui window (DrawFrame's inside; tests use it).
void DrawFrameContents(AppState& app);

// Screens: one file each.
void LanguageScreen(AppState& app);
void HomeScreen(AppState& app);
void CategoryScreen(AppState& app);
void WhereScreen(AppState& app);
void DescribeScreen(AppState& app);
void PhotosScreen(AppState& app);
// "Take a photo" when the device has a camera (kiosk.h FindCamera): it opens the viewfinder.
// On the photos screen and the work log's photo list. True when tapped.
bool CameraRow(AppState& app, const char* id, bool busy, float width);
// The open viewfinder, in the whole content region (the screen it opened from steps aside until
// a shot or Close): the live picture (or "starting"), "Take the photo now" and "Close the
// camera" beside it. Script names: camera.view:starting|live, camera.shoot, camera.close.
void Viewfinder(AppState& app);
void ContactScreen(AppState& app);
void ReviewScreen(AppState& app);
void ReceiptScreen(AppState& app);
void StatusScreen(AppState& app);
void StaffSignInScreen(AppState& app);  // staff_screens.cpp
void StaffHomeScreen(AppState& app);
void StaffSyncScreen(AppState& app);
// The line under an outbox entry on the sync screen: where it stands, in app.lang.
std::string SyncRowDetail(const AppState& app, const SyncRowView& r, const sync::SyncSnapshot& snap, std::int64_t now);
void StaffReportScreen(AppState& app);
void WorkListScreen(AppState& app);    // field_screens.cpp
void WorkDetailScreen(AppState& app);
void WorkLogScreen(AppState& app);
void DevWorkScreen(AppState& app);

}  // namespace samvad::ui
