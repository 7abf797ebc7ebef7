// kiosk.cpp — see kiosk.h. Also: the device configuration file and the ESC/POS receipt.
//
// [SECTION] configuration   <data>/device.conf: ward=08, device=001, printer=/dev/usb/lp0,
//                           import=/media/usb — every key optional (embedded defaults)
// [SECTION] receipt printer ESC/POS bytes for a thermal printer, appended to a device path
// [SECTION] Kiosk           submit, look up, photos, session wipe
// [SECTION] Staff           sign-in (Argon2id on a worker), the sync screen's data, retry
#include "app/ui/kiosk.h"

#include <GL/gl.h>
#include <fcntl.h>
#include <stb_image.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "app/capture/import.h"
#include "app/capture/camera.h"
#include "app/capture/worker.h"
#include "app/store/complaint_store.h"
#include "app/store/field_store.h"
#include "app/report/page.h"
#include "app/report/reconciliation.h"
#include "app/store/retention.h"
#include "app/store/staff_store.h"
#include "app/ui/app.h"
#include "platform/camera_v4l2.h"
#include "platform/gpsd.h"
#include "sync/client/engine.h"
#include "sync/client/export.h"
#include "sync/client/lookup.h"
#include "sync/model/ticket.h"

namespace samvad::ui {

//-----------------------------------------------------------------------------------------------
// [SECTION] configuration
//-----------------------------------------------------------------------------------------------

bool LoadDeviceConfig(const std::string& path, DeviceConfig* cfg, std::string* error) {
  std::ifstream in(path);
  if (!in) return true;  // no file: the embedded defaults
  int lineno = 0;
  bool idle_set = false;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      *error = path + ":" + std::to_string(lineno) + ": expected key=value";
      return false;
    }
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "ward") cfg->ward_number = v;
    else if (k == "device") cfg->device_number = v;
    else if (k == "printer") cfg->printer = v;
    else if (k == "import") cfg->import_dir = v;
    else if (k == "central") cfg->central_url = v;
    else if (k == "key") cfg->central_key = v;
    else if (k == "idle_warn") { cfg->idle_warn_s = std::atof(v.c_str()); idle_set = true; }
    else if (k == "idle_reset") { cfg->idle_reset_s = std::atof(v.c_str()); idle_set = true; }
    else if (k == "export") cfg->export_dir = v;
    else if (k == "gpsd") cfg->gpsd = v;
    else if (k == "camera") {
      if (v != "auto" && v != "off" && (v.empty() || v[0] != '/')) {
        *error = path + ":" + std::to_string(lineno) + ": camera must be auto, off or a device path (/dev/video0)";
        return false;
      }
      cfg->camera = v;
    }
    else if (k == "mode") {
      if (v != "kiosk" && v != "tablet") {
        *error = path + ":" + std::to_string(lineno) + ": mode must be kiosk or tablet";
        return false;
      }
      cfg->tablet = v == "tablet";
    }
    else if (k == "retention_days") {
      cfg->retention_days = std::atoi(v.c_str());
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || cfg->retention_days > store::kMaxRetentionDays) {
        *error = path + ":" + std::to_string(lineno) + ": retention_days must be 0 to " +
                 std::to_string(store::kMaxRetentionDays) + " (days)";
        return false;
      }
    }
    else {
      *error = path + ":" + std::to_string(lineno) + ": unknown key " + k;
      return false;
    }
  }
  // A tablet is used for minutes at a time on site: its idle lock waits longer than a kiosk's
  // (unless device.conf says otherwise). It still locks: the staff session ends, unsaved work too.
  if (cfg->tablet && !idle_set) {
    cfg->idle_warn_s = 540;
    cfg->idle_reset_s = 600;
  }
  return true;
}

//-----------------------------------------------------------------------------------------------
// [SECTION] receipt printer
//-----------------------------------------------------------------------------------------------

// Thermal printers' built-in fonts have no Devanagari or Bengali, so the paper receipt carries
// what every citizen can use: the number (large), its QR code, the ward and the date, in ASCII.
std::string EscPosReceipt(const std::string& display, const std::string& canonical,
                          const std::string& ward, std::int64_t created_at) {
  std::string b;
  b += "\x1b@";                  // initialise
  b += "\x1b" "a" "\x01";        // centre
  b += "Samvad - ward " + ward + "\n";
  char when[32] = "";
  const std::time_t t = static_cast<std::time_t>(created_at);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%d-%m-%Y %H:%M", &tm);
  b += std::string(when) + "\n\n";
  b += "\x1d" "!" "\x11";        // double width and height
  b += display + "\n";
  b += "\x1d!";
  b.push_back('\0');            // back to normal size
  // QR (model 2, module size 6, level M), then store the data and print it.
  b += std::string("\x1d(k\x04\x00\x31\x41\x32\x00", 9);
  b += std::string("\x1d(k\x03\x00\x31\x43\x06", 8);
  b += std::string("\x1d(k\x03\x00\x31\x45\x31", 8);
  const size_t n = canonical.size() + 3;
  b += "\x1d(k";
  b.push_back(static_cast<char>(n & 0xFF));
  b.push_back(static_cast<char>(n >> 8));
  b += std::string("\x31\x50\x30", 3) + canonical;
  b += std::string("\x1d(k\x03\x00\x31\x51\x30", 8);
  b += "\nKeep this number to check your complaint.\n\n\n";
  b += "\x1dV\x42";            // feed and cut
  b.push_back('\0');
  return b;
}

std::string LocalTime(std::int64_t at) {
  char buf[32] = "";
  const std::time_t t = static_cast<std::time_t>(at);
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%d-%m-%Y %H:%M", &tm);
  return buf;
}

namespace {

bool WriteAll(const std::string& path, const std::string& bytes, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) { *error = "printer " + path + ": cannot open"; return false; }
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (w <= 0) { ::close(fd); *error = "printer " + path + ": write failed"; return false; }
    off += static_cast<size_t>(w);
  }
  ::close(fd);
  return true;
}


const char* PhotoErrorKey(capture::PhotoError e) {
  switch (e) {
    case capture::PhotoError::Empty: return "photos.err.empty";
    case capture::PhotoError::NotAnImage: return "photos.err.not_image";
    case capture::PhotoError::UnsupportedFormat: return "photos.err.unsupported";
    case capture::PhotoError::Truncated:
    case capture::PhotoError::Corrupt: return "photos.err.corrupt";
    case capture::PhotoError::TooLarge: return "photos.err.too_large";
    case capture::PhotoError::CameraMissing: return "photos.err.camera_missing";
    case capture::PhotoError::CameraBusy: return "photos.err.camera_busy";
    case capture::PhotoError::CameraFailed: return "photos.err.camera_failed";
    case capture::PhotoError::None:
    case capture::PhotoError::IoError:
    case capture::PhotoError::OutOfMemory:
    case capture::PhotoError::CodecFailure: break;
  }
  return "photos.err.io";
}

