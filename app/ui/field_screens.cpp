// field_screens.cpp — the field engineer's tablet (issue 5): the assigned complaints by due time
// (overdue ones marked), one complaint's detail (the citizen's photo, landmark, description, what
// this tablet recorded and how central took it), and the work log: a status, a note, before and
// after photos (imported through app/capture, metadata stripped), saved on a worker with the time
// and, when gpsd has a fix, the place (Kiosk::SaveWork). Saved means on disk: the sync engine
// sends it when the link allows.
#include <algorithm>
#include <cmath>
#include <set>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

namespace {

std::string Fill(std::string s, std::string_view key, const std::string& value) {
  if (const size_t at = s.find(key); at != std::string::npos) s.replace(at, key.size(), value);
  return s;
}

// Central's and the tablet's status words → the state.* catalog keys the citizen's screens use.
std::string StateKey(const std::string& status) {
  if (status == "fixed") return "state.resolved";
  if (status == "closed") return "state.rejected";
  if (status.empty()) return "state.open";
  return "state." + status;
}

text::Lang LangOf(const std::string& code, text::Lang fallback) {
  for (text::Lang l : text::kAllLangs)
    if (text::LangCode(l) == code) return l;
  return fallback;
}

// The photos of one kind in a row (ImGui's SameLine only between them, so the caller's layout
// continues on a new line after the row).
void PhotoStrip(const std::vector<WorkPhoto>& photos, const char* kind, float h) {
  bool first = true;
  for (const WorkPhoto& p : photos) {
    if (p.kind != kind || !p.texture) continue;
    if (!first) ImGui::SameLine();
    first = false;
    const float w = h * static_cast<float>(p.tex_w) / static_cast<float>(std::max(1, p.tex_h));
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(p.texture)), ImVec2(w, h));
  }
}

// The before and after rows: "add" and the photos so far (the work log and a development work).
void PhotoRows(AppState& app, bool busy) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  const float width = ImGui::GetContentRegionAvail().x;
  const float gap = t.pad() * 0.5f;
  const float ph = t.em * 3.2f;
  const float add_w = t.em * 9;
  const ImVec2 wp = ImGui::GetWindowPos();
  for (const char* kind : {"before", "after"}) {
    const ImVec2 row = ImGui::GetCursorPos();  // for the widget a script checks
    ButtonOpts o;
    o.enabled = !busy;
    o.selected = w.adding == kind;
    o.text_px = t.body_px() * 0.85f;
    const bool before = std::string_view(kind) == "before";
    if (Button(app, before ? "work.add_before" : "work.add_after", app.T(before ? "work.add_before" : "work.add_after"),
               ImVec2(add_w, ph), o) == Press::Tap) {
      w.adding = w.adding == kind ? "" : kind;
      w.typing = false;
      w.dev_typing = 0;
      w.result_key.clear();
      if (app.kiosk && !w.adding.empty()) {
        w.candidates = app.kiosk->ListImports();
        app.kiosk->FindCamera();
      }
    }
    ImGui::SameLine(0, t.pad());
    const int count = static_cast<int>(std::count_if(w.photos.begin(), w.photos.end(), [&](const WorkPhoto& p) { return p.kind == kind; }));
    ImGui::BeginGroup();
    if (count == 0) Label(app, app.T("work.no_photos"), t.small_px(), t.text_muted);
    else PhotoStrip(w.photos, kind, ph);
    ImGui::EndGroup();
    ImGui::Dummy(ImVec2(0, gap * 0.5f));
    app.RegisterWidget(std::string("work.photos.") + kind + ":" + std::to_string(count),
                       ImRect(ImVec2(wp.x + row.x, wp.y + row.y), ImVec2(wp.x + row.x + width, wp.y + row.y + ph)));
  }
}

