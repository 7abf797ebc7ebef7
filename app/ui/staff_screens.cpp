// staff_screens.cpp — the staff side of the device: sign-in (user id and PIN; the check runs on
// a worker, kiosk.cpp), the staff home, and the end-of-day sync screen: a big "Sync now", the
// session's progress (items, bytes, rate, ETA), every outbox entry with its state and cause and a
// retry, the last successful sync and the device's health. Everything staff see is in their
// language; the engine's causes (English sentences from sync/client, with their details) follow
// a translated line saying what they are about (AppState::Cause).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

namespace {

std::string Replace(std::string s, std::string_view key, const std::string& value) {
  if (const size_t at = s.find(key); at != std::string::npos) s.replace(at, key.size(), value);
  return s;
}

// "12.3 MB": decimal units, as storage is sold.
std::string Bytes(std::int64_t n) {
  if (n < 0) return "?";
  char buf[32];
  if (n < 1000) std::snprintf(buf, sizeof buf, "%" PRId64 " B", n);
  else if (n < 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(n) / 1e3);
  else if (n < 1000LL * 1000 * 1000) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(n) / 1e9);
  return buf;
}

// "3 h 20 min", "45 s": how long ago, or how long still.
std::string Span(std::int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s < 120) std::snprintf(buf, sizeof buf, "%" PRId64 " s", s);
  else if (s < 2 * 3600) std::snprintf(buf, sizeof buf, "%" PRId64 " min", s / 60);
  else if (s < 2 * 86400) std::snprintf(buf, sizeof buf, "%" PRId64 " h %" PRId64 " min", s / 3600, s % 3600 / 60);
  else std::snprintf(buf, sizeof buf, "%" PRId64 " d", s / 86400);
  return buf;
}

std::int64_t UnixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

//-----------------------------------------------------------------------------------------------
// Sign-in
//-----------------------------------------------------------------------------------------------