// RGBA pixels into a texture (made on first use, replaced after): a preview or a thumbnail.
void UploadRgba(unsigned int* tex, const unsigned char* rgba, int w, int h) {
  if (!*tex) {
    GLuint t = 0;
    glGenTextures(1, &t);
    *tex = t;
    glBindTexture(GL_TEXTURE_2D, t);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  }
  glBindTexture(GL_TEXTURE_2D, *tex);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

// The preview: our own thumbnail (a JPEG we just encoded) decoded to a small GL texture.
unsigned int ThumbTexture(const std::vector<std::uint8_t>& jpeg, int* w, int* h) {
  int n = 0;
  unsigned char* px = stbi_load_from_memory(jpeg.data(), static_cast<int>(jpeg.size()), w, h, &n, 4);
  if (!px) return 0;
  unsigned int tex = 0;
  UploadRgba(&tex, px, *w, *h);
  for (size_t i = 0, e = static_cast<size_t>(*w) * static_cast<size_t>(*h) * 4; i < e; ++i) px[i] = 0;
  stbi_image_free(px);
  return tex;
}

}  // namespace

//-----------------------------------------------------------------------------------------------
// [SECTION] Kiosk
//-----------------------------------------------------------------------------------------------

// Central's staff list (sync/model) into the device's StaffStore (app/store): the sync engine
// cannot include app/, so the program adapts one to the other here.
class StaffDirectoryAdapter final : public model::StaffDirectory {
 public:
  explicit StaffDirectoryAdapter(store::StaffStore& s) : store_(s) {}
  bool Replace(const std::vector<model::StaffEntry>& list, std::int64_t listed_at, std::string* why) override {
    std::vector<store::StaffRecord> records;
    for (const model::StaffEntry& e : list) {
      store::StaffRecord r;
      r.account.user_id = e.user_id;
      r.account.display_name = e.name;
      r.account.ward_code = e.ward;
      r.account.department = e.department;
      // An unknown role gets the least one; ReplaceAccounts checks everything else.
      r.account.role = store::ParseStaffRole(e.role).value_or(store::StaffRole::WardStaff);
      r.account.active = e.active;
      r.pin_hash = e.pin_hash;
      records.push_back(std::move(r));
    }
    const store::StaffSyncResult res = store_.ReplaceAccounts(records, listed_at);
    for (const std::string& bad : res.rejected) std::fprintf(stderr, "samvad: staff account refused: %s\n", bad.c_str());
    if (res.status != store::StaffSyncStatus::Ok) *why = res.detail;
    return res.status == store::StaffSyncStatus::Ok;
  }

 private:
  store::StaffStore& store_;
};

struct Kiosk::Impl {
  explicit Impl(std::function<void()> wake) : tasks(wake), photos(capture::PhotoOptions{}, wake), viewfinder(wake) {}
  store::ComplaintStore store;
  std::unique_ptr<store::StaffStore> staff;  // on `store`'s connection, made by Open
  std::unique_ptr<StaffDirectoryAdapter> staff_directory;  // what the sync engine fills
  std::unique_ptr<store::FieldStore> field;  // the field engineer's work; on `store`'s connection
  std::string data_dir;
  Tasks tasks;
  capture::PhotoWorker photos;
  std::map<capture::JobId, std::string> photo_sources;  // job → the file it reads (UI thread)
  std::string camera;         // the camera's device path, "" for none (UI thread; FindCamera)
  bool finding_camera = false;
  capture::CameraViewfinder viewfinder;  // streams while a photo list shows the camera
  capture::CameraViewfinder::Preview preview;  // the last preview taken (UI thread)
  unsigned int preview_tex = 0;
  std::chrono::steady_clock::time_point camera_opened_at;
  std::atomic<bool> submitting{false};
  double next_retention_at = 0;  // app.now; the first run a minute after start, then every 6 h
  bool retention_running = false;
  DeviceConfig config;
  std::string ward_code;
  // Where a ticket this kiosk does not hold is asked (sync/client/lookup.h); "" without a central.
  std::string central_url;
  sync::TransportConfig transport;
  // Declared last so it is destroyed first: it stops (leaving no entry in `sending`) before the
  // store it reads closes.
  std::unique_ptr<sync::SyncEngine> sync;
};

Kiosk::Kiosk(std::function<void()> wake) : impl_(std::make_unique<Impl>(std::move(wake))) {}
Kiosk::~Kiosk() = default;

Tasks& Kiosk::tasks() { return impl_->tasks; }

bool Kiosk::Open(const std::string& data_dir, AppState& app, std::string* error) {
  if (!LoadDeviceConfig(data_dir + "/device.conf", &app.config, error)) return false;
  impl_->config = app.config;
  const Ward* ward = app.catalog.FindWard(app.config.ward_number);
  if (!ward) {
    *error = "device.conf: ward " + app.config.ward_number + " is not in the catalog";
    return false;
  }
  impl_->ward_code = ward->code;
  std::string msg;
  if (impl_->store.Open(data_dir, &msg) == store::OpenStatus::Failed) {
    *error = "store: " + msg;
    return false;
  }
  if (!msg.empty()) std::fprintf(stderr, "samvad: %s\n", msg.c_str());  // recovered: tell staff
  impl_->data_dir = data_dir;
  FindCamera();  // looked for again whenever a photo list opens; known by then
  impl_->staff = std::make_unique<store::StaffStore>(impl_->store.store(), impl_->store.db_mutex());
  impl_->field = std::make_unique<store::FieldStore>(impl_->store.store(), impl_->store.db_mutex(), data_dir + "/field");
  if (std::string why; !impl_->field->Open(&why)) {
    *error = "field store: " + why;
    return false;
  }
  const store::CleanReport clean = impl_->store.CleanOrphans();
  if (clean.temp_removed || clean.orphans_removed)
    std::fprintf(stderr, "samvad: removed %d temporary and %d orphan photo files from an interrupted save\n",
                 clean.temp_removed, clean.orphans_removed);
  if (!app.config.central_url.empty() && !app.config.central_key.empty()) {
    sync::SyncConfig sc;
    sc.base_url = app.config.central_url;
    sc.api_key = app.config.central_key;
    sc.photos_dir = impl_->store.photos_dir();
    sc.data_dir = data_dir;
    impl_->staff_directory = std::make_unique<StaffDirectoryAdapter>(*impl_->staff);
    sc.staff = impl_->staff_directory.get();
    sc.field = impl_->field.get();
    impl_->central_url = sc.base_url;
    impl_->transport = sc.transport;
    impl_->sync = std::make_unique<sync::SyncEngine>(sc, impl_->store.outbox());
    impl_->sync->Start();
  }
  const int w = std::atoi(app.config.ward_number.c_str()), d = std::atoi(app.config.device_number.c_str());
  const store::DeviceConfig dc = impl_->store.device();
  if ((!dc.enrolled || dc.ward != w || dc.device != d) && impl_->store.Enrol(w, d) != store::EnrolStatus::Ok) {
    *error = "cannot set ward " + app.config.ward_number + " / device " + app.config.device_number;
    return false;
  }
  return true;
}

