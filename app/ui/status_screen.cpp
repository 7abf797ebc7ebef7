// status_screen.cpp — a citizen checks a complaint: the complaint number from the receipt (and,
// when a mobile number was given at filing, its last 4 digits) on a numeric pad; then the last
// known status and its history in the chosen language, and when it was last synced.
#include <algorithm>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void StatusScreen(AppState& app) {
  const Theme& t = app.theme;
  StatusState& st = app.status;
  st.ticket.digits_only = true;
  st.ticket.max_graphemes = 11;
  st.last4.digits_only = true;
  st.last4.max_graphemes = 4;
  if (ScreenHeader(app, "status.back", app.T("status.title"))) {  // done with it: not left for the next person
    app.ForgetLookup();
    app.Go(ScreenId::Home);
    return;
  }
  const float w = ImGui::GetContentRegionAvail().x;
  const float fh = std::max(t.min_target(), app.R().LineHeight(t.body_px()) + t.pad());
  const float left_w = std::min(w * 0.5f, t.em * 18);

  // Left column: the two fields and the pad; right column: the result.
  const ImVec2 col = ImGui::GetCursorPos();
  ImGui::BeginGroup();
  Label(app, app.T("status.prompt"), t.body_px() * 0.85f, t.text_muted);
  // Tapping a field sends the pad's digits to it.
  if (TextField(app, "status.ticket", st.ticket, ImVec2(left_w, fh), app.T("status.placeholder"), !st.editing_last4))
    st.editing_last4 = false;
  Label(app, app.T("status.last4"), t.body_px() * 0.85f, t.text_muted);
  if (TextField(app, "status.last4", st.last4, ImVec2(left_w * 0.5f, fh), "", st.editing_last4))
    st.editing_last4 = true;
  ImGui::SameLine();
  const bool ready = st.ticket.text.size() == 11 && app.kiosk && !st.asking;
  if (Button(app, "status.check", app.T("status.check"), ImVec2(left_w * 0.5f - t.pad(), fh),
             ButtonOpts{ButtonStyle::Primary, ready}) == Press::Tap)
    app.kiosk->LookUp(app);
  const float pad_h = std::min(ImGui::GetContentRegionAvail().y, t.min_target() * 4 * 1.15f);
  Keyboard(app, "status.pad", st.kb, st.editing_last4 ? st.last4 : st.ticket, text::LayoutId::Numeric,
           ImVec2(std::min(left_w, t.em * 13), pad_h));
  ImGui::EndGroup();

  ImGui::SetCursorPos(ImVec2(col.x + left_w + t.pad() * 3, col.y));
  ImGui::BeginGroup();
  const float rw = w - left_w - t.pad() * 3;
  if (!st.result_key.empty()) {
    Paragraph(app, app.T(st.result_key), t.body_px(), rw, st.asking ? t.primary : t.accent);
    app.RegisterWidget("status.result:" + st.result_key, ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  }
  if (st.asking) app.WakeAt(app.now + 0.25);  // the answer arrives through Tasks
  if (st.found) {
    Label(app, app.T("status.current"), t.body_px() * 0.85f, t.text_muted);
    NamedLabel(app, "status.state:" + st.result.state, app.T("state." + st.result.state), t.title_px(), t.primary);
    NamedLabel(app, "status.history:" + std::to_string(st.result.history.size()), app.T("status.history"),
               t.body_px() * 0.85f, t.text_muted);
    // A complaint reopened and fixed again and again would run off the screen: the first line
    // (when it was filed), "…", and the latest ones.
    constexpr size_t kLines = 6;
    const size_t n = st.result.history.size();
    for (size_t i = 0; i < n; ++i) {
      if (n > kLines && i > 0 && i < n - (kLines - 2)) {
        if (i == 1) Label(app, "…", t.body_px() * 0.9f, t.text_muted);
        continue;
      }
      const auto& [when, state] = st.result.history[i];
      NamedLabel(app, "status.history" + std::to_string(i) + ":" + state, when + "  " + app.T("state." + state),
                 t.body_px() * 0.9f, t.text);
    }
    std::string synced = st.result.from_central ? app.T("status.from_central")
                         : st.result.synced.empty() ? app.T("status.never_synced") : app.T("status.synced");
    if (size_t at = synced.find("{when}"); at != std::string::npos) synced.replace(at, 6, st.result.synced);
    Paragraph(app, synced, t.small_px(), rw, t.text_muted);
  }
  ImGui::EndGroup();
}

}  // namespace samvad::ui
