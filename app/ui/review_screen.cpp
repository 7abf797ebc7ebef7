// review_screen.cpp — everything the citizen entered, to check before it is saved, and the
// submit button (guarded against a double tap; disabled while saving). The receipt appears only
// after the store's COMMIT returned (Kiosk::Submit).
#include <algorithm>
#include <cmath>

#include "app/ui/widgets/widgets.h"
#include "sync/model/complaint.h"

namespace samvad::ui {
namespace {

void Row(AppState& app, std::string_view label_key, std::string_view value, float w) {
  const Theme& t = app.theme;
  const float lw = t.em * 7;
  const ImVec2 p = ImGui::GetCursorPos();
  Label(app, app.T(label_key), t.body_px() * 0.85f, t.text_muted);
  ImGui::SetCursorPos(ImVec2(p.x + lw, p.y));
  Paragraph(app, value, t.body_px(), w - lw, t.text);
}

}  // namespace

void ReviewScreen(AppState& app) {
  const Theme& t = app.theme;
  const Draft& d = app.draft;
  const bool saving = app.kiosk && app.kiosk->submitting();
  if (ScreenHeader(app, "review.back", app.T("review.title")) && !saving) app.Go(ScreenId::Contact);
  const float w = ImGui::GetContentRegionAvail().x;
  Row(app, "review.category", d.category.empty() ? "" : app.T("cat." + d.category), w);
  const Ward* ward = app.catalog.FindWard(app.config.ward_number);
  std::string where = ward ? ward->code : app.config.ward_number;
  if (!d.landmark.text.empty()) where += ", " + d.landmark.text;
  Row(app, "review.where", where, w);
  Row(app, "review.description", d.description.text, w);
  std::string phone = app.T("review.no_phone");
  // Masked even here: the next person in the queue can see the screen.
  if (const auto p = model::NormalizeIndianMobile(d.phone.text)) phone = model::MaskPhone(*p);
  Row(app, "review.phone", phone, w);
  // Photos as thumbnails.
  const ImVec2 p = ImGui::GetCursorPos();
  Label(app, app.T("review.photos"), t.body_px() * 0.85f, t.text_muted);
  ImGui::SetCursorPos(ImVec2(p.x + t.em * 7, p.y));
  const float th = t.em * 4;
  for (const DraftPhoto& ph : d.photos) {
    if (!ph.texture) continue;
    const float tw = th * static_cast<float>(ph.tex_w) / static_cast<float>(std::max(1, ph.tex_h));
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(ph.texture)), ImVec2(tw, th));
    ImGui::SameLine();
  }
  if (d.photos.empty()) Label(app, "—", t.body_px(), t.text);
  else ImGui::NewLine();
  Notice(app);
  if (saving) Label(app, app.T("review.saving"), t.body_px(), t.primary);
  if (BottomAction(app, "review.submit", app.T("review.submit"), !saving && app.kiosk != nullptr, true) == Press::Tap)
    app.kiosk->Submit(app);
}

}  // namespace samvad::ui