void Kiosk::Submit(AppState& app) {
  if (impl_->submitting.exchange(true)) return;
  store::ComplaintDraft d;
  const Draft& dr = app.draft;
  d.fields.category = dr.category;
  d.fields.ward_code = impl_->ward_code;
  d.fields.landmark = dr.landmark.text;
  d.fields.description = dr.description.text;
  d.fields.phone = dr.phone.text;
  d.fields.lang = std::string(text::LangCode(app.lang));
  for (const DraftPhoto& p : dr.photos) d.photos.push_back({p.jpeg, p.width, p.height, p.thumb, p.sha256});
  impl_->tasks.Run([this, d = std::move(d)]() -> Tasks::Continuation {
    const store::SubmitResult r = impl_->store.Submit(d);
    std::string print_error;
    if (r.status == store::SubmitStatus::Ok && !impl_->config.printer.empty() &&
        !WriteAll(impl_->config.printer,
                  EscPosReceipt(r.ticket_display, r.ticket_canonical, impl_->ward_code, r.created_at),
                  &print_error))
      std::fprintf(stderr, "samvad: %s (the receipt is on screen)\n", print_error.c_str());
    return [this, r](AppState& a) {
      impl_->submitting = false;
      if (r.status == store::SubmitStatus::Ok) {
        if (impl_->sync) impl_->sync->RequestSync();  // on its way at once when the link is up
        a.receipt.ticket = r.ticket_display;
        a.receipt.qr = r.ticket_canonical;
        a.draft.Wipe();
        a.Go(ScreenId::Receipt);
        return;
      }
      std::fprintf(stderr, "samvad: complaint not saved (%s): %s\n", store::SubmitStatusName(r.status), r.detail.c_str());
      a.message_key = r.status == store::SubmitStatus::DiskFull ? "review.err.disk" : "review.err.store";
    };
  });
}

bool Kiosk::submitting() const { return impl_->submitting; }

void Kiosk::LookUp(AppState& app) {
  StatusState& st = app.status;
  st.found = false;
  model::Ticket t;
  if (model::ParseTicket(st.ticket.text, &t) != model::TicketError::None) {
    st.result_key = "status.invalid";
    return;
  }
  const std::string last4 = st.last4.text, asked = st.ticket.text;
  impl_->tasks.Run([this, t, last4, asked]() -> Tasks::Continuation {
    const store::LookupResult r = impl_->store.Lookup(t, last4);
    return [r, last4, asked](AppState& a) {
      StatusState& s = a.status;
      // The citizen left (Back, or the session ended) or changed the question meanwhile: the
      // answer is not shown to whoever is there now.
      if (s.ticket.text != asked || s.last4.text != last4) return;
      s.found = false;
      switch (r.status) {
        case store::LookupStatus::Found: {
          s.found = true;
          s.result_key.clear();
          s.result.state = std::string(model::StatusCode(r.current));
          s.result.history.clear();
          for (const store::StatusEvent& e : r.history)
            s.result.history.emplace_back(LocalTime(e.at), std::string(model::StatusCode(e.status)));
          s.result.synced = r.last_sync_at ? LocalTime(*r.last_sync_at) : "";
          break;
        }
        case store::LookupStatus::NotFound:
          s.result_key = "status.not_found";
          // Filed at another kiosk of the office, perhaps: central knows every ticket.
          if (!a.kiosk || !a.kiosk->AskCentral(a)) break;
          s.asking = true;
          s.result_key = "status.asking";
          break;
        case store::LookupStatus::NeedPhoneDigits:
          s.result_key = "status.need_last4";
          s.editing_last4 = true;
          break;
        case store::LookupStatus::WrongPhoneDigits: s.result_key = "status.wrong_last4"; break;
        case store::LookupStatus::StorageError:
          std::fprintf(stderr, "samvad: lookup failed: %s\n", r.detail.c_str());
          s.result_key = "status.error";
          break;
      }
    };
  });
}

bool Kiosk::AskCentral(AppState& app) {
  if (impl_->central_url.empty()) return false;
  const std::string asked = app.status.ticket.text, last4 = app.status.last4.text;
  impl_->tasks.Run([this, asked, last4]() -> Tasks::Continuation {
    const sync::RemoteTicket r = sync::LookUpTicket(impl_->central_url, asked, impl_->transport);
    if (r.result == sync::RemoteTicket::Result::Unreachable || r.result == sync::RemoteTicket::Result::Refused)
      std::fprintf(stderr, "samvad: asking central about a ticket: %s\n", r.cause.c_str());  // never the ticket
    return [r, asked, last4](AppState& a) {
      StatusState& s = a.status;
      if (s.ticket.text != asked || s.last4.text != last4 || !s.asking) return;  // the citizen moved on
      s.asking = false;
      switch (r.result) {
        case sync::RemoteTicket::Result::Found:
          s.found = true;
          s.result_key.clear();
          s.result = StatusResult{};
          s.result.state = std::string(model::StatusCode(r.status));
          for (const sync::RemoteEvent& e : r.history)
            s.result.history.emplace_back(LocalTime(e.at), std::string(model::StatusCode(e.status)));
          s.result.from_central = true;
          break;
        case sync::RemoteTicket::Result::NotFound: s.result_key = "status.not_found_anywhere"; break;
        default: s.result_key = "status.not_here_offline"; break;
      }
    };
  });
  return true;
}

std::vector<ImportCandidate> Kiosk::ListImports() const {
  std::vector<ImportCandidate> out;
  if (impl_->config.import_dir.empty()) return out;
  const capture::ImportListing l = capture::ListImportablePhotos(impl_->config.import_dir);
  for (const capture::ImportCandidate& c : l.files) out.push_back({c.path.string(), c.display_name});
  return out;
}

bool Kiosk::has_import_folder() const { return !impl_->config.import_dir.empty(); }

