// describe_screen.cpp — the citizen describes the problem in their own script: quick phrases
// for the chosen category (one tap adds one), a text field with a visible length counter,
// and the language's on-screen keyboard.
#include <algorithm>
#include <string>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {
namespace {

constexpr size_t kMaxDescription = 500;  // graphemes: about a paragraph, quick to read aloud

std::string Fill(std::string s, std::string_view name, const std::string& value) {
  const std::string token = "{" + std::string(name) + "}";
  for (size_t at = s.find(token); at != std::string::npos; at = s.find(token, at + value.size()))
    s.replace(at, token.size(), value);
  return s;
}

}  // namespace

void DescribeScreen(AppState& app) {
  const Theme& t = app.theme;
  Draft& d = app.draft;
  d.description.max_graphemes = kMaxDescription;
  if (ScreenHeader(app, "describe.back", app.T("describe.title"))) app.Go(ScreenId::Where);
  const float w = ImGui::GetContentRegionAvail().x;

  // Quick phrases: two per category, in the citizen's language.
  if (!d.category.empty()) {
    const float px = t.small_px() * 1.15f;
    for (int k = 1; k <= 2; ++k) {
      const std::string key = "phrase." + d.category + "." + std::to_string(k);
      const std::string& phrase = app.T(key);
      const float pw = app.R().Measure(phrase, app.lang, px).x + 2 * t.pad();
      if (k > 1) ImGui::SameLine();
      ButtonOpts o;
      o.text_px = px;
      if (Button(app, "describe.phrase" + std::to_string(k), phrase, ImVec2(pw, t.min_target()), o) == Press::Tap) {
        if (!d.description.text.empty() && d.description.text.back() != ' ')
          text::EditInsert(d.description, app.text->breaks, app.lang, " ");
        text::EditInsert(d.description, app.text->breaks, app.lang, phrase);
      }
    }
  }
  const float field_h = std::max(t.min_target(), app.R().LineHeight(t.body_px()) * 3 + t.pad());
  TextField(app, "describe.field", d.description, ImVec2(w - t.em * 10, field_h), app.T("describe.placeholder"));
  const bool ok = !d.description.text.empty();
  if (InlineAction(app, "describe.next", app.T("common.next"), ImVec2(t.em * 9, field_h), ok) == Press::Tap)
    app.Go(ScreenId::Photos);
  const size_t n = text::CountGraphemes(app.text->breaks, app.lang, d.description.text);
  const std::string counter = Fill(Fill(app.T("describe.counter"), "n", std::to_string(n)), "max",
                                   std::to_string(kMaxDescription));
  const ImVec2 cs = app.R().Measure(counter, app.lang, t.small_px());
  ImGui::SetCursorPosX(ImGui::GetCursorPosX() + w - t.em * 10 - t.pad() - cs.x);
  Label(app, counter, t.small_px(), n >= kMaxDescription ? t.accent : t.text_muted);
  Keyboard(app, "describe.kb", d.kb, d.description, KeyboardFor(app.lang),
           ImVec2(w, ImGui::GetContentRegionAvail().y));
}

}  // namespace samvad::ui
