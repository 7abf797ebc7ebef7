// text_field.cpp — the multi-line text field (see widgets.h): wraps with the paragraph rules,
// draws the selection and caret at grapheme stops, and turns taps and drags into caret moves.
#include <algorithm>
#include <cmath>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

bool TextField(AppState& app, std::string_view id, text::EditState& s, ImVec2 size,
               std::string_view placeholder, bool focused) {
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImGuiID iid = win->GetID(id.data(), id.data() + id.size());
  const ImVec2 p = win->DC.CursorPos;
  const ImRect bb(p, ImVec2(p.x + size.x, p.y + size.y));
  ImGui::ItemSize(size);
  if (!ImGui::ItemAdd(bb, iid)) return false;
  app.RegisterWidget(id, bb);

  const Theme& t = app.theme;
  TextRenderer& R = app.R();
  const float px = t.body_px(), lh = R.LineHeight(px), pad = t.pad();
  const float inner_w = size.x - 2 * pad;
  const ImVec2 origin(bb.Min.x + pad, bb.Min.y + pad * 0.5f);
  const auto lines = R.Wrap(s.text, app.lang, px, inner_w);  // copy: drawing may evict

  // Which line a byte offset is on: the last line starting at or before it.
  const auto line_of = [&](size_t at) {
    size_t li = 0;
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].first <= at) li = i;
    return li;
  };
  const auto caret_pos = [&](size_t at) {
    if (lines.empty()) return origin;
    const size_t li = line_of(at);
    const auto [a, b] = lines[li];
    const std::string_view line = std::string_view(s.text).substr(a, b - a);
    return ImVec2(origin.x + R.CaretX(line, app.lang, px, std::min(at, b) - a),
                  origin.y + lh * static_cast<float>(li));
  };
  const auto hit = [&](ImVec2 m) {
    if (lines.empty()) return size_t{0};
    const int li = std::clamp(static_cast<int>((m.y - origin.y) / lh), 0,
                              static_cast<int>(lines.size()) - 1);
    const auto [a, b] = lines[static_cast<size_t>(li)];
    const std::string_view line = std::string_view(s.text).substr(a, b - a);
    return a + R.HitTest(line, app.lang, px, m.x - origin.x);
  };

  bool hovered = false, held = false;
  const bool tapped = ImGui::ButtonBehavior(bb, iid, &hovered, &held, ImGuiButtonFlags_PressedOnClick);
  if (held && !lines.empty()) {
    // A tap places the caret; moving the finger while down selects from where it landed.
    const bool first = ImGui::GetIO().MouseClicked[0];
    text::EditSetCaret(s, app.text->breaks, app.lang, hit(ImGui::GetIO().MousePos), !first);
  }

  ImDrawList* dl = win->DrawList;
  dl->AddRectFilled(bb.Min, bb.Max, t.surface, t.rounding());
  dl->AddRect(bb.Min, bb.Max, focused ? t.primary : t.border, t.rounding(), 0, focused ? 3.0f : 1.0f);
  dl->PushClipRect(bb.Min, bb.Max, true);
  if (s.has_selection()) {
    const size_t sb = s.sel_begin(), se = s.sel_end();
    for (size_t i = 0; i < lines.size(); ++i) {
      const size_t a = std::max(sb, lines[i].first), b = std::min(se, lines[i].second);
      if (a >= b && !(a == b && se > lines[i].second && sb <= lines[i].first)) continue;
      const ImVec2 pa = caret_pos(a), pb = caret_pos(b);
      dl->AddRectFilled(ImVec2(pa.x, origin.y + lh * static_cast<float>(i)),
                        ImVec2(std::max(pb.x, pa.x + 2), origin.y + lh * static_cast<float>(i + 1)),
                        t.selection);
    }
  }
  if (s.text.empty()) {
    R.Draw(dl, origin, placeholder, app.lang, px, t.text_muted);
  } else {
    for (size_t i = 0; i < lines.size(); ++i)
      R.Draw(dl, ImVec2(origin.x, origin.y + lh * static_cast<float>(i)),
             std::string_view(s.text).substr(lines[i].first, lines[i].second - lines[i].first),
             app.lang, px, t.text);
  }
  if (focused) {
    // A steady caret: blinking would wake the CPU twice a second on an idle kiosk.
    const ImVec2 c = caret_pos(s.caret);
    dl->AddRectFilled(ImVec2(c.x - 1, c.y + lh * 0.08f), ImVec2(c.x + 2, c.y + lh * 0.92f), t.primary);
  }
  dl->PopClipRect();
  return tapped;
}

}  // namespace samvad::ui