void Kiosk::AddPhoto(AppState& app, const std::string& path) {
  (void)app;
  impl_->photo_sources[impl_->photos.SubmitFile(path)] = path;
}

bool Kiosk::processing_photo() const {
  return impl_->photos.Status().busy() || impl_->viewfinder.shooting() ||
         impl_->viewfinder.state() == capture::CameraViewfinder::State::Starting;
}

void Kiosk::FindCamera() {
  const std::string& conf = impl_->config.camera;
  if (conf != "auto") {  // "off", or a path the staff chose: shown as configured
    impl_->camera = conf == "off" ? "" : conf;
    return;
  }
  if (impl_->finding_camera) return;
  // Opening a V4L2 node may wake a USB camera (tens of ms): on the worker, never in a frame.
  impl_->finding_camera = true;
  impl_->tasks.Run([this]() -> Tasks::Continuation {
    const std::vector<platform::CameraInfo> cams = platform::ListCameras();
    std::string found = cams.empty() ? "" : cams.front().path;
    return [this, found](AppState&) {
      impl_->camera = found;
      impl_->finding_camera = false;
    };
  });
}

bool Kiosk::has_camera() const { return !impl_->camera.empty(); }

void Kiosk::OpenCamera() {
  if (impl_->camera.empty()) return;
  CloseCamera();
  impl_->viewfinder.Start(impl_->camera);
  impl_->camera_opened_at = std::chrono::steady_clock::now();
}

void Kiosk::CloseCamera() {
  impl_->viewfinder.Stop();
  capture::WipeBytes(impl_->preview.rgba);  // a picture of whoever stood at the kiosk
  impl_->preview = {};
  DeleteTexture(impl_->preview_tex);  // the next opening shows no stale picture
}

bool Kiosk::camera_open() const {
  const auto st = impl_->viewfinder.state();
  return st == capture::CameraViewfinder::State::Starting || st == capture::CameraViewfinder::State::Live;
}

bool Kiosk::camera_live() const { return impl_->viewfinder.state() == capture::CameraViewfinder::State::Live; }

unsigned int Kiosk::camera_preview(int* w, int* h) const {
  *w = impl_->preview.width;
  *h = impl_->preview.height;
  return impl_->preview_tex;
}

void Kiosk::Shoot() { impl_->viewfinder.Shoot(); }

bool Kiosk::taking_photo() const { return impl_->viewfinder.shooting(); }

constexpr std::chrono::seconds kCameraOpenMax{120};
// How far past the tablet's clock a photo's time may be and still be believed (a camera a few
// minutes fast); beyond it the camera's clock is wrong and the photo is kept without a time.
constexpr std::int64_t kPhotoClockSlack = 600;

// The viewfinder's news, once a frame on the UI thread: a failure closes it with a message in
// the person's language; a shot goes to the photo worker like a file (and closes it, so the new
// photo shows among the others); a newer preview replaces the texture. A viewfinder left open by
// a screen that is no longer shown is closed.
void Kiosk::PollCamera(AppState& app) {
  capture::CameraViewfinder& vf = impl_->viewfinder;
  const bool work = app.screen == ScreenId::WorkLog || app.screen == ScreenId::DevWork;
  if (vf.state() == capture::CameraViewfinder::State::Off) return;
  // Left open (a tablet put away with the camera on: the idle lock waits 10 minutes), it stops
  // streaming after kCameraOpenMax.
  if ((!work && app.screen != ScreenId::Photos) || std::chrono::steady_clock::now() - impl_->camera_opened_at > kCameraOpenMax) {
    CloseCamera();
    return;
  }
  if (vf.state() == capture::CameraViewfinder::State::Failed) {
    std::fprintf(stderr, "samvad: camera: %s\n", vf.detail().c_str());
    app.photos.error_key = PhotoErrorKey(vf.error());
    if (work) app.work.result_key = app.photos.error_key;
    CloseCamera();
    return;
  }
  if (platform::CameraFrame shot; vf.TakeShot(&shot)) {
    // No source file: the import list's "already added" never matches it; the same picture
    // twice is still refused by its hash.
    impl_->photos.SubmitFrame(std::move(shot));
    CloseCamera();
    return;
  }
  if (vf.TakePreview(&impl_->preview))
    UploadRgba(&impl_->preview_tex, impl_->preview.rgba.data(), impl_->preview.width, impl_->preview.height);
  app.WakeAt(app.now + 0.1);
}

// Retention (app/store/retention.h) on the worker: a minute after start (not in the way of the
// first citizen), then every 6 hours. It logs counts only, never a number.
void Kiosk::RunRetentionWhenDue(AppState& app) {
  if (impl_->retention_running) return;
  if (impl_->next_retention_at == 0) impl_->next_retention_at = app.now + 60;
  if (app.now < impl_->next_retention_at) {
    app.WakeAt(impl_->next_retention_at);
    return;
  }
  impl_->retention_running = true;
  impl_->next_retention_at = app.now + 6 * 3600;
  const int days = app.config.retention_days;
  impl_->tasks.Run([this, days]() -> Tasks::Continuation {
    const store::RetentionResult r = store::ApplyRetention(impl_->store, days, static_cast<std::int64_t>(std::time(nullptr)));
    if (r.status != store::RetentionStatus::Ok)
      std::fprintf(stderr, "samvad: retention: %s: %s\n", store::RetentionStatusName(r.status), r.detail.c_str());
    else if (r.complaints_purged > 0)
      std::fprintf(stderr, "samvad: retention: %d complaint(s) past %d days: phone and %d photo file(s) removed\n",
                   r.complaints_purged, days, r.files_deleted);
    // The tablet's work photos likewise, once central has had them as long (field_store.h F5).
    const store::FieldRetentionResult f = impl_->field->ApplyRetention(days, static_cast<std::int64_t>(std::time(nullptr)));
    if (!f.ok)
      std::fprintf(stderr, "samvad: retention of work photos: %s\n", f.detail.c_str());
    else if (f.photos_released > 0)
      std::fprintf(stderr, "samvad: retention: %d work photo(s) past %d days released, %d file(s) removed\n",
                   f.photos_released, days, f.files_deleted);
    return [this](AppState&) { impl_->retention_running = false; };
  });
}

//-----------------------------------------------------------------------------------------------
// [SECTION] Staff: sign-in and the sync screen
//-----------------------------------------------------------------------------------------------

