// where_screen.cpp — where the problem is: the ward comes from the kiosk's configuration (the
// citizen is standing in its office); the citizen adds a landmark or address in their script.
#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void WhereScreen(AppState& app) {
  const Theme& t = app.theme;
  if (ScreenHeader(app, "where.back", app.T("where.title"))) app.Go(ScreenId::Category);
  const Ward* ward = app.catalog.FindWard(app.config.ward_number);
  std::string ward_line = app.T("where.ward");
  const std::string wname = ward ? ward->code + " — " + ward->area : app.config.ward_number;
  if (const size_t at = ward_line.find("{ward}"); at != std::string::npos) ward_line.replace(at, 6, wname);
  Label(app, ward_line, t.body_px(), t.text);
  const float w = ImGui::GetContentRegionAvail().x;
  Draft& d = app.draft;
  d.landmark.max_graphemes = 200;
  const float field_h = std::max(t.min_target(), app.R().LineHeight(t.body_px()) * 2 + t.pad());
  TextField(app, "where.landmark", d.landmark, ImVec2(w - t.em * 10, field_h), app.T("where.placeholder"));
  if (InlineAction(app, "where.next", app.T("common.next"), ImVec2(t.em * 9, field_h)) == Press::Tap)
    app.Go(ScreenId::Describe);
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  Keyboard(app, "where.kb", d.kb, d.landmark, KeyboardFor(app.lang),
           ImVec2(w, ImGui::GetContentRegionAvail().y));
}

}  // namespace samvad::ui
