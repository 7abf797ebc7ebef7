// contact_screen.cpp — an optional 10-digit mobile number, so the ward office can call back and
// so only this citizen can see the complaint's status. One line says what it is used for.
#include <algorithm>

#include "app/ui/widgets/widgets.h"
#include "sync/model/complaint.h"

namespace samvad::ui {

void ContactScreen(AppState& app) {
  const Theme& t = app.theme;
  Draft& d = app.draft;
  d.phone.digits_only = true;
  d.phone.max_graphemes = 10;
  if (ScreenHeader(app, "contact.back", app.T("contact.title"))) app.Go(ScreenId::Photos);
  const float w = ImGui::GetContentRegionAvail().x;
  Paragraph(app, app.T("contact.consent"), t.body_px() * 0.9f, w, t.text_muted);
  const float fw = std::min(w * 0.5f, t.em * 14);
  const float fh = std::max(t.min_target(), app.R().LineHeight(t.body_px()) + t.pad());
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (w - fw - t.em * 18 - 2 * t.pad()) * 0.5f);
  TextField(app, "contact.phone", d.phone, ImVec2(fw, fh), app.T("contact.placeholder"));
  const bool empty = d.phone.text.empty();
  if (InlineAction(app, "contact.next", app.T(empty ? "contact.skip" : "common.next"),
                   ImVec2(t.em * 9, fh)) == Press::Tap) {
    if (empty || model::NormalizeIndianMobile(d.phone.text)) app.Go(ScreenId::Review);
    else app.message_key = "contact.invalid";
  }
  Notice(app);
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  const float pw = std::min(w, t.em * 14);
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (w - pw) * 0.5f);
  const std::string before = d.phone.text;
  Keyboard(app, "contact.pad", d.kb, d.phone, text::LayoutId::Numeric,
           ImVec2(pw, std::min(ImGui::GetContentRegionAvail().y, t.min_target() * 4 * 1.2f)));
  if (d.phone.text != before) app.message_key.clear();  // typing again clears the complaint
}

}  // namespace samvad::ui