void Kiosk::SignIn(AppState& app) {
  StaffSignInState& si = app.signin;
  if (si.checking) return;
  std::string user = si.user.text, pin = si.pin.text;  // not const: the job wipes its copy
  text::EditClear(si.pin);  // the PIN lives on only in this job
  si.editing_pin = false;
  si.checking = true;
  si.result_key.clear();
  impl_->tasks.Run([this, user, pin]() mutable -> Tasks::Continuation {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const store::SignInResult r = impl_->staff->SignIn(user, pin, now);
    for (char& c : pin) c = 0;
    // An engineer who signed in here gets their assigned list at this and every later sync.
    if (r.status == store::SignInStatus::Ok && impl_->config.tablet) {
      impl_->field->RememberUser(r.account.user_id, now);
      if (impl_->sync) impl_->sync->RequestSync();
    }
    return [r](AppState& a) {
      StaffSignInState& s = a.signin;
      s.checking = false;
      s.retry_after_s = static_cast<int>(r.retry_after_s);
      switch (r.status) {
        case store::SignInStatus::Ok:
          a.staff = StaffSession{};
          a.staff.signed_in = true;
          a.staff.user_id = r.account.user_id;
          a.staff.name = r.account.display_name;
          a.staff.role = std::string(store::StaffRoleCode(r.account.role));
          a.staff.ward = r.account.ward_code;
          text::EditClear(s.user);
          a.Go(ScreenId::StaffHome);
          return;
        // An unknown id and a wrong PIN read alike, so the screen does not say which ids exist.
        case store::SignInStatus::WrongPin:
          s.result_key = r.retry_after_s > 0 ? "staff.err.locked" : "staff.err.wrong";
          break;
        case store::SignInStatus::UnknownUser: s.result_key = "staff.err.wrong"; break;
        case store::SignInStatus::LockedOut: s.result_key = "staff.err.locked"; break;
        case store::SignInStatus::Inactive: s.result_key = "staff.err.inactive"; break;
        case store::SignInStatus::BadPinFormat: s.result_key = "staff.err.pin_format"; break;
        case store::SignInStatus::StorageError:
          std::fprintf(stderr, "samvad: staff sign-in could not be recorded: %s\n", r.detail.c_str());
          s.result_key = "staff.err.storage";
          break;
      }
    };
  });
  for (char& c : pin) c = 0;  // the job holds its own copy
}

bool Kiosk::sync_configured() const { return impl_->sync != nullptr; }

sync::SyncSnapshot Kiosk::SyncSnapshot() const { return impl_->sync ? impl_->sync->Snapshot() : sync::SyncSnapshot{}; }

void Kiosk::SyncNow() {
  if (impl_->sync) impl_->sync->RequestSync();
}

void Kiosk::RefreshSyncScreen(AppState& app) {
  if (app.sync.loading) return;
  app.sync.loading = true;
  impl_->tasks.Run([this]() -> Tasks::Continuation {
    std::vector<store::OutboxRow> rows;
    store::OutboxSummary sum;
    const bool ok = impl_->store.outbox().List(200, &rows) == model::OutboxResult::Ok &&
                    impl_->store.outbox().Summarize(&sum) == model::OutboxResult::Ok;
    const store::StorageHealth h = store::MeasureStorage(impl_->data_dir);
    store::FieldCounts fc;
    impl_->field->Counts(&fc);
    return [ok, rows = std::move(rows), sum, h, fc](AppState& a) {
      SyncScreenState& st = a.sync;
      st.loading = false;
      st.loaded_at = a.now;
      st.error_key = ok ? "" : "sync.err.storage";
      st.rows.clear();
      for (const store::OutboxRow& r : rows) {
        model::Ticket t;
        SyncRowView v;
        v.ticket = model::ParseTicket(r.ticket, &t) == model::TicketError::None ? model::DisplayTicket(t) : r.ticket;
        v.state = std::string(model::OutboxStateCode(r.state));
        v.cause = r.last_error;
        v.central_id = r.central_id;
        v.next_attempt_at = r.next_attempt_at;
        v.sent_at = r.sent_at;
        v.created_at = r.created_at;
        st.rows.push_back(std::move(v));
      }
      st.pending = sum.pending + sum.sending;
      st.failed = sum.failed;
      st.sent = sum.sent;
      st.oldest_unsent_at = sum.oldest_unsent_at;
      st.work_pending = fc.pending;
      st.work_failed = fc.failed;
      st.free_bytes = h.free_bytes;
      st.db_bytes = h.db_bytes;
      st.photos_bytes = h.photos_bytes;
      st.photo_files = h.photo_files;
    };
  });
}

void Kiosk::ExportReconciliation(AppState& app) {
  SyncScreenState& st = app.sync;
  if (st.exporting) return;
  st.exporting = true;
  st.export_key.clear();
  const std::string dir = app.config.export_dir.empty() ? impl_->data_dir + "/exports" : app.config.export_dir;
  const text::Lang lang = app.lang;
  // Fonts and catalog outlive the worker's job (TextServices lives as long as the program), and
  // app/report reads them only (typeset.h says why that is safe beside the UI thread).
  const text::FontSet* fonts = &app.text->fonts;
  const text::Catalog* catalog = &app.text->catalog;
  impl_->tasks.Run([this, dir, lang, fonts, catalog]() -> Tasks::Continuation {
    std::string error;
    std::vector<std::string> pages;
    report::Reconciliation rec;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    bool ok = report::LoadReconciliation(impl_->store, static_cast<std::int64_t>(std::time(nullptr)), &rec, &error);
    const std::string stem = dir + "/" + report::FileStem(rec);
    ok = ok && report::WriteReconciliationCsv(rec, stem + ".csv", &error) &&
         report::RenderReconciliationPng(rec, lang, *fonts, *catalog, stem + ".png", &pages, &error);
    if (!ok) std::fprintf(stderr, "samvad: reconciliation export to %s failed: %s\n", dir.c_str(), error.c_str());
    return [ok, error, stem, n = pages.size()](AppState& a) {
      a.sync.exporting = false;
      a.sync.export_key = ok ? "sync.export.done" : "sync.export.failed";
      a.sync.export_detail = ok ? stem + ".csv, " + std::to_string(n) + " PNG" : error;
    };
  });
}