void StaffSignInScreen(AppState& app) {
  const Theme& t = app.theme;
  StaffSignInState& si = app.signin;
  si.user.max_graphemes = 32;
  si.pin.digits_only = true;
  si.pin.max_graphemes = 8;
  if (ScreenHeader(app, "staff.back", app.T("staff.signin.title"))) {
    app.ResetSession();
    return;
  }
  // One row: the id, the PIN and the button; the message under it; the keyboard takes the whole
  // width below, so its keys stay 9 mm even on a 7" tablet.
  const float w = ImGui::GetContentRegionAvail().x;
  const float fh = std::max(t.min_target(), app.R().LineHeight(t.body_px()) + t.pad());
  const float gap = t.pad();
  const float col_w = (w - 2 * gap) / 3;
  const ImVec2 row = ImGui::GetCursorPos();
  ImGui::BeginGroup();
  Label(app, app.T("staff.user"), t.body_px() * 0.85f, t.text_muted);
  const float field_y = ImGui::GetCursorPosY();  // where the fields (and the button) start
  if (TextField(app, "staff.user", si.user, ImVec2(col_w, fh), "", !si.editing_pin)) si.editing_pin = false;
  ImGui::EndGroup();
  ImGui::SetCursorPos(ImVec2(row.x + col_w + gap, row.y));
  ImGui::BeginGroup();
  Label(app, app.T("staff.pin"), t.body_px() * 0.85f, t.text_muted);
  // The PIN is never drawn: one dot per digit in a box that takes the pad when tapped.
  std::string dots;
  for (size_t i = 0; i < si.pin.text.size(); ++i) dots += "\xE2\x80\xA2 ";  // U+2022
  ButtonOpts box;
  box.selected = si.editing_pin;
  box.use_app_lang = false;
  if (Button(app, "staff.pin", dots, ImVec2(col_w, fh), box) == Press::Tap) si.editing_pin = true;
  ImGui::EndGroup();
  ImGui::SetCursorPos(ImVec2(row.x + 2 * (col_w + gap), field_y));
  const bool ready = !si.user.text.empty() && si.pin.text.size() >= 4 && !si.checking && app.kiosk;
  ButtonOpts go;
  go.style = ButtonStyle::Primary;
  go.enabled = ready;
  go.submit = true;
  if (Button(app, "staff.signin", app.T(si.checking ? "staff.checking" : "staff.signin"), ImVec2(col_w, fh), go) ==
      Press::Tap)
    app.kiosk->SignIn(app);
  ImGui::SetCursorPos(ImVec2(row.x, field_y + fh + gap * 0.5f));
  if (!si.result_key.empty()) {
    std::string msg = app.T(si.result_key);
    msg = Replace(msg, "{s}", std::to_string(si.retry_after_s));
    Paragraph(app, msg, t.body_px() * 0.85f, w, t.accent);
    // Named by what it says too, so a script can tell "locked" from "wrong".
    const ImRect shown(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    app.RegisterWidget("staff.result", shown);
    app.RegisterWidget("staff.result:" + si.result_key, shown);
  } else {
    ImGui::Dummy(ImVec2(w, app.R().LineHeight(t.body_px() * 0.85f)));
  }
  ImGui::Dummy(ImVec2(0, gap * 0.5f));

  // The keyboard for the field being typed: English letters for the id, digits for the PIN.
  const float kb_h = std::min(ImGui::GetContentRegionAvail().y, t.min_target() * 5 * 1.25f);
  if (si.editing_pin) {  // under the PIN box
    const float pad_w = std::min(w, t.em * 13);
    ImGui::SetCursorPosX(row.x + std::min(col_w + gap, w - pad_w));
    Keyboard(app, "staff.pad", si.kb, si.pin, text::LayoutId::Numeric, ImVec2(pad_w, kb_h));
  } else {
    Keyboard(app, "staff.kb", si.kb, si.user, text::LayoutId::English, ImVec2(w, kb_h));
  }
}

//-----------------------------------------------------------------------------------------------
// Staff home
//-----------------------------------------------------------------------------------------------

namespace {

// A nodal officer's list of colleagues of the ward locked out on this device (five wrong PINs:
// perhaps their own, perhaps someone at the kiosk who knows their id), each with Unlock. Read
// again every 5 s while the screen shows, so a lock that ends or begins shows up by itself.
// Drawn in a column from `at` (window coordinates), `w` wide, beside the home screen's buttons.
void LockedColleagues(AppState& app, ImVec2 at, float w) {
  const Theme& t = app.theme;
  StaffSession& s = app.staff;
  ImGui::SetCursorPos(at);
  ImGui::BeginGroup();  // lines start at the column's left edge
  if (app.kiosk && (s.locked_loaded_at < 0 || app.now - s.locked_loaded_at >= 5.0)) app.kiosk->LoadLocked(app);
  app.WakeAt(s.locked_loaded_at + 5.0);
  const std::int64_t now = UnixNow();
  if (!s.locked.empty()) {
    Paragraph(app, app.T("staff.locked.title"), t.body_px(), w, t.text);
    app.WakeAt(app.now + 1.0);  // the waits count down
  }
  const float ub = std::min(t.em * 7, w * 0.4f);
  std::string unlock_id, unlock_name;
  for (size_t i = 0; i < s.locked.size(); ++i) {
    const StaffSession::Locked& l = s.locked[i];
    const ImVec2 rp = ImGui::GetCursorPos();
    ImGui::BeginGroup();
    LabelIn(app, l.name, app.lang, t.body_px() * 0.9f, t.text);
    Label(app, l.user_id + "  ·  " + Replace(app.T("staff.locked.wait"), "{wait}", Span(l.until - now)), t.small_px(), t.text_muted);
    ImGui::EndGroup();
    const float row_h = std::max(ImGui::GetItemRectSize().y, t.min_target());
    ImGui::SetCursorPos(ImVec2(rp.x + w - ub, rp.y));
    ButtonOpts o;
    o.enabled = !s.unlocking;
    if (Button(app, "staff.unlock" + std::to_string(i), app.T("staff.unlock"), ImVec2(ub, t.min_target()), o) == Press::Tap) {
      unlock_id = l.user_id;
      unlock_name = l.name;
    }
    ImGui::SetCursorPos(ImVec2(rp.x, rp.y + row_h + t.pad() * 0.5f));
  }
  if (!s.unlock_key.empty()) {
    Paragraph(app, Replace(app.T(s.unlock_key), "{name}", s.unlock_name), t.body_px() * 0.9f, w,
              s.unlock_key == "staff.unlocked" ? t.primary : t.accent);
    app.RegisterWidget("staff.unlock_result:" + s.unlock_key, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  ImGui::EndGroup();
  if (!unlock_id.empty() && app.kiosk) app.kiosk->Unlock(app, unlock_id, unlock_name);
}

}  // namespace

void StaffHomeScreen(AppState& app) {
  const Theme& t = app.theme;
  if (!app.staff.signed_in) {  // never reached without a sign-in; belt and braces
    app.ResetSession();
    return;
  }
  // Back and "Sign out" both end the staff session: nothing of it stays for the next person.
  const ImVec2 top = ImGui::GetCursorPos();
  const float so_w = t.em * 7;
  if (ScreenHeader(app, "staff.back", app.T("staff.home.title"))) {
    app.ResetSession();
    return;
  }
  const ImVec2 after = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(top.x + ImGui::GetContentRegionAvail().x - so_w, top.y));
  if (Button(app, "staff.signout", app.T("staff.signout"), ImVec2(so_w, t.min_target())) == Press::Tap) {
    app.ResetSession();
    return;
  }
  ImGui::SetCursorPos(after);
  LabelIn(app, app.staff.name, app.lang, t.title_px(), t.primary);
  Label(app, app.staff.user_id + "  ·  " + app.T("staff.role." + app.staff.role), t.body_px() * 0.85f, t.text_muted);
  ImGui::Dummy(ImVec2(0, t.pad()));
  const float bw = std::min(ImGui::GetContentRegionAvail().x, t.em * 18);
  const ImVec2 column(ImGui::GetCursorPos().x + bw + t.pad() * 3, ImGui::GetCursorPos().y);
  const float column_w = ImGui::GetContentRegionAvail().x - bw - t.pad() * 3;
  ButtonOpts primary;
  primary.style = ButtonStyle::Primary;
  if (app.config.tablet) {  // the field engineer's work comes first on a tablet
    if (Button(app, "staff.work", app.T("work.list.title"), ImVec2(bw, t.em * 3), primary) == Press::Tap) {
      app.work.loaded = false;
      if (app.kiosk) app.kiosk->LoadWork(app);
      app.Go(ScreenId::WorkList);
    }
    ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
    if (Button(app, "staff.devwork", app.T("devwork.title"), ImVec2(bw, t.em * 3)) == Press::Tap) {
      app.work.Wipe();
      app.work.result_key.clear();
      app.work.dev_loaded_at = -1;
      app.Go(ScreenId::DevWork);
    }
    ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
    primary.style = ButtonStyle::Secondary;
  }
  if (Button(app, "staff.sync", app.T("staff.home.sync"), ImVec2(bw, t.em * 3), primary) == Press::Tap) {
    app.sync = SyncScreenState{};
    app.Go(ScreenId::StaffSync);
  }
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  if (Button(app, "staff.report", app.T("staff.home.report"), ImVec2(bw, t.em * 3)) == Press::Tap) {
    app.report = ReportState{};
    if (app.kiosk) app.kiosk->LoadReport(app);
    app.Go(ScreenId::StaffReport);
  }
  if (app.staff.role == "nodal_officer" && column_w > t.em * 10) LockedColleagues(app, column, column_w);
}

//-----------------------------------------------------------------------------------------------
// The day report
//-----------------------------------------------------------------------------------------------

namespace {

struct Bar {
  std::string label;  // shaped, in the staff member's language
  int count = 0;
  ImU32 col = 0;
};

// A titled chart of horizontal bars at the cursor, `w` wide: label, bar scaled to the largest
// count, the count. Registers `id` for scripts.
void BarChart(AppState& app, std::string_view id, std::string_view title, const std::vector<Bar>& bars, float w) {
  const Theme& t = app.theme;
  const ImVec2 start = ImGui::GetCursorScreenPos();
  Label(app, title, t.body_px() * 0.95f, t.text);
  int most = 1;
  float label_w = 0;
  const float px = t.body_px() * 0.8f;
  for (const Bar& b : bars) {
    most = std::max(most, b.count);
    label_w = std::max(label_w, app.R().Measure(b.label, app.lang, px).x);
  }
  // A label longer than the column wraps inside it (at ICU's breaks), and its row grows; the
  // bars of a chart keep one left edge, so their lengths compare at a glance.
  label_w = std::min(label_w + t.pad(), w * 0.45f);
  const float num_w = t.em * 2.5f, bar_w = w - label_w - num_w;
  const float line_h = app.R().LineHeight(px);
  const float row_h = std::max(line_h, t.em * 1.1f) + t.pad() * 0.4f;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const Bar& b : bars) {
    const ImVec2 rp = ImGui::GetCursorPos();
    const ImVec2 sp = ImGui::GetCursorScreenPos();
    const float text_h = app.R().DrawWrapped(dl, sp, b.label, app.lang, px, label_w - t.pad() * 0.5f, t.text);
    const float extra = std::max(0.0f, text_h - line_h);  // the wrapped lines beyond the first
    const float len = bar_w * static_cast<float>(b.count) / static_cast<float>(most);
    const float mid = sp.y + extra * 0.5f;  // the bar is centred on the label's lines
    const float y0 = mid + row_h * 0.15f, y1 = mid + row_h * 0.75f;
    dl->AddRectFilled(ImVec2(sp.x + label_w, y0), ImVec2(sp.x + label_w + bar_w, y1), t.key_special, t.rounding() * 0.3f);
    if (len > 0) dl->AddRectFilled(ImVec2(sp.x + label_w, y0), ImVec2(sp.x + label_w + len, y1), b.col, t.rounding() * 0.3f);
    ImGui::SetCursorPos(ImVec2(rp.x + label_w + bar_w + t.pad() * 0.5f, rp.y + extra * 0.5f));
    Label(app, std::to_string(b.count), px, t.text);
    ImGui::SetCursorPos(ImVec2(rp.x, rp.y + row_h + extra));
  }
  const ImVec2 end = ImGui::GetCursorScreenPos();
  app.RegisterWidget(id, ImRect(start, ImVec2(start.x + w, end.y)));
}

}  // namespace

void StaffReportScreen(AppState& app) {
  const Theme& t = app.theme;
  const ReportState& r = app.report;
  if (!app.staff.signed_in) {
    app.ResetSession();
    return;
  }
  if (ScreenHeader(app, "dayreport.back", app.T("dayreport.title"))) {
    app.Go(ScreenId::StaffHome);
    return;
  }
  if (!r.loaded) {
    Label(app, app.T("dayreport.loading"), t.body_px(), t.text_muted);
    return;
  }
  const Ward* ward = app.catalog.FindWard(app.config.ward_number);
  std::string sub = app.T("dayreport.subtitle");
  sub = Replace(sub, "{ward}", ward ? ward->code : app.config.ward_number);
  sub = Replace(sub, "{device}", app.config.device_number);
  sub = Replace(sub, "{total}", std::to_string(r.total));
  sub = Replace(sub, "{day}", std::to_string(r.filed_last_day));
  Label(app, sub, t.body_px() * 0.85f, t.text_muted);
  if (!r.error_key.empty()) Label(app, app.T(r.error_key), t.small_px(), t.accent);
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));

  const float w = ImGui::GetContentRegionAvail().x;
  const float col_w = (w - t.pad() * 2) / 2;
  const ImVec2 top = ImGui::GetCursorPos();
  std::vector<Bar> cats;
  for (const auto& [code, n] : r.by_category) cats.push_back({app.T("cat." + code), n, t.primary});
  BarChart(app, "dayreport.by_category", app.T("dayreport.by_category"), cats, col_w);

  ImGui::SetCursorPos(ImVec2(top.x + col_w + t.pad() * 2, top.y));
  ImGui::BeginGroup();
  std::vector<Bar> states;
  for (const auto& [code, n] : r.by_status) states.push_back({app.T("state." + code), n, t.primary});
  BarChart(app, "dayreport.by_status", app.T("dayreport.by_status"), states, col_w);
  ImGui::Dummy(ImVec2(0, t.pad()));
  const std::vector<Bar> sla = {{app.T("dayreport.sla.within"), r.within_sla, IM_COL32(0x2E, 0x7D, 0x32, 0xFF)},
                                {app.T("dayreport.sla.half"), r.past_half_sla, IM_COL32(0xE0, 0x9B, 0x12, 0xFF)},
                                {app.T("dayreport.sla.overdue"), r.overdue, t.accent}};
  BarChart(app, "dayreport.sla", app.T("dayreport.sla"), sla, col_w);
  ImGui::EndGroup();
}

