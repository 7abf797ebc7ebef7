// receipt_screen.cpp — shown only after the complaint's COMMIT returned: the ticket number
// large enough to read across a counter, its QR code, and what happens next. "Done" ends the
// citizen's session so nothing of it is visible to the next person.
#include <algorithm>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void ReceiptScreen(AppState& app) {
  const Theme& t = app.theme;
  const float w = ImGui::GetContentRegionAvail().x;
  Label(app, app.T("receipt.title"), t.title_px(), t.primary);
  Label(app, app.T("receipt.number"), t.body_px(), t.text_muted);
  const float big = t.title_px() * 1.6f;
  LabelIn(app, app.receipt.ticket, text::Lang::En, big, t.text);
  app.RegisterWidget("receipt.ticket", ImRect(ImGui::GetItemRectMin(), ImGui::GetItemRectMax()));
  const ImVec2 below = ImGui::GetCursorPos();
  const float qr = std::min(t.em * 9, ImGui::GetContentRegionAvail().y - t.min_target() * 2);
  QrCode(app, app.receipt.qr, qr);
  ImGui::SetCursorPos(ImVec2(below.x + qr + t.pad() * 2, below.y));
  Paragraph(app, app.T("receipt.next"), t.body_px(), w - qr - t.pad() * 3, t.text);
  if (BottomAction(app, "receipt.done", app.T("receipt.done"), true) == Press::Tap) app.ResetSession();
}

}  // namespace samvad::ui