void Kiosk::ExportBundle(AppState& app) {
  SyncScreenState& st = app.sync;
  if (st.exporting) return;
  st.exporting = true;
  st.export_key.clear();
  const std::string dir = app.config.export_dir.empty() ? impl_->data_dir + "/exports" : app.config.export_dir;
  impl_->tasks.Run([this, dir]() -> Tasks::Continuation {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    sync::ExportConfig cfg;
    cfg.data_dir = impl_->data_dir;
    cfg.photos_dir = impl_->store.photos_dir();
    cfg.out_dir = dir;
    // Failed entries too: the outbox interface lists only pending ones (export.h).
    cfg.list_unsent = [this](std::vector<model::OutboxEntry>* out) {
      std::vector<store::OutboxRow> rows;
      if (const auto r = impl_->store.outbox().List(0, &rows); r != model::OutboxResult::Ok) return r;
      for (const store::OutboxRow& row : rows) {
        model::Ticket t;
        if (row.state == model::OutboxState::Sent || model::ParseTicket(row.ticket, &t) != model::TicketError::None) continue;
        model::OutboxEntry e;
        if (const auto r = impl_->store.outbox().Get(t, &e); r != model::OutboxResult::Ok) return r;
        out->push_back(std::move(e));
      }
      return model::OutboxResult::Ok;
    };
    const sync::ExportResult r = sync::ExportUnsent(impl_->store.outbox(), cfg);
    const bool nothing = r.error == sync::ExportError::kNothingToExport;  // good news, not a failure
    if (!r.ok() && !nothing) std::fprintf(stderr, "samvad: bundle export: %s\n", r.message.c_str());
    const std::string key = r.ok() ? "sync.export.done" : nothing ? "sync.export.nothing" : "sync.export.failed";
    const std::string detail = r.ok() ? r.path + " (" + std::to_string(r.complaints) + ", " + std::to_string(r.photos) + ")"
                               : nothing ? "" : r.message;
    return [key, detail](AppState& a) {
      a.sync.exporting = false;
      a.sync.export_key = key;
      a.sync.export_detail = detail;
    };
  });
}

void Kiosk::LoadLocked(AppState& app) {
  app.staff.locked_loaded_at = app.now;
  if (app.staff.role != "nodal_officer") return;
  const std::string ward = app.staff.ward, officer = app.staff.user_id;
  impl_->tasks.Run([this, ward, officer]() -> Tasks::Continuation {
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<store::LockedAccount> locked;
    if (!impl_->staff->LockedAccounts(ward, now, &locked))
      std::fprintf(stderr, "samvad: cannot list locked staff accounts\n");
    std::vector<StaffSession::Locked> view;
    for (const store::LockedAccount& l : locked) view.push_back({l.account.user_id, l.account.display_name, now + l.retry_after_s});
    return [officer, view = std::move(view)](AppState& a) mutable {
      if (a.staff.signed_in && a.staff.user_id == officer) a.staff.locked = std::move(view);  // still the same session
    };
  });
}

void Kiosk::Unlock(AppState& app, const std::string& user_id, const std::string& name) {
  StaffSession& s = app.staff;
  if (s.unlocking) return;
  s.unlocking = true;
  s.unlock_key.clear();
  const std::string officer = s.user_id;
  impl_->tasks.Run([this, user_id, name, officer]() -> Tasks::Continuation {
    const store::UnlockStatus st = impl_->staff->Unlock(user_id, officer);
    // The device's log says who unlocked whom (no PIN, no hash).
    std::fprintf(stderr, "samvad: unlock of %s by %s: %s\n", user_id.c_str(), officer.c_str(),
                 st == store::UnlockStatus::Ok ? "done" : st == store::UnlockStatus::NotLocked ? "was not locked"
                 : st == store::UnlockStatus::NotAllowed ? "refused (not a nodal officer of that ward)"
                 : st == store::UnlockStatus::UnknownUser ? "no such account" : "storage error");
    return [this, officer, name, st](AppState& a) {
      if (!a.staff.signed_in || a.staff.user_id != officer) return;
      a.staff.unlocking = false;
      a.staff.unlock_name = name;
      a.staff.unlock_key = st == store::UnlockStatus::Ok || st == store::UnlockStatus::NotLocked ? "staff.unlocked"
                                                                                               : "staff.unlock.failed";
      LoadLocked(a);
    };
  });
}

void Kiosk::LoadReport(AppState& app) {
  if (app.report.loading) return;
  app.report.loading = true;
  // SLA hours by category, copied for the worker (the catalog belongs to the UI thread).
  std::map<std::string, int> sla;
  for (const Category& c : app.catalog.categories) sla[c.code] = c.sla_hours;
  impl_->tasks.Run([this, sla = std::move(sla)]() -> Tasks::Continuation {
    std::vector<store::OutboxRow> rows;
    const bool ok = impl_->store.outbox().List(0, &rows) == model::OutboxResult::Ok;
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    ReportState r;
    std::map<std::string, int> cats, states;
    for (const store::OutboxRow& row : rows) {
      ++r.total;
      ++cats[row.category];
      ++states[row.status];
      if (row.created_at > now - 86400) ++r.filed_last_day;
      if (row.status == "resolved" || row.status == "rejected") continue;
      const auto it = sla.find(row.category);
      const std::int64_t limit = (it != sla.end() && it->second > 0 ? it->second : 48) * std::int64_t{3600};
      const std::int64_t age = now - row.created_at;
      if (age > limit) ++r.overdue;
      else if (age * 2 > limit) ++r.past_half_sla;
      else ++r.within_sla;
    }
    r.by_category.assign(cats.begin(), cats.end());
    std::stable_sort(r.by_category.begin(), r.by_category.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const char* s : {"filed", "received", "in_progress", "resolved", "rejected"})
      r.by_status.emplace_back(s, states.count(s) ? states[s] : 0);
    r.loaded = true;
    r.error_key = ok ? "" : "sync.err.storage";
    return [r = std::move(r)](AppState& a) { a.report = r; };
  });
}

//-----------------------------------------------------------------------------------------------
// [SECTION] Field work (a tablet): the assigned list, one complaint, the work log
//-----------------------------------------------------------------------------------------------

namespace {

WorkItemView ToView(const store::AssignedView& v) {
  WorkItemView w;
  w.central_id = v.request.central_id;
  w.ticket = v.request.ticket;
  w.category = v.request.service_code;
  w.address = v.request.address;
  w.description = v.request.description;
  w.lang = v.request.lang;
  w.status = v.shown_status;
  w.requested_at = v.request.requested_at;
  w.expected_at = v.request.expected_at;
  w.overdue = v.overdue;
  w.conflict = v.conflict;
  w.pending = v.pending_updates;
  w.failed = v.failed_updates;
  w.before = v.before_photos;
  w.after = v.after_photos;
  w.citizen_photos = v.request.photo_count;
  return w;
}

// The citizen's photo (a small JPEG central sent) decoded for the GPU; 0 when there is none.
std::vector<std::uint8_t> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> out;
  if (in) out.assign(std::istreambuf_iterator<char>(in), {});
  if (out.size() > (2u << 20)) out.clear();
  return out;
}

