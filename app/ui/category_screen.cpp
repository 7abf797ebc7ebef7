// category_screen.cpp — what the problem is about: a grid of big pictogram buttons, one per
// category of the catalog, each naming the department that will handle it.
#include <algorithm>
#include <cmath>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

namespace {

// Back from the complaint's first screen leaves the complaint. The kiosk is shared: what the
// citizen wrote, their photos and their number must not wait on the home screen for the next
// person, so leaving discards the draft — after asking, since it cannot be undone.
void DiscardPrompt(AppState& app) {
  const Theme& t = app.theme;
  const float w = std::min(ImGui::GetContentRegionAvail().x, t.em * 30);
  ImGui::Dummy(ImVec2(0, t.em));
  Label(app, app.T("discard.title"), t.title_px(), t.text);
  ImGui::Dummy(ImVec2(0, t.pad() * 0.5f));
  Paragraph(app, app.T("discard.body"), t.body_px(), w, t.text_muted);
  ImGui::Dummy(ImVec2(0, t.em));
  const float bh = std::max(t.min_target(), t.em * 2.6f), bw = (w - t.pad()) * 0.5f;
  ButtonOpts keep;
  keep.style = ButtonStyle::Primary;
  if (Button(app, "discard.keep", app.T("discard.keep"), ImVec2(bw, bh), keep) == Press::Tap) {
    app.draft.discard_asked = false;
    return;
  }
  ImGui::SameLine();
  if (Button(app, "discard.yes", app.T("discard.yes"), ImVec2(bw, bh)) == Press::Tap) app.DiscardDraft();
}

}  // namespace

void CategoryScreen(AppState& app) {
  const Theme& t = app.theme;
  if (app.draft.discard_asked) {
    DiscardPrompt(app);
    return;
  }
  if (ScreenHeader(app, "category.back", app.T("category.title"))) {
    if (!app.draft.Empty()) {
      app.draft.discard_asked = true;
    } else {
      app.draft.Wipe();  // a category alone: nothing to ask about, and nothing left behind
      app.Go(ScreenId::Home);
    }
    return;
  }
  const auto& cats = app.catalog.categories;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const int cols = avail.x > avail.y * 1.4f ? 5 : 3;
  const int rows = static_cast<int>((cats.size() + static_cast<size_t>(cols) - 1) / static_cast<size_t>(cols));
  const float gap = t.pad();
  const float cw = std::floor((avail.x - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols));
  const float ch = std::max(t.min_target() * 2, std::floor((avail.y - gap * static_cast<float>(rows - 1)) / static_cast<float>(rows)));
  BeginTouchScroll(app, "category.list", avail);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  for (size_t i = 0; i < cats.size(); ++i) {
    const Category& c = cats[i];
    const float x = origin.x + static_cast<float>(static_cast<int>(i) % cols) * (cw + gap);
    const float y = origin.y + static_cast<float>(static_cast<int>(i) / cols) * (ch + gap);
    ImGui::SetCursorScreenPos(ImVec2(x, y));
    ButtonOpts o;
    o.selected = app.draft.category == c.code;
    const std::string id = "cat." + c.code;
    // The button carries no label of its own: pictogram on top, name (wrapped) below it.
    const Press p = Button(app, id, "", ImVec2(cw, ch), o);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float icon = std::min(cw, ch) * 0.42f;
    CategoryIcon(dl, ImRect(ImVec2(x + (cw - icon) * 0.5f, y + t.pad()),
                            ImVec2(x + (cw + icon) * 0.5f, y + t.pad() + icon)),
                 c.icon, t.primary);
    const std::string& name = app.T(id);
    const float px = t.body_px() * 0.9f;
    const auto& lines = app.R().Wrap(name, app.lang, px, cw - t.pad());
    float ty = y + t.pad() * 1.5f + icon;
    for (const auto& [a, b] : lines) {
      const std::string_view line = std::string_view(name).substr(a, b - a);
      const float lw = app.R().Measure(line, app.lang, px).x;
      app.R().Draw(dl, ImVec2(x + (cw - lw) * 0.5f, ty), line, app.lang, px, t.text);
      ty += app.R().LineHeight(px);
    }
    if (p == Press::Tap) {
      app.draft.category = c.code;
      app.Go(ScreenId::Where);
    }
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + static_cast<float>(rows) * (ch + gap)));
  ImGui::Dummy(ImVec2(1, 1));
  EndTouchScroll(app);
}

}  // namespace samvad::ui