// The importable photo files (a USB stick, the camera roll) while a kind is being added.
void FileList(AppState& app, bool busy, float bottom_h) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  const float width = ImGui::GetContentRegionAvail().x;
  if (CameraRow(app, "work.take", busy, width * 0.6f - t.pad())) w.result_key.clear();
  if (w.candidates.empty()) {
    if (app.kiosk->has_import_folder() || !app.kiosk->has_camera())
      Label(app, app.T("photos.none_found"), t.body_px() * 0.85f, t.text_muted);
    return;
  }
  const float list_h = std::max(t.min_target(), ImGui::GetContentRegionAvail().y - bottom_h - t.pad());
  BeginTouchScroll(app, "work.files", ImVec2(width * 0.6f, list_h));
  for (size_t i = 0; i < w.candidates.size(); ++i) {
    // A file already among the work's photos is shown chosen and cannot be added again.
    const std::string& path = w.candidates[i].path;
    const bool added = std::any_of(w.photos.begin(), w.photos.end(), [&](const WorkPhoto& p) { return p.source == path; });
    ButtonOpts o;
    o.enabled = !busy && !added;
    o.selected = added;
    o.use_app_lang = false;  // file names as they are
    if (Button(app, "work.file" + std::to_string(i), w.candidates[i].name, ImVec2(width * 0.6f - t.pad(), t.min_target()), o) ==
        Press::Tap)
      app.kiosk->AddPhoto(app, w.candidates[i].path);
  }
  EndTouchScroll(app);
}

// Beside the field being typed, "Done"; under it the keyboard in the staff member's script (or
// QWERTY when they switched). True when Done was tapped.
bool DoneAndKeyboard(AppState& app, text::EditState& field, float field_h, float width) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  ImGui::SameLine(0, t.pad());
  const bool done = Button(app, "work.note_done", app.T("work.note_done"), ImVec2(t.em * 6, field_h)) == Press::Tap;
  const float kb_h = std::min(ImGui::GetContentRegionAvail().y, t.min_target() * 5 * 1.15f);
  Keyboard(app, "work.kb", w.kb, field, w.kb.latin ? text::LayoutId::English : KeyboardFor(app.lang), ImVec2(width * 0.7f, kb_h));
  return done;
}

}  // namespace

//-----------------------------------------------------------------------------------------------
// The assigned list
//-----------------------------------------------------------------------------------------------

void WorkListScreen(AppState& app) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  if (ScreenHeader(app, "work.back", app.T("work.list.title"))) {
    app.Go(ScreenId::StaffHome);
    return;
  }
  // Central's list arrives with a sync; reload what the store has every few seconds meanwhile.
  if (!w.loading && app.kiosk && (!w.loaded || app.now - w.loaded_at > 3)) {
    w.loaded_at = app.now;
    app.kiosk->LoadWork(app);
  }
  app.WakeAt(app.now + 3);
  const float width = ImGui::GetContentRegionAvail().x;
  if (!w.error_key.empty()) Paragraph(app, app.T(w.error_key), t.body_px(), width, t.accent);
  int overdue = 0;
  for (const WorkItemView& it : w.items) overdue += it.overdue ? 1 : 0;
  // "Send and fetch now": where the engineer finds a network, without waiting for the next sync.
  const ImVec2 head = ImGui::GetCursorPos();
  if (app.kiosk && app.kiosk->sync_configured()) {
    const float bw = t.em * 8;
    ImGui::SetCursorPos(ImVec2(head.x + width - bw, head.y));
    if (Button(app, "work.sync", app.T("work.sync"), ImVec2(bw, t.min_target())) == Press::Tap) app.kiosk->SyncNow();
  }
  ImGui::SetCursorPos(ImVec2(head.x, head.y + (t.min_target() - app.R().LineHeight(t.body_px() * 0.85f)) * 0.5f));
  Label(app, Fill(Fill(app.T("work.list.count"), "{n}", std::to_string(w.items.size())), "{overdue}", std::to_string(overdue)),
        t.body_px() * 0.85f, t.text_muted);
  ImGui::SetCursorPos(ImVec2(head.x, head.y + t.min_target() + t.pad() * 0.5f));
  app.PublishValue("work.items", static_cast<double>(w.items.size()));
  if (w.loaded && w.items.empty()) {
    Paragraph(app, app.T("work.list.empty"), t.body_px(), width * 0.75f, t.text_muted);
    return;
  }
  const float row_h = std::max(t.min_target(), app.R().LineHeight(t.body_px()) * 2 + t.pad());
  BeginTouchScroll(app, "work.list", ImGui::GetContentRegionAvail());
  for (size_t i = 0; i < w.items.size(); ++i) {
    const WorkItemView& it = w.items[i];
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ButtonOpts o;
    o.use_app_lang = false;
    if (Button(app, "work.item" + std::to_string(i), "", ImVec2(width - t.pad(), row_h), o) == Press::Tap) {
      w.current = it;
      w.history.clear();
      DeleteTexture(w.thumb);
      if (app.kiosk) app.kiosk->OpenWork(app, it.central_id);
      w.opened_at = app.now;
      app.Go(ScreenId::WorkDetail);
    }
    // Drawn over the button: ticket and category; status; when it is due.
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float px = t.body_px() * 0.95f, sp = t.body_px() * 0.8f;
    const float x0 = at.x + t.pad(), y0 = at.y + t.pad() * 0.5f, y1 = y0 + app.R().LineHeight(px);
    app.R().Draw(dl, ImVec2(x0, y0), it.ticket.empty() ? "#" + it.central_id : it.ticket, text::Lang::En, px, t.text);
    app.R().Draw(dl, ImVec2(x0 + t.em * 8, y0), app.T("cat." + it.category), app.lang, px, t.text);
    app.R().Draw(dl, ImVec2(x0, y1), app.T(StateKey(it.status)), app.lang, sp, t.primary);
    std::string due = it.overdue ? Fill(app.T("work.overdue"), "{t}", LocalTime(it.expected_at))
                                 : Fill(app.T("work.due"), "{t}", LocalTime(it.expected_at));
    if (it.expected_at == 0) due.clear();
    app.R().Draw(dl, ImVec2(x0 + width * 0.45f, y1), due, app.lang, sp, it.overdue ? t.accent : t.text_muted);
    if (it.overdue) {
      dl->AddRectFilled(at, ImVec2(at.x + t.pad() * 0.4f, at.y + row_h), t.accent);
      app.RegisterWidget("work.overdue" + std::to_string(i), ImRect(at, ImVec2(at.x + width, at.y + row_h)));
    }
    if (it.pending > 0 || it.failed > 0) {
      const std::string s = it.failed > 0 ? app.T("work.not_sent") : app.T("work.waiting");
      app.R().Draw(dl, ImVec2(x0 + width * 0.75f, y0), s, app.lang, sp, it.failed ? t.accent : t.text_muted);
    }
    ImGui::Dummy(ImVec2(0, t.pad() * 0.3f));
  }
  EndTouchScroll(app);
}