//-----------------------------------------------------------------------------------------------
// The sync screen
//-----------------------------------------------------------------------------------------------

std::string SyncRowDetail(const AppState& app, const SyncRowView& r, const sync::SyncSnapshot& snap, std::int64_t now) {
  if (r.state == "sent") return Replace(app.T("sync.sent_as"), "{id}", r.central_id) + "  ·  " + LocalTime(r.sent_at);
  if (r.state == "sending") {  // this session's own figures, not the last attempt's cause
    std::string detail = app.T("sync.sending_now");
    for (const sync::ItemProgress& ip : snap.items) {
      if (ip.ticket != r.ticket) continue;
      // Every byte is in, but central has not yet said it is on its disk (the batch's flush,
      // sync/client/DESIGN.md): not sent until it does, and staff should know what it waits for.
      // (Sent in the snapshot: the row, read once a second, has not caught up yet.)
      if (ip.bytes_total > 0 && ip.bytes_done >= ip.bytes_total && ip.phase != sync::ItemPhase::Sent)
        detail = app.T("sync.saving");
      detail += "  ·  " + Bytes(ip.bytes_done) + " / " + Bytes(ip.bytes_total);
    }
    return detail;
  }
  std::string detail = r.cause.empty() ? app.T("sync.not_tried") : app.Cause(r.cause);
  if (r.state == "pending" && r.next_attempt_at > now)
    detail += "  ·  " + Replace(app.T("sync.next_try"), "{in}", Span(r.next_attempt_at - now));
  return detail;
}