// Great-circle distance (haversine, mean Earth radius): how far from the complaint the work was
// recorded — a few metres is the spot, a kilometre is a question for the nodal officer.
double DistanceMetres(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = 3.14159265358979323846 / 180, kEarth = 6371008.8;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarth * std::asin(std::min(1.0, std::sqrt(a)));
}

// Where the work was done, when the tablet knows: gpsd with a fix within 1.5 s ("off": never).
void Locate(const std::string& gpsd, std::optional<double>* lat, std::optional<double>* lon) {
  if (gpsd == "off") return;
  if (const auto fix = platform::ReadGpsdFix(gpsd.empty() ? "127.0.0.1:2947" : gpsd, 1500)) {
    *lat = fix->lat;
    *lon = fix->lon;
  }
}

// What a save of field work says on screen; true when it was saved (the draft is then wiped).
bool ShowRecordResult(WorkScreenState& ws, const store::RecordResult& r, bool located) {
  ws.saving = false;
  switch (r.status) {
    case store::RecordStatus::Ok:
      ws.Wipe();  // saved: its photos leave memory
      ws.result_key = r.clock_suspect ? "work.saved_clock" : located ? "work.saved" : "work.saved_no_gps";
      return true;
    case store::RecordStatus::Invalid: ws.result_key = r.issue; break;
    case store::RecordStatus::UnknownRequest: ws.result_key = "work.err.unknown"; break;
    case store::RecordStatus::DiskFull: ws.result_key = "review.err.disk"; break;
    case store::RecordStatus::StorageError: ws.result_key = "review.err.store"; break;
  }
  return false;
}

void LogRecordFailure(const char* what, const store::RecordResult& r) {
  if (r.status != store::RecordStatus::Ok && r.status != store::RecordStatus::Invalid)
    std::fprintf(stderr, "samvad: %s not saved (%s): %s\n", what, store::RecordStatusName(r.status), r.detail.c_str());
}

}  // namespace

void Kiosk::LoadWork(AppState& app) {
  WorkScreenState& w = app.work;
  if (w.loading || !app.staff.signed_in) return;
  w.loading = true;
  const std::string user = app.staff.user_id;
  impl_->tasks.Run([this, user]() -> Tasks::Continuation {
    std::vector<store::AssignedView> list;
    const bool ok = impl_->field->ListAssigned(user, static_cast<std::int64_t>(std::time(nullptr)), &list);
    std::vector<WorkItemView> items;
    for (const store::AssignedView& v : list) items.push_back(ToView(v));
    return [ok, items = std::move(items)](AppState& a) {
      a.work.loading = false;
      a.work.loaded = true;
      a.work.error_key = ok ? "" : "sync.err.storage";
      a.work.items = items;
    };
  });
}

void Kiosk::OpenWork(AppState& app, const std::string& central_id) {
  app.work.error_key.clear();
  // The detail reloads every few seconds; the citizen's photo is read and uploaded to the GPU once.
  const bool need_thumb = app.work.thumb == 0 || app.work.thumb_for != central_id;
  impl_->tasks.Run([this, central_id, need_thumb]() -> Tasks::Continuation {
    store::AssignedDetail d;
    const bool ok = impl_->field->GetAssigned(central_id, static_cast<std::int64_t>(std::time(nullptr)), &d);
    std::vector<WorkHistoryLine> lines;
    for (const store::UpdateView& u : d.history) {
      WorkHistoryLine l;
      l.at = u.update.recorded_at;
      l.status = u.update.status;
      l.note = u.update.note;
      l.state = u.state;
      l.outcome = u.outcome;
      l.cause = u.update.last_error;
      l.conflict = u.conflict;
      l.clock_suspect = u.clock_suspect;
      l.located = u.update.lat.has_value();
      if (l.located && d.view.request.lat && d.view.request.lon)
        l.distance_m = DistanceMetres(*u.update.lat, *u.update.lon, *d.view.request.lat, *d.view.request.lon);
      l.photos = static_cast<int>(u.update.photos.size());
      for (const model::WorkPhoto& p : u.update.photos)
        if (p.taken_at > 0) l.photo_times.emplace_back(p.kind, p.taken_at);
      lines.push_back(std::move(l));
    }
    std::vector<WorkHistoryLine> office;  // central's feed: the office, other devices
    // The feed is kept from the moment a complaint is assigned here; its filing comes first.
    if (d.central_history.empty() || d.central_history.front().status != "open") {
      WorkHistoryLine filed;
      filed.at = d.view.request.requested_at;
      filed.status = "open";
      filed.state = "office";
      office.push_back(std::move(filed));
    }
    for (const model::CentralUpdate& c : d.central_history) {
      WorkHistoryLine l;
      l.at = c.at;
      l.status = c.status;
      l.note = c.note;
      l.state = "office";
      l.conflict = c.conflict;
      office.push_back(std::move(l));
    }
    std::vector<std::uint8_t> thumb =
        !need_thumb || d.thumb_path.empty() ? std::vector<std::uint8_t>{} : ReadSmallFile(d.thumb_path);
    return [ok, view = ToView(d.view), lines = std::move(lines), office = std::move(office),
            thumb = std::move(thumb)](AppState& a) {
      WorkScreenState& w = a.work;
      if (!ok) {
        w.error_key = "sync.err.storage";
        return;
      }
      w.current = view;
      w.history = lines;
      w.office = office;
      if (!thumb.empty()) {
        DeleteTexture(w.thumb);
        w.thumb = ThumbTexture(thumb, &w.thumb_w, &w.thumb_h);
        w.thumb_for = w.thumb ? w.current.central_id : std::string();
      }
    };
  });
}

// Field work is saved on the worker: the place from gpsd, the record (photos fsync'd, one
// transaction), then a sync; `on_saved` runs on the UI thread once it is on disk.
template <class Draft, class Record>
void Kiosk::SaveFieldWork(Draft d, const std::string& gpsd, const char* what, Record record,
                          std::function<void(AppState&)> on_saved) {
  impl_->tasks.Run([this, d = std::move(d), gpsd, what, record, on_saved]() mutable -> Tasks::Continuation {
    Locate(gpsd, &d.lat, &d.lon);
    const store::RecordResult r = record(*impl_->field, d, static_cast<std::int64_t>(std::time(nullptr)));
    if (r.status == store::RecordStatus::Ok && impl_->sync) impl_->sync->RequestSync();
    LogRecordFailure(what, r);
    return [r, located = d.lat.has_value(), on_saved](AppState& a) {
      if (ShowRecordResult(a.work, r, located)) on_saved(a);
    };
  });
}

