// status_screen.cpp — the citizen types the ticket number from their receipt on a numeric pad
// (digits of any script are stored as ASCII). Looking the ticket up comes with the store
// (the kiosk issue); this screen is the entry half.
#include <algorithm>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void StatusScreen(AppState& app) {
  const Theme& t = app.theme;
  StatusState& st = app.status;
  st.ticket.digits_only = true;
  st.ticket.max_graphemes = 16;
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 top = ImGui::GetCursorPos();
  if (Button(app, "status.back", app.T("common.back"), ImVec2(t.em * 6, t.min_target())) == Press::Tap)
    app.Go(ScreenId::Home);
  ImGui::SameLine();
  ImGui::SetCursorPosY(top.y + (t.min_target() - app.R().LineHeight(t.title_px())) * 0.5f);
  Label(app, app.T("status.title"), t.title_px(), t.text);
  ImGui::Dummy(ImVec2(0, t.pad()));
  Label(app, app.T("status.prompt"), t.body_px(), t.text_muted);
  const float fw = std::min(w, t.em * 18);
  ImGui::SetCursorPosX(top.x + (w - fw) * 0.5f);
  TextField(app, "status.ticket", st.ticket, ImVec2(fw, std::max(t.min_target(), app.R().LineHeight(t.body_px()) + t.pad())),
            app.T("status.placeholder"));
  ImGui::Dummy(ImVec2(0, t.pad()));
  const float pw = std::min(w, t.em * 14);
  ImGui::SetCursorPosX(top.x + (w - pw) * 0.5f);
  const float ph = std::min(ImGui::GetContentRegionAvail().y, t.min_target() * 4 * 1.15f);
  Keyboard(app, "status.pad", st.kb, st.ticket, text::LayoutId::Numeric, ImVec2(pw, ph));
}

}  // namespace samvad::ui
