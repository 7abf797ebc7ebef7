// describe_screen.cpp — the citizen describes the problem in their own script: a text field
// with a visible length counter above the language's on-screen keyboard. (The complaint flow
// around it — category, place, photos, receipt — is the kiosk issue's work.)
#include <algorithm>
#include <string>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {
namespace {

constexpr size_t kMaxDescription = 500;  // graphemes: about a paragraph, quick to read aloud

text::LayoutId LayoutFor(text::Lang l) {
  switch (l) {
    case text::Lang::Mr:
    case text::Lang::Hi: return text::LayoutId::Devanagari;
    case text::Lang::Bn: return text::LayoutId::Bengali;
    case text::Lang::En: break;
  }
  return text::LayoutId::English;
}

std::string Fill(std::string s, std::string_view name, const std::string& value) {
  const std::string token = "{" + std::string(name) + "}";
  for (size_t at = s.find(token); at != std::string::npos; at = s.find(token, at + value.size()))
    s.replace(at, token.size(), value);
  return s;
}

}  // namespace

void DescribeScreen(AppState& app) {
  const Theme& t = app.theme;
  DescribeState& st = app.describe;
  st.field.max_graphemes = kMaxDescription;
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 top = ImGui::GetCursorPos();
  if (Button(app, "describe.back", app.T("common.back"), ImVec2(t.em * 6, t.min_target())) == Press::Tap)
    app.Go(ScreenId::Home);
  ImGui::SameLine();
  ImGui::SetCursorPosY(top.y + (t.min_target() - app.R().LineHeight(t.title_px())) * 0.5f);
  Label(app, app.T("describe.title"), t.title_px(), t.text);

  const float field_h = std::max(t.min_target(), app.R().LineHeight(t.body_px()) * 3 + t.pad());
  TextField(app, "describe.field", st.field, ImVec2(w, field_h), app.T("describe.placeholder"));
  const size_t n = text::CountGraphemes(app.text->breaks, app.lang, st.field.text);
  const std::string counter = Fill(Fill(app.T("describe.counter"), "n", std::to_string(n)), "max",
                                   std::to_string(kMaxDescription));
  const ImVec2 cs = app.R().Measure(counter, app.lang, t.small_px());
  ImGui::SetCursorPosX(top.x + w - cs.x);
  Label(app, counter, t.small_px(), n >= kMaxDescription ? t.accent : t.text_muted);

  const float kb_h = ImGui::GetContentRegionAvail().y;
  Keyboard(app, "describe.kb", st.kb, st.field, LayoutFor(app.lang), ImVec2(w, kb_h));
}

}  // namespace samvad::ui