void Kiosk::SaveWork(AppState& app) {
  WorkScreenState& w = app.work;
  if (w.saving || !app.staff.signed_in) return;
  w.saving = true;
  w.result_key.clear();
  store::WorkDraft d;
  d.central_id = w.current.central_id;
  d.user_id = app.staff.user_id;
  d.status = w.status;
  d.note = w.note.text;
  d.department = w.status == "transferred" ? w.department : "";
  for (const WorkPhoto& p : w.photos) d.photos.push_back({p.kind, p.jpeg, p.sha256, p.taken_at});
  const std::string id = d.central_id;
  SaveFieldWork(
      std::move(d), app.config.gpsd, "work update",
      [](store::FieldStore& f, const store::WorkDraft& wd, std::int64_t now) { return f.RecordUpdate(wd, now); },
      [this, id](AppState& a) {
        OpenWork(a, id);
        a.Go(ScreenId::WorkDetail);
        a.message_key = a.work.result_key;
      });
}

void Kiosk::LoadDevWorks(AppState& app) {
  app.work.dev_loaded_at = app.now;
  impl_->tasks.Run([this]() -> Tasks::Continuation {
    std::vector<store::DevWorkRow> rows;
    impl_->field->ListWorks(5, &rows);
    std::vector<WorkScreenState::DevRow> out;
    for (const store::DevWorkRow& r : rows) out.push_back({r.title, r.state, r.last_error, r.created_at, r.photos});
    return [out = std::move(out)](AppState& a) { a.work.dev_rows = out; };
  });
}

void Kiosk::SaveDevWork(AppState& app) {
  WorkScreenState& w = app.work;
  if (w.saving || !app.staff.signed_in) return;
  w.saving = true;
  w.result_key.clear();
  store::DevWorkDraft d;
  d.user_id = app.staff.user_id;
  d.title = w.dev_title.text;
  d.description = w.dev_description.text;
  d.lang = std::string(text::LangCode(app.lang));
  d.ward = app.config.ward_number;
  for (const WorkPhoto& p : w.photos) d.photos.push_back({p.kind, p.jpeg, p.sha256, p.taken_at});
  SaveFieldWork(
      std::move(d), app.config.gpsd, "development work",
      [](store::FieldStore& f, const store::DevWorkDraft& wd, std::int64_t now) { return f.RecordWork(wd, now); },
      [this](AppState& a) { LoadDevWorks(a); });
}

void Kiosk::Retry(const std::string& ticket_display) {
  model::Ticket t;
  if (model::ParseTicket(ticket_display, &t) != model::TicketError::None) return;
  impl_->tasks.Run([this, t]() -> Tasks::Continuation {
    model::OutboxEntry e;
    if (impl_->store.outbox().Get(t, &e) == model::OutboxResult::Ok && e.state == model::OutboxState::Failed)
      impl_->store.outbox().Requeue(t, static_cast<std::int64_t>(std::time(nullptr)));
    if (impl_->sync) impl_->sync->RequestSync();
    return [this](AppState& a) { RefreshSyncScreen(a); };
  });
}

void Kiosk::Poll(AppState& app) {
  impl_->tasks.Drain(app);
  RunRetentionWhenDue(app);
  PollCamera(app);
  for (capture::FinishedPhoto& f : impl_->photos.TakeResults()) {
    capture::PhotoResult& r = f.result;
    std::string source;
    if (auto it = impl_->photo_sources.find(f.id); it != impl_->photo_sources.end()) {
      source = std::move(it->second);
      impl_->photo_sources.erase(it);
    }
    const bool work = app.screen == ScreenId::WorkLog || app.screen == ScreenId::DevWork;
    if (r.ok()) {
      // The same picture twice (tapped twice, or copied under two names) would fill a slot and
      // tell the officer nothing more: refused, in the person's language.
      const std::string hex = capture::ToHex(r.sha256);
      const bool again = work ? std::any_of(app.work.photos.begin(), app.work.photos.end(),
                                            [&](const WorkPhoto& p) { return p.sha256 == hex; })
                              : std::any_of(app.draft.photos.begin(), app.draft.photos.end(),
                                            [&](const DraftPhoto& p) { return p.sha256 == hex; });
      if (again) {
        capture::WipeBytes(r.jpeg);
        capture::WipeBytes(r.thumb);
        app.photos.error_key = "photos.err.duplicate";
        if (work) app.work.result_key = "photos.err.duplicate";
        continue;
      }
    }
    if (!r.ok()) {
      std::fprintf(stderr, "samvad: photo refused (%s): %s\n", capture::PhotoErrorName(r.error), r.detail.c_str());
      app.photos.error_key = PhotoErrorKey(r.error);
      if (app.screen == ScreenId::WorkLog || app.screen == ScreenId::DevWork) app.work.result_key = PhotoErrorKey(r.error);
      continue;
    }
    if (work) {  // the engineer's before/after photo
      WorkScreenState& w = app.work;
      if (w.adding.empty() || w.photos.size() >= 6) continue;
      WorkPhoto p;
      p.kind = w.adding;
      p.jpeg = std::move(r.jpeg);
      p.sha256 = capture::ToHex(r.sha256);
      // When it was taken is the record of the work (a citizen's photo never keeps it). A time
      // past the tablet's own clock is a camera whose clock is wrong: kept without a time.
      const auto now = static_cast<std::int64_t>(std::time(nullptr));
      p.taken_at = r.taken_at > 0 && r.taken_at <= now + kPhotoClockSlack ? r.taken_at : 0;
      p.texture = ThumbTexture(r.thumb, &p.tex_w, &p.tex_h);
      p.source = std::move(source);
      w.photos.push_back(std::move(p));
      w.adding.clear();
      continue;
    }
    if (app.draft.photos.size() >= Draft::kMaxPhotos) continue;  // a late result past the limit
    DraftPhoto p;
    p.jpeg = std::move(r.jpeg);
    p.thumb = std::move(r.thumb);
    p.width = r.width;
    p.height = r.height;
    p.sha256 = capture::ToHex(r.sha256);
    p.texture = ThumbTexture(p.thumb, &p.tex_w, &p.tex_h);
    p.source = std::move(source);
    app.draft.photos.push_back(std::move(p));
  }
  if (processing_photo() || impl_->tasks.busy()) app.WakeAt(app.now + 0.1);  // progress redraws
}

void Kiosk::WipeSession() {
  CloseCamera();           // first: a shot it still holds is wiped, not handed to the worker
  impl_->photos.Forget();  // a photo still being processed never reaches the next citizen's draft
  impl_->photo_sources.clear();
  impl_->tasks.Run([this]() -> Tasks::Continuation {
    impl_->store.WipeSessionTemp();
    return {};
  });
}

}  // namespace samvad::ui