void StaffSyncScreen(AppState& app) {
  const Theme& t = app.theme;
  SyncScreenState& st = app.sync;
  if (!app.staff.signed_in) {
    app.ResetSession();
    return;
  }
  if (ScreenHeader(app, "sync.back", app.T("sync.title"))) {
    app.Go(ScreenId::StaffHome);
    return;
  }
  if (app.kiosk && (st.loaded_at < 0 || app.now - st.loaded_at >= 1.0)) app.kiosk->RefreshSyncScreen(app);
  app.WakeAt(app.now + 1.0);  // the list and the figures refresh once a second, no more

  const float w = ImGui::GetContentRegionAvail().x;
  const bool configured = app.kiosk && app.kiosk->sync_configured();
  const sync::SyncSnapshot snap = app.kiosk ? app.kiosk->SyncSnapshot() : sync::SyncSnapshot{};
  const std::int64_t now = UnixNow();

  // Top: the button, then where the session is.
  const ImVec2 top = ImGui::GetCursorPos();
  const float bw = std::min(w * 0.3f, t.em * 10), bh = t.em * 2.6f;
  ButtonOpts primary;
  primary.style = ButtonStyle::Primary;
  primary.enabled = configured;
  primary.submit = true;
  if (Button(app, "sync.now", app.T("sync.now"), ImVec2(bw, bh), primary) == Press::Tap) app.kiosk->SyncNow();
  // The reconciliation for the ward office's records: CSV and printable pages, to the USB folder.
  ButtonOpts exp;
  exp.enabled = app.kiosk && !st.exporting;
  exp.submit = true;
  exp.text_px = t.body_px() * 0.8f;
  if (Button(app, "sync.export", app.T(st.exporting ? "sync.exporting" : "sync.export"), ImVec2(bw, t.min_target()), exp) ==
      Press::Tap)
    app.kiosk->ExportReconciliation(app);
  // Sneakernet for a day without network: everything unsent, sealed to central, to the stick.
  if (Button(app, "sync.bundle", app.T("sync.bundle"), ImVec2(bw, t.min_target()), exp) == Press::Tap)
    app.kiosk->ExportBundle(app);
  if (!st.export_key.empty()) {
    Paragraph(app, app.T(st.export_key) + " " + st.export_detail, t.small_px(), bw,
              st.export_key == "sync.export.failed" ? t.accent : t.text_muted);
    const ImRect shown(ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    app.RegisterWidget("sync.export_result:" + st.export_key, shown);
  }
  const float left_bottom = ImGui::GetCursorPosY();

  ImGui::SetCursorPos(ImVec2(top.x + bw + t.pad() * 2, top.y));
  ImGui::BeginGroup();
  const float pw = w - bw - t.pad() * 2;
  if (!configured) {
    Paragraph(app, app.T("sync.not_configured"), t.body_px() * 0.85f, pw, t.accent);
  } else {
    Label(app, app.T("sync.phase." + std::string(sync::SessionPhaseName(snap.phase))), t.body_px() * 0.9f, t.text);
    // The bar: bytes central confirmed in this session.
    const float frac = snap.bytes_total > 0 ? static_cast<float>(snap.bytes_done) / static_cast<float>(snap.bytes_total) : 0.f;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const float bar_h = t.em * 0.6f;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + pw, p.y + bar_h), t.key_special, t.rounding() * 0.5f);
    if (frac > 0) dl->AddRectFilled(p, ImVec2(p.x + pw * std::min(frac, 1.f), p.y + bar_h), t.primary, t.rounding() * 0.5f);
    ImGui::Dummy(ImVec2(pw, bar_h));
    app.RegisterWidget("sync.bar", ImRect(p, ImVec2(p.x + pw, p.y + bar_h)));
    std::string prog = app.T("sync.progress");
    prog = Replace(prog, "{done}", std::to_string(snap.items_done));
    prog = Replace(prog, "{total}", std::to_string(snap.items_total));
    prog = Replace(prog, "{bytes}", Bytes(snap.bytes_done) + " / " + Bytes(snap.bytes_total));
    prog = Replace(prog, "{rate}", Bytes(static_cast<std::int64_t>(snap.rate_bytes_per_s)));
    prog = Replace(prog, "{eta}", snap.eta_s >= 0 ? Span(snap.eta_s) : "—");
    Label(app, prog, t.small_px(), t.text_muted);
    const std::string last = snap.last_success_at > 0
                                 ? Replace(app.T("sync.last_success"), "{when}", LocalTime(snap.last_success_at))
                                 : app.T("sync.never");
    Label(app, last, t.small_px(), t.text_muted);
    if (!snap.cause.empty()) Paragraph(app, Replace(app.T("sync.cause"), "{cause}", app.Cause(snap.cause)), t.small_px(), pw, t.accent);
  }
  ImGui::EndGroup();
  ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), left_bottom));
  app.PublishValue("sync.bytes_done", static_cast<double>(snap.bytes_done));
  app.PublishValue("sync.sessions", static_cast<double>(snap.sessions));
  app.PublishValue("sync.pending", st.pending);
  app.PublishValue("sync.failed", st.failed);
  app.PublishValue("sync.sent", st.sent);

  // Counts and device health, then the entries.
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  std::string counts = app.T("sync.counts");
  counts = Replace(counts, "{p}", std::to_string(st.pending));
  counts = Replace(counts, "{f}", std::to_string(st.failed));
  counts = Replace(counts, "{s}", std::to_string(st.sent));
  Label(app, counts, t.body_px() * 0.85f, t.text);
  if (app.config.tablet || st.work_pending > 0 || st.work_failed > 0) {  // the engineer's updates and works
    std::string work = app.T("sync.work_counts");
    work = Replace(work, "{p}", std::to_string(st.work_pending));
    work = Replace(work, "{f}", std::to_string(st.work_failed));
    Label(app, work, t.body_px() * 0.85f, st.work_failed > 0 ? t.accent : t.text);
    app.PublishValue("sync.work_pending", st.work_pending);
  }
  std::string health = app.T("sync.health");
  health = Replace(health, "{free}", Bytes(st.free_bytes));
  health = Replace(health, "{db}", Bytes(st.db_bytes));
  health = Replace(health, "{photos}", Bytes(st.photos_bytes));
  health = Replace(health, "{n}", st.photo_files < 0 ? "?" : std::to_string(st.photo_files));
  Label(app, health, t.small_px(), t.text_muted);
  Label(app, st.oldest_unsent_at > 0 ? Replace(app.T("sync.oldest"), "{age}", Span(now - st.oldest_unsent_at))
                                     : app.T("sync.none_unsent"),
        t.small_px(), t.text_muted);
  if (!st.error_key.empty()) Label(app, app.T(st.error_key), t.small_px(), t.accent);
  if (st.loaded_at >= 0 && st.pending == 0 && st.failed == 0 && st.sent > 0) {
    NamedLabel(app, "sync.all_sent", app.T("sync.all_sent"), t.body_px() * 0.9f, t.primary);
  }
  ImGui::Dummy(ImVec2(0, t.pad() * 0.3f));

  BeginTouchScroll(app, "sync.list", ImVec2(w, ImGui::GetContentRegionAvail().y));
  const float rb = t.em * 5;  // the retry button
  for (size_t i = 0; i < st.rows.size(); ++i) {
    const SyncRowView& r = st.rows[i];
    const ImVec2 rp = ImGui::GetCursorPos();
    ImGui::BeginGroup();
    const ImU32 col = r.state == "failed" ? t.accent : r.state == "sent" ? t.text_muted : t.text;
    Label(app, r.ticket + "   " + app.T("sync.state." + r.state), t.body_px() * 0.85f, col);
    const std::string detail = SyncRowDetail(app, r, snap, now);
    // Wrapped: a cause with its translated topic and the next try runs past one line in every
    // language but English.
    Paragraph(app, detail, t.small_px(), w - t.pad() * 2, t.text_muted);
    ImGui::EndGroup();
    const float row_h = std::max(ImGui::GetItemRectSize().y, t.min_target()) + t.pad() * 0.8f;
    // Staff may retry anything not sent that has met a problem.
    if (r.state != "sent" && r.state != "sending" && !r.cause.empty() && configured) {
      ImGui::SetCursorPos(ImVec2(rp.x + w - rb - t.pad(), rp.y));
      if (Button(app, "sync.retry" + std::to_string(i), app.T("sync.retry"), ImVec2(rb, t.min_target())) == Press::Tap)
        app.kiosk->Retry(r.ticket);
    }
    ImGui::SetCursorPos(ImVec2(rp.x, rp.y + row_h));
  }
  EndTouchScroll(app);
}

}  // namespace samvad::ui
