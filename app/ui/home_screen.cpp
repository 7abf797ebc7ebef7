// home_screen.cpp — what the citizen came for: file a complaint, or check one. A small
// "change language" button returns to the chooser.
#include <algorithm>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void HomeScreen(AppState& app) {
  const Theme& t = app.theme;
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 top = ImGui::GetCursorPos();
  Label(app, app.T("app.title"), t.title_px(), t.primary);
  Label(app, app.T("app.subtitle"), t.body_px(), t.text_muted);
  const ImVec2 after_title = ImGui::GetCursorPos();

  // Top-right: change language (secondary, but still a full touch target).
  // Sized to its label: "Change language" is longer in English than in the Indic languages.
  const float lw = std::max(t.em * 8, app.R().Measure(app.T("home.change_lang"), app.lang, t.body_px()).x + 2 * t.pad());
  ImGui::SetCursorPos(ImVec2(top.x + w - lw, top.y));
  if (Button(app, "home.lang", app.T("home.change_lang"), ImVec2(lw, t.min_target())) == Press::Tap)
    app.Go(ScreenId::Language);

  ImGui::SetCursorPos(ImVec2(after_title.x, after_title.y + t.em));
  const float bw = std::min(w, t.em * 26);
  const float bh = t.em * 4.2f;
  ImGui::SetCursorPosX((w - bw) * 0.5f + top.x);
  ButtonOpts primary;
  primary.style = ButtonStyle::Primary;
  primary.text_px = t.title_px();
  if (Button(app, "home.file", app.T("home.file"), ImVec2(bw, bh), primary) == Press::Tap) {
    app.Go(ScreenId::Category);
  }
  ImGui::SetCursorPosX((w - bw) * 0.5f + top.x);
  Paragraph(app, app.T("home.file_hint"), t.small_px() * 1.2f, bw, t.text_muted);
  ImGui::Dummy(ImVec2(0, t.em));
  ImGui::SetCursorPosX((w - bw) * 0.5f + top.x);
  ButtonOpts secondary;
  secondary.text_px = t.title_px() * 0.85f;
  if (Button(app, "home.status", app.T("home.status"), ImVec2(bw, bh * 0.8f), secondary) == Press::Tap)
    app.Go(ScreenId::Status);
}

}  // namespace samvad::ui
