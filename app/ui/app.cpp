// app.cpp — loading the text services, the session (draft wipe, idle reset), and the flat
// router that draws one screen per frame inside a full-window ImGui window.
#include "app/ui/app.h"

#include <GL/gl.h>

#include <cmath>

#include "app/capture/photo.h"
#include "app/ui/widgets/widgets.h"
#include "sync/client/cause_topic.h"

namespace samvad::ui {

bool TextServices::Load(std::string* error) {
  if (!fonts.Load(text::DefaultFontConfig(), error)) return false;
  if (!catalog.LoadDir(text::DefaultCatalogDir(), error)) return false;
  shaper = std::make_unique<text::Shaper>(fonts);
  renderer = std::make_unique<TextRenderer>(*shaper, breaks, atlas);
  return true;
}

std::string AppState::Cause(std::string_view cause) const {
  const std::string_view topic = sync::CauseTopic(cause);
  if (topic.empty() || lang == text::Lang::En) return std::string(cause);
  return T("sync.topic." + std::string(topic)) + " — " + std::string(cause);
}

const char* ScreenName(ScreenId id) {
  switch (id) {
    case ScreenId::Language: return "language";
    case ScreenId::Home: return "home";
    case ScreenId::Category: return "category";
    case ScreenId::Where: return "where";
    case ScreenId::Describe: return "describe";
    case ScreenId::Photos: return "photos";
    case ScreenId::Contact: return "contact";
    case ScreenId::Review: return "review";
    case ScreenId::Receipt: return "receipt";
    case ScreenId::Status: return "status";
    case ScreenId::StaffSignIn: return "staff_signin";
    case ScreenId::StaffHome: return "staff_home";
    case ScreenId::StaffSync: return "staff_sync";
    case ScreenId::StaffReport: return "staff_report";
    case ScreenId::WorkList: return "work_list";
    case ScreenId::WorkDetail: return "work_detail";
    case ScreenId::WorkLog: return "work_log";
    case ScreenId::DevWork: return "dev_work";
  }
  return "?";
}

using capture::WipeBytes;

void DeleteTexture(unsigned int& tex) {
  // A GL context exists whenever a texture was made (tests without a window never make one).
  if (tex) glDeleteTextures(1, &tex);
  tex = 0;
}

bool Draft::Empty() const {
  return landmark.text.empty() && description.text.empty() && phone.text.empty() && photos.empty();
}

void Draft::Wipe() {
  discard_asked = false;
  category.clear();
  text::EditClear(landmark);
  text::EditClear(description);
  text::EditClear(phone);
  kb = KeyboardState{};
  for (DraftPhoto& p : photos) {
    WipeBytes(p.jpeg);
    WipeBytes(p.thumb);
    // The preview texture holds the citizen's photo too.
    DeleteTexture(p.texture);
  }
  photos.clear();
}

void WorkScreenState::Wipe() {
  status.clear();
  department.clear();
  text::EditClear(note);
  text::EditClear(dev_title);
  text::EditClear(dev_description);
  dev_typing = 0;
  kb = KeyboardState{};
  typing = false;
  for (WorkPhoto& p : photos) {
    WipeBytes(p.jpeg);
    DeleteTexture(p.texture);
  }
  photos.clear();
  adding.clear();
  candidates.clear();
}

void AppState::ForgetLookup() {
  text::EditClear(status.ticket);
  text::EditClear(status.last4);
  status.kb = KeyboardState{};
  status.editing_last4 = false;
  status.result_key.clear();
  status.found = status.asking = false;
  status.result = StatusResult{};
}

bool AppState::HoldsCitizenData() const {
  return !draft.Empty() || !status.ticket.text.empty() || !status.last4.text.empty() || status.found;
}

void AppState::DiscardDraft() {
  draft.Wipe();
  photos = PhotosState{};
  message_key.clear();
  if (kiosk) kiosk->WipeSession();  // its temporary files, and any photo still being processed
  screen = ScreenId::Home;
}

void AppState::ResetSession() {
  DiscardDraft();  // the draft, its files and photos in processing, any notice
  ForgetLookup();
  receipt = ReceiptState{};
  staff = StaffSession{};
  text::EditClear(signin.user);
  text::EditClear(signin.pin);  // the PIN's bytes are overwritten by EditClear
  signin = StaffSignInState{};
  sync = SyncScreenState{};
  report = ReportState{};
  work.Wipe();
  DeleteTexture(work.thumb);
  work = WorkScreenState{};
  screen = ScreenId::Language;
}

text::EditState* FieldByName(AppState& app, std::string_view name) {
  if (name == "where.landmark") return &app.draft.landmark;
  if (name == "describe.field") return &app.draft.description;
  if (name == "contact.phone") return &app.draft.phone;
  if (name == "status.ticket") return &app.status.ticket;
  if (name == "status.last4") return &app.status.last4;
  if (name == "staff.user") return &app.signin.user;
  if (name == "staff.pin") return &app.signin.pin;
  if (name == "work.note") return &app.work.note;
  if (name == "devwork.title") return &app.work.dev_title;
  if (name == "devwork.description") return &app.work.dev_description;
  return nullptr;
}

text::EditState* FocusedField(AppState& app) {
  switch (app.screen) {
    case ScreenId::Where: return &app.draft.landmark;
    case ScreenId::Describe: return &app.draft.description;
    case ScreenId::Contact: return &app.draft.phone;
    case ScreenId::Status: return app.status.editing_last4 ? &app.status.last4 : &app.status.ticket;
    case ScreenId::StaffSignIn: return app.signin.editing_pin ? &app.signin.pin : &app.signin.user;
    case ScreenId::WorkLog: return &app.work.note;
    case ScreenId::DevWork: return app.work.dev_typing == 2 ? &app.work.dev_description : &app.work.dev_title;
    default: return nullptr;
  }
}

void DrawFrameContents(AppState& app) {
  switch (app.screen) {
    case ScreenId::Language: LanguageScreen(app); break;
    case ScreenId::Home: HomeScreen(app); break;
    case ScreenId::Category: CategoryScreen(app); break;
    case ScreenId::Where: WhereScreen(app); break;
    case ScreenId::Describe: DescribeScreen(app); break;
    case ScreenId::Photos: PhotosScreen(app); break;
    case ScreenId::Contact: ContactScreen(app); break;
    case ScreenId::Review: ReviewScreen(app); break;
    case ScreenId::Receipt: ReceiptScreen(app); break;
    case ScreenId::Status: StatusScreen(app); break;
    case ScreenId::StaffSignIn: StaffSignInScreen(app); break;
    case ScreenId::StaffHome: StaffHomeScreen(app); break;
    case ScreenId::StaffSync: StaffSyncScreen(app); break;
    case ScreenId::StaffReport: StaffReportScreen(app); break;
    case ScreenId::WorkList: WorkListScreen(app); break;
    case ScreenId::WorkDetail: WorkDetailScreen(app); break;
    case ScreenId::WorkLog: WorkLogScreen(app); break;
    case ScreenId::DevWork: DevWorkScreen(app); break;
  }
}

namespace {

// Whether the idle guard watches this screen: not an empty language chooser (nothing to
// protect, nobody to warn).
bool IdleGuarded(const AppState& app) {
  return app.screen != ScreenId::Language || app.HoldsCitizenData();
}

// After idle_warn_s without a touch, a countdown over the screen; at idle_reset_s the session
// ends and nothing of it stays for the next person. A touch anywhere dismisses the warning, and
// does nothing else (AcceptTouch).
void IdleGuard(AppState& app) {
  if (!IdleGuarded(app)) return;
  const double idle = app.now - app.last_touch;
  if (idle >= app.config.idle_reset_s) {
    app.ResetSession();
    return;
  }
  if (idle < app.config.idle_warn_s) {
    app.WakeAt(app.last_touch + app.config.idle_warn_s);
    return;
  }
  const int left = static_cast<int>(std::ceil(app.config.idle_reset_s - idle));
  app.WakeAt(app.now + 1.0 - std::fmod(idle, 1.0));  // redraw when the number changes
  const Theme& t = app.theme;
  ImDrawList* dl = ImGui::GetForegroundDrawList();
  const ImVec2 ds = ImGui::GetIO().DisplaySize;
  dl->AddRectFilled(ImVec2(0, 0), ds, IM_COL32(0, 0, 0, 140));
  TextRenderer& R = app.R();
  const std::string& q = app.T("idle.question");
  const ImVec2 qs = R.Measure(q, app.lang, t.body_px());
  const std::string& hint = app.T("idle.touch");
  const float hpx = t.body_px() * 0.85f;
  const ImVec2 hs = R.Measure(hint, app.lang, hpx);
  std::string msg = app.T("idle.countdown");
  const size_t at = msg.find("{s}");
  if (at != std::string::npos) msg.replace(at, 3, std::to_string(left));
  // The card fits its longest line with a margin (Marathi's countdown is the widest), up to the
  // screen; a countdown wider than that is drawn smaller rather than past the card's edge.
  float mpx = t.title_px();
  const float inner = std::max({qs.x, hs.x, R.Measure(msg, app.lang, mpx).x});
  const float w = std::min(ds.x - t.pad() * 2, std::max(std::min(ds.x * 0.8f, t.em * 24), inner + t.pad() * 4));
  if (const float mw = R.Measure(msg, app.lang, mpx).x; mw > w - t.pad() * 2) mpx *= (w - t.pad() * 2) / mw;
  const ImVec2 ms = R.Measure(msg, app.lang, mpx);
  const float h = t.em * 8;
  const ImVec2 p((ds.x - w) * 0.5f, (ds.y - h) * 0.5f);
  dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), t.surface, t.rounding());
  R.Draw(dl, ImVec2(p.x + (w - qs.x) * 0.5f, p.y + t.em), q, app.lang, t.body_px(), t.text);
  R.Draw(dl, ImVec2(p.x + (w - ms.x) * 0.5f, p.y + t.em * 3), msg, app.lang, mpx, t.accent);
  R.Draw(dl, ImVec2(p.x + (w - hs.x) * 0.5f, p.y + t.em * 5.6f), hint, app.lang, hpx, t.text);
  app.RegisterWidget("idle.warning", ImRect(p, ImVec2(p.x + w, p.y + h)));
}

}  // namespace

void AcceptTouch(AppState& app, ImGuiIO& io) {
  // The countdown was on the last frame (or its time has come): past idle_reset_s too, since a
  // finger already on the way to "still here" should not end up pressing what lies below.
  if (!app.touch.pressed_this_frame() || !IdleGuarded(app) || app.now - app.last_touch < app.config.idle_warn_s) return;
  app.touch.Swallow(io);
  app.last_touch = app.now;
}

void DrawFrame(AppState& app) {
  app.widgets.clear();
  app.values.clear();
  app.animating = false;
  if (app.touch.down() || app.touch.released_this_frame()) app.last_touch = app.now;
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleColor(ImGuiCol_WindowBg, app.theme.bg);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(app.theme.pad() * 2, app.theme.pad() * 2));
  ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(app.theme.pad(), app.theme.pad()));
  ImGui::Begin("samvad", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);
  DrawFrameContents(app);
  IdleGuard(app);
  ImGui::End();
  ImGui::PopStyleVar(2);
  ImGui::PopStyleColor();
}

}  // namespace samvad::ui
