// button.cpp — labels, paragraphs, buttons and drag-to-scroll regions (see widgets.h).
#include <algorithm>
#include <cmath>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

ImVec2 LabelIn(AppState& app, std::string_view s, text::Lang lang, float px, ImU32 col) {
  const ImVec2 size = app.R().Measure(s, lang, px);
  const ImVec2 p = ImGui::GetCursorScreenPos();
  app.R().Draw(ImGui::GetWindowDrawList(), p, s, lang, px, col);
  ImGui::Dummy(size);
  return size;
}

ImVec2 Label(AppState& app, std::string_view s, float px, ImU32 col) {
  return LabelIn(app, s, app.lang, px, col);
}

ImVec2 NamedLabel(AppState& app, const std::string& name, std::string_view s, float px, ImU32 col) {
  const ImVec2 size = Label(app, s, px, col);
  const ImVec2 at = ImGui::GetItemRectMin();
  app.RegisterWidget(name, ImRect(at, ImVec2(at.x + size.x, at.y + size.y)));
  return size;
}

void Paragraph(AppState& app, std::string_view s, float px, float width, ImU32 col) {
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = app.R().DrawWrapped(ImGui::GetWindowDrawList(), p, s, app.lang, px, width, col);
  ImGui::Dummy(ImVec2(width, h));
}

Press Button(AppState& app, std::string_view id, std::string_view label, ImVec2 size,
             const ButtonOpts& o) {
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  const ImGuiID iid = win->GetID(id.data(), id.data() + id.size());
  const ImVec2 p = win->DC.CursorPos;
  const ImRect bb(p, ImVec2(p.x + size.x, p.y + size.y));
  ImGui::ItemSize(size);
  if (!ImGui::ItemAdd(bb, iid)) return Press::None;
  app.RegisterWidget(id, bb);

  bool hovered = false, held = false;
  bool pressed = ImGui::ButtonBehavior(bb, iid, &hovered, &held, 0);
  if (!o.enabled) pressed = held = false;  // greyed keys and buttons do nothing
  ImGuiStorage* st = ImGui::GetStateStorage();
  Press result = Press::None;
  if (app.touch.dragging()) hovered = held = pressed = false;  // the press became a scroll

  // Long-press: held in place for kLongPress. The release after it is not a tap.
  const ImGuiID long_id = iid + 1, fired_id = iid + 2, last_id = iid + 3;
  if (held && o.enabled) {
    const double start = app.touch.press_time();
    if (!st->GetBool(fired_id) && app.now - start >= kLongPress) {
      st->SetBool(fired_id, true);
      result = Press::LongPress;
    } else if (!st->GetBool(fired_id)) {
      app.WakeAt(start + kLongPress);
    }
    st->SetBool(long_id, true);
  } else if (!held && st->GetBool(long_id)) {
    st->SetBool(long_id, false);
    if (st->GetBool(fired_id)) pressed = false;
    st->SetBool(fired_id, false);
  }
  if (pressed && o.enabled) {
    const float last = st->GetFloat(last_id, -1000.0f);
    if (o.submit && app.now - static_cast<double>(last) < kSubmitGuard) {
      pressed = false;  // the citizen tapped "submit" twice: one complaint, not two
    } else {
      st->SetFloat(last_id, static_cast<float>(app.now));
      result = Press::Tap;
    }
  }

  const Theme& t = app.theme;
  ImU32 fill = t.surface, fg = t.text, edge = t.border;
  switch (o.style) {
    case ButtonStyle::Primary:
      fill = held ? t.primary_pressed : t.primary;
      fg = t.on_primary;
      edge = fill;
      break;
    case ButtonStyle::Secondary:
      fill = held ? t.surface_pressed : (o.selected ? t.surface_pressed : t.surface);
      edge = o.selected ? t.primary : t.border;
      break;
    case ButtonStyle::Key:
    case ButtonStyle::KeySpecial:
      fill = held ? t.surface_pressed
                  : (o.selected ? t.selection
                                : (o.style == ButtonStyle::Key ? t.key : t.key_special));
      break;
  }
  if (!o.enabled) {
    fill = o.style == ButtonStyle::Primary ? t.disabled : fill;
    fg = o.style == ButtonStyle::Primary ? t.on_primary : t.disabled;
  }
  ImDrawList* dl = win->DrawList;
  const float r = o.style == ButtonStyle::Key || o.style == ButtonStyle::KeySpecial
                      ? t.rounding() * 0.5f : t.rounding();
  dl->AddRectFilled(bb.Min, bb.Max, fill, r);
  dl->AddRect(bb.Min, bb.Max, edge, r, 0, o.selected ? 3.0f : 1.0f);
  const float px = o.text_px > 0 ? o.text_px : t.body_px();
  const text::Lang lang = o.use_app_lang ? app.lang : o.lang;
  const ImVec2 ts = app.R().Measure(label, lang, px);
  app.R().Draw(dl, ImVec2(bb.Min.x + std::floor((size.x - ts.x) * 0.5f),
                          bb.Min.y + std::floor((size.y - ts.y) * 0.5f)),
               label, lang, px, fg);
  return result;
}

void BeginTouchScroll(AppState& app, std::string_view id, ImVec2 size) {
  const std::string sid(id);
  ImGui::BeginChild(sid.c_str(), size, false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_NoBackground);
  app.RegisterWidget(id, ImGui::GetCurrentWindow()->Rect());
}

void EndTouchScroll(AppState& app) {
  ImGuiWindow* win = ImGui::GetCurrentWindow();
  ScrollState& s = app.scrolls[win->ID];
  const ImRect r = win->Rect();
  const float max_y = ImGui::GetScrollMaxY();
  const ImGuiIO& io = ImGui::GetIO();
  if (app.touch.down() && app.touch.dragging() && r.Contains(app.touch.press_pos())) {
    // The finger moves the content with it; velocity is smoothed for the fling.
    const float dy = io.MouseDelta.y;
    ImGui::SetScrollY(std::clamp(ImGui::GetScrollY() - dy, 0.0f, max_y));
    if (app.dt > 0) s.velocity = 0.7f * s.velocity + 0.3f * (-dy / app.dt);
    s.dragging = true;
    ImGui::ClearActiveID();  // whatever button the drag began on must not fire
  } else if (s.dragging) {
    s.dragging = false;  // lifted: keep the velocity and fling
  } else if (std::fabs(s.velocity) > 20.0f) {
    const float y = std::clamp(ImGui::GetScrollY() + s.velocity * app.dt, 0.0f, max_y);
    ImGui::SetScrollY(y);
    s.velocity *= std::exp(-app.dt / 0.325f);  // ~iOS deceleration time constant
    if (y <= 0 || y >= max_y) s.velocity = 0;
    app.animating = true;
  } else {
    s.velocity = 0;
  }
  // A thin position indicator when there is more to see.
  if (max_y > 0) {
    const float h = r.GetHeight();
    const float bar = std::max(h * h / (h + max_y), app.theme.em);
    const float y = r.Min.y + (h - bar) * (ImGui::GetScrollY() / max_y);
    win->DrawList->AddRectFilled(ImVec2(r.Max.x - 6, y), ImVec2(r.Max.x - 2, y + bar),
                                 app.theme.border, 2);
  }
  ImGui::EndChild();
}

}  // namespace samvad::ui