//-----------------------------------------------------------------------------------------------
// One complaint
//-----------------------------------------------------------------------------------------------

void WorkDetailScreen(AppState& app) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  const WorkItemView& c = w.current;
  if (ScreenHeader(app, "work.back", c.ticket.empty() ? "#" + c.central_id : c.ticket)) {
    app.Go(ScreenId::WorkList);
    return;
  }
  // What the sync engine did meanwhile (sent, central's answer): reloaded every few seconds.
  if (app.kiosk && app.now - w.opened_at > 3) {
    w.opened_at = app.now;
    app.kiosk->OpenWork(app, c.central_id);
  }
  app.WakeAt(app.now + 3);
  const float width = ImGui::GetContentRegionAvail().x;
  const float right_w = std::min(width * 0.38f, t.em * 16);
  const float left_w = width - right_w - t.pad();
  if (!app.message_key.empty()) {
    Paragraph(app, app.T(app.message_key), t.body_px() * 0.9f, width, t.primary);
    app.RegisterWidget("work.message:" + app.message_key, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  const ImVec2 top = ImGui::GetCursorPos();
  // The left column scrolls by drag: a complaint with a long history must not end below the screen.
  BeginTouchScroll(app, "work.detail", ImVec2(left_w, ImGui::GetContentRegionAvail().y));
  Label(app, app.T("cat." + c.category), t.title_px() * 0.8f, t.text);
  Label(app, app.T(StateKey(c.status)), t.body_px(), t.primary);
  app.RegisterWidget("work.status:" + c.status, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  if (c.conflict) Paragraph(app, app.T("work.conflict"), t.body_px() * 0.85f, left_w, t.accent);
  if (c.expected_at > 0)
    Label(app, Fill(app.T(c.overdue ? "work.overdue" : "work.due"), "{t}", LocalTime(c.expected_at)),
          t.body_px() * 0.85f, c.overdue ? t.accent : t.text_muted);
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  Label(app, app.T("work.where"), t.small_px(), t.text_muted);
  Paragraph(app, c.address, t.body_px() * 0.9f, left_w, t.text);
  Label(app, app.T("work.what"), t.small_px(), t.text_muted);
  // The citizen's words, shaped in the language they wrote in.
  {
    const text::Lang saved = app.lang;
    app.lang = LangOf(c.lang, saved);
    Paragraph(app, c.description, t.body_px() * 0.9f, left_w, t.text);
    app.lang = saved;
  }
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  // What the office did (central's feed), then what this tablet recorded and how central took it.
  if (!w.office.empty()) Label(app, app.T("status.history"), t.small_px(), t.text_muted);
  for (size_t i = 0; i < w.office.size(); ++i) {
    const WorkHistoryLine& h = w.office[i];
    std::string line = LocalTime(h.at) + "  " + app.T(StateKey(h.status));
    if (!h.note.empty()) line += "  · " + h.note;  // as central wrote it (its own notes are English)
    Paragraph(app, line, t.body_px() * 0.8f, left_w, h.conflict ? t.text_muted : t.text);
    app.RegisterWidget("work.office" + std::to_string(i) + ":" + h.status, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  if (!w.history.empty()) Label(app, app.T("work.mine"), t.small_px(), t.text_muted);
  for (size_t i = 0; i < w.history.size(); ++i) {
    const WorkHistoryLine& h = w.history[i];
    std::string line = LocalTime(h.at) + "  " + app.T(StateKey(h.status));
    if (h.photos > 0) line += "  · " + Fill(app.T("work.n_photos"), "{n}", std::to_string(h.photos));
    if (h.distance_m >= 0)
      line += "  · " + Fill(app.T("work.distance"), "{m}", std::to_string(static_cast<long>(std::lround(h.distance_m))));
    line += "  · " + app.T(h.state == "sent" ? (h.conflict ? "work.sent_conflict" : "work.sent")
                           : h.state == "failed" ? "work.not_sent" : "work.waiting");
    Paragraph(app, line, t.body_px() * 0.8f, left_w, h.state == "failed" || h.conflict ? t.accent : t.text);
    // Named as the line reads: waiting (pending, or held by a session retrying), sent, failed.
    const std::string shown = h.state == "pending" || h.state == "sending" ? "waiting" : h.state;
    const ImRect line_rect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    app.RegisterWidget("work.history" + std::to_string(i) + ":" + shown, line_rect);
    if (h.distance_m >= 0)
      app.RegisterWidget("work.history" + std::to_string(i) + ".distance:" + std::to_string(std::lround(h.distance_m)), line_rect);
    if (!h.note.empty()) Paragraph(app, "“" + h.note + "”", t.body_px() * 0.8f, left_w, t.text_muted);
    // When its photos were taken (the camera's shot, a file's EXIF time), where known.
    if (!h.photo_times.empty()) {
      std::string times;
      for (const auto& [kind, at] : h.photo_times) {
        if (!times.empty()) times += "  · ";
        times += Fill(app.T(kind == "before" ? "work.taken_before" : "work.taken_after"), "{t}", LocalTime(at));
      }
      Paragraph(app, times, t.small_px(), left_w, t.text_muted);
      app.RegisterWidget("work.history" + std::to_string(i) + ".taken:" + std::to_string(h.photo_times.size()),
                         ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
    }
    if (h.clock_suspect) Paragraph(app, app.T("work.clock"), t.small_px(), left_w, t.accent);
    if (h.state == "failed" && !h.cause.empty()) Label(app, app.Cause(h.cause), t.small_px(), t.accent);
  }
  EndTouchScroll(app);
  // Right: the citizen's photo and the action.
  ImGui::SetCursorPos(ImVec2(top.x + left_w + t.pad(), top.y));
  ImGui::BeginGroup();
  if (w.thumb) {
    const float tw = right_w, th = tw * static_cast<float>(w.thumb_h) / static_cast<float>(std::max(1, w.thumb_w));
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(w.thumb)), ImVec2(tw, std::min(th, t.em * 14)));
  } else if (c.citizen_photos > 0) {
    Paragraph(app, app.T("work.photo_later"), t.small_px(), right_w, t.text_muted);
  }
  ImGui::Dummy(ImVec2(0, t.pad()));
  ButtonOpts primary;
  primary.style = ButtonStyle::Primary;
  if (Button(app, "work.record", app.T("work.record"), ImVec2(right_w, t.em * 3), primary) == Press::Tap) {
    w.Wipe();
    w.result_key.clear();
    app.Go(ScreenId::WorkLog);
  }
  ImGui::EndGroup();
}

//-----------------------------------------------------------------------------------------------
// The work log
//-----------------------------------------------------------------------------------------------

void WorkLogScreen(AppState& app) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  if (app.kiosk && app.kiosk->camera_open()) {  // the whole screen, until a shot or Close
    Viewfinder(app);
    return;
  }
  if (ScreenHeader(app, "work.back", app.T("work.log.title"))) {
    w.Wipe();  // nothing was saved: the photos leave memory
    app.Go(ScreenId::WorkDetail);
    return;
  }
  const float width = ImGui::GetContentRegionAvail().x;
  const float gap = t.pad() * 0.5f;
  const bool busy = w.saving || (app.kiosk && app.kiosk->processing_photo());

  if (w.typing) {
    // While the note is typed the keyboard needs the room: one line says what else is chosen.
    int before = 0, after = 0;
    for (const WorkPhoto& p : w.photos) (p.kind == "before" ? before : after)++;
    std::string line = w.status.empty() ? std::string() : app.T("state." + w.status) + "  ·  ";
    line += app.T("work.add_before") + ": " + std::to_string(before) + "  ·  " + app.T("work.add_after") + ": " + std::to_string(after);
    Label(app, line, t.body_px() * 0.8f, t.text_muted);
  } else {
    // 1. The status: five choices in one row.
    static constexpr const char* kStatuses[] = {"acknowledged", "in_progress", "resolved", "transferred", "rejected"};
    const float sw = (width - gap * 4) / 5;
    const float sh = std::max(t.min_target(), app.R().LineHeight(t.body_px() * 0.8f) * 2 + t.pad());
    for (size_t i = 0; i < 5; ++i) {
      if (i) ImGui::SameLine(0, gap);
      ButtonOpts o;
      o.selected = w.status == kStatuses[i];
      o.text_px = t.body_px() * 0.8f;
      if (Button(app, std::string("work.status.") + kStatuses[i], app.T(std::string("state.") + kStatuses[i]), ImVec2(sw, sh), o) ==
          Press::Tap) {
        w.status = kStatuses[i];
        w.result_key.clear();
      }
    }
    // A transfer names the department it goes to.
    if (w.status == "transferred") {
      std::set<std::string> depts;
      for (const Category& c : app.catalog.categories) depts.insert(c.department);
      const float dw = (width - gap * 3) / 4;
      int n = 0;
      for (const std::string& d : depts) {
        if (n % 4) ImGui::SameLine(0, gap);
        ButtonOpts o;
        o.selected = w.department == d;
        o.text_px = t.small_px();
        if (Button(app, "work.dept." + d, app.T("dept." + d), ImVec2(dw, t.min_target()), o) == Press::Tap) w.department = d;
        ++n;
      }
    }
    ImGui::Dummy(ImVec2(0, gap));

    PhotoRows(app, busy);
    if (app.kiosk && app.kiosk->processing_photo() && !app.kiosk->camera_open())
      Label(app, app.T("photos.processing"), t.body_px() * 0.85f, t.primary);

  }

  // 3. Either the photo files to choose from, or the note with its keyboard.
  const float bottom_h = t.min_target() + t.pad();
  const ImVec2 section = ImGui::GetCursorPos();
  if (!w.adding.empty()) {
    FileList(app, busy, bottom_h);
  } else {
    const bool need_reason = w.status == "rejected" || w.status == "transferred";
    Label(app, app.T(need_reason ? "work.note.reason" : "work.note"), t.small_px(), t.text_muted);
    const float fh = std::max(t.min_target(), app.R().LineHeight(t.body_px()) * 2 + t.pad());
    if (TextField(app, "work.note", w.note, ImVec2(width * 0.7f, fh), "", w.typing)) w.typing = true;
    if (w.typing) {
      if (DoneAndKeyboard(app, w.note, fh, width)) w.typing = false;
    }
  }

  // 4. The message and Save. Beside the file list while it is open (a refused photo: the list
  // reaches down to Save), else under the note.
  if (!w.result_key.empty()) {
    const ImVec2 at = ImGui::GetCursorPos();
    ImGui::SetCursorPos(ImVec2(width * 0.72f, w.adding.empty() ? at.y : section.y));
    Paragraph(app, app.T(w.result_key), t.body_px() * 0.85f, width * 0.28f, t.accent);
    app.RegisterWidget("work.result:" + w.result_key, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  const bool ready = !w.status.empty() && !busy && app.kiosk;
  if (BottomAction(app, "work.save", app.T(w.saving ? "work.saving" : "work.save"), ready, /*submit=*/true) == Press::Tap)
    app.kiosk->SaveWork(app);
}


//-----------------------------------------------------------------------------------------------
// A development work (not tied to a complaint)
//-----------------------------------------------------------------------------------------------

void DevWorkScreen(AppState& app) {
  const Theme& t = app.theme;
  WorkScreenState& w = app.work;
  if (app.kiosk && app.kiosk->camera_open()) {  // the whole screen, until a shot or Close
    Viewfinder(app);
    return;
  }
  if (ScreenHeader(app, "work.back", app.T("devwork.title"))) {
    w.Wipe();  // nothing was saved: the photos leave memory
    app.Go(ScreenId::StaffHome);
    return;
  }
  if (app.kiosk && app.now - w.dev_loaded_at > 3) app.kiosk->LoadDevWorks(app);
  app.WakeAt(app.now + 3);
  const float width = ImGui::GetContentRegionAvail().x;
  const ImVec2 top = ImGui::GetCursorPos();  // the right column's top: where the outcome is said
  const bool busy = w.saving || (app.kiosk && app.kiosk->processing_photo());
  const float fh = std::max(t.min_target(), app.R().LineHeight(t.body_px()) + t.pad());
  const float bottom_h = t.min_target() + t.pad();
  if (w.dev_typing != 0) {
    // One field and the keyboard (in the staff member's script; the work is posted in it).
    text::EditState& f = w.dev_typing == 1 ? w.dev_title : w.dev_description;
    Label(app, app.T(w.dev_typing == 1 ? "devwork.field.title" : "devwork.field.description"), t.small_px(), t.text_muted);
    TextField(app, w.dev_typing == 1 ? "devwork.title" : "devwork.description", f,
              ImVec2(width * 0.7f, w.dev_typing == 1 ? fh : fh * 2), "", true);
    if (DoneAndKeyboard(app, f, fh, width)) w.dev_typing = 0;
  } else {
    w.dev_title.max_graphemes = 120;
    if (!w.adding.empty()) {
      // Choosing a photo file: the list needs the room; the title stays in view as one line.
      Label(app, w.dev_title.text.empty() ? app.T("devwork.field.title") : w.dev_title.text, t.body_px() * 0.85f, t.text_muted);
    } else {
      Label(app, app.T("devwork.field.title"), t.small_px(), t.text_muted);
      if (TextField(app, "devwork.title", w.dev_title, ImVec2(width * 0.7f, fh), "", false)) w.dev_typing = 1;
      Label(app, app.T("devwork.field.description"), t.small_px(), t.text_muted);
      if (TextField(app, "devwork.description", w.dev_description, ImVec2(width * 0.7f, fh * 2), "", false)) w.dev_typing = 2;
    }
    ImGui::Dummy(ImVec2(0, t.pad() * 0.3f));
    PhotoRows(app, busy);
    if (!w.adding.empty()) {
      FileList(app, busy, bottom_h);
    } else {
      // What was recorded here lately, and whether central has it.
      for (size_t i = 0; i < w.dev_rows.size(); ++i) {
        const WorkScreenState::DevRow& r = w.dev_rows[i];
        const std::string shown = r.state == "sent" ? "sent" : r.state == "failed" ? "failed" : "waiting";
        std::string line = LocalTime(r.at) + "  " + r.title + "  · " +
                           app.T(shown == "sent" ? "work.sent" : shown == "failed" ? "work.not_sent" : "work.waiting");
        Paragraph(app, line, t.body_px() * 0.8f, width * 0.7f, shown == "failed" ? t.accent : t.text);
        app.RegisterWidget("devwork.row" + std::to_string(i) + ":" + shown, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
      }
    }
  }
  if (!w.result_key.empty()) {
    ImGui::SetCursorPos(ImVec2(top.x + width * 0.74f, top.y));
    Paragraph(app, app.T(w.result_key), t.body_px() * 0.85f, width * 0.26f, w.result_key.rfind("work.saved", 0) == 0 ? t.primary : t.accent);
    app.RegisterWidget("work.result:" + w.result_key, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  const bool ready = !w.dev_title.text.empty() && !busy && app.kiosk;
  if (BottomAction(app, "devwork.save", app.T(w.saving ? "work.saving" : "work.save"), ready, /*submit=*/true) == Press::Tap)
    app.kiosk->SaveDevWork(app);
}

}  // namespace samvad::ui
