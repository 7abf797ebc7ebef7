// lang_screen.cpp — the first screen: "choose your language", said in all four languages,
// and one big button per language, each named in its own script; and a small "Staff" button. The list scrolls by drag
// when the screen is short (a tablet held in landscape with the keyboard up).
#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

void LanguageScreen(AppState& app) {
  const Theme& t = app.theme;
  const float w = ImGui::GetContentRegionAvail().x;
  // A small "Staff" button in the top-right corner, beside the headings (it takes no room from
  // the language list): staff sign in with a PIN; citizens never need it.
  const ImVec2 top = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(top.x + w - t.em * 6, top.y));
  ButtonOpts staff;
  staff.text_px = t.small_px();
  staff.use_app_lang = false;
  staff.lang = text::Lang::En;
  if (Button(app, "lang.staff", app.text->catalog.Get(text::Lang::En, "staff.enter"), ImVec2(t.em * 6, t.min_target()),
             staff) == Press::Tap)
    app.Go(ScreenId::StaffSignIn);
  ImGui::SetCursorPos(top);
  for (text::Lang l : text::kAllLangs)
    LabelIn(app, app.text->catalog.Get(l, "lang.choose"), l, t.body_px() * 1.15f,
            l == text::Lang::En ? t.text_muted : t.text);
  ImGui::Dummy(ImVec2(0, t.pad()));
  const float avail_h = ImGui::GetContentRegionAvail().y;
  BeginTouchScroll(app, "lang.list", ImVec2(w, avail_h));
  const float bw = std::min(w, t.em * 22);
  const float bh = std::max(t.min_target(), t.em * 3.2f);
  for (text::Lang l : text::kAllLangs) {
    ImGui::SetCursorPosX((w - bw) * 0.5f);
    ButtonOpts o;
    o.style = ButtonStyle::Secondary;
    o.use_app_lang = false;
    o.lang = l;
    o.text_px = t.title_px();
    const std::string id = "lang." + std::string(text::LangCode(l));
    if (Button(app, id, app.text->catalog.Get(l, "lang.name"), ImVec2(bw, bh), o) == Press::Tap) {
      app.lang = l;
      app.Go(app.config.tablet ? ScreenId::StaffSignIn : ScreenId::Home);  // a tablet is for staff
    }
  }
  EndTouchScroll(app);
}

}  // namespace samvad::ui
