// keyboard_view.cpp — draws an on-screen keyboard (model: app/text/keyboard.h) and applies its
// keys to a text field. Keys that could not attach where the caret is (a vowel sign after a
// space) are greyed and do nothing. Shift, backspace and the caret arrows are drawn as vector
// icons: Noto Sans has no arrow glyphs, and an icon needs no translation.
#include <cmath>
#include <string>
#include <vector>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {
namespace {

enum class Icon { None, Shift, Backspace, Left, Right };

void DrawIcon(ImDrawList* dl, const ImRect& r, Icon icon, float s, ImU32 col) {
  const ImVec2 c = r.GetCenter();
  const float w = 2.5f;
  switch (icon) {
    case Icon::Shift: {
      const ImVec2 pts[] = {{c.x, c.y - s}, {c.x + s, c.y}, {c.x + s * 0.45f, c.y},
                            {c.x + s * 0.45f, c.y + s}, {c.x - s * 0.45f, c.y + s},
                            {c.x - s * 0.45f, c.y}, {c.x - s, c.y}};
      dl->AddPolyline(pts, 7, col, ImDrawFlags_Closed, w);
      break;
    }
    case Icon::Backspace: {
      const ImVec2 pts[] = {{c.x - s * 1.2f, c.y}, {c.x - s * 0.5f, c.y - s * 0.7f},
                            {c.x + s * 1.1f, c.y - s * 0.7f}, {c.x + s * 1.1f, c.y + s * 0.7f},
                            {c.x - s * 0.5f, c.y + s * 0.7f}};
      dl->AddPolyline(pts, 5, col, ImDrawFlags_Closed, w);
      dl->AddLine({c.x - s * 0.1f, c.y - s * 0.3f}, {c.x + s * 0.6f, c.y + s * 0.3f}, col, w);
      dl->AddLine({c.x - s * 0.1f, c.y + s * 0.3f}, {c.x + s * 0.6f, c.y - s * 0.3f}, col, w);
      break;
    }
    case Icon::Left:
      dl->AddTriangleFilled({c.x - s * 0.6f, c.y}, {c.x + s * 0.5f, c.y - s * 0.7f},
                            {c.x + s * 0.5f, c.y + s * 0.7f}, col);
      break;
    case Icon::Right:
      dl->AddTriangleFilled({c.x + s * 0.6f, c.y}, {c.x - s * 0.5f, c.y - s * 0.7f},
                            {c.x - s * 0.5f, c.y + s * 0.7f}, col);
      break;
    case Icon::None: break;
  }
}

std::string KeyId(const text::Key& k, size_t row, size_t col) {
  switch (k.role) {
    case text::KeyRole::Shift: return "key:shift";
    case text::KeyRole::Backspace: return "key:bksp";
    case text::KeyRole::Space: return "key:space";
    case text::KeyRole::Enter: return "key:enter";
    case text::KeyRole::Insert: break;
  }
  if (k.qwerty != 0) {
    std::string id = "key:";
    id.push_back(static_cast<char>(k.qwerty));
    return id;
  }
  return "key:r" + std::to_string(row) + "c" + std::to_string(col);
}

// The language a layout's labels are shaped in.
text::Lang LabelLang(text::LayoutId id, text::Lang ui) {
  if (id == text::LayoutId::Devanagari) return ui == text::Lang::Mr ? text::Lang::Mr : text::Lang::Hi;
  if (id == text::LayoutId::Bengali) return text::Lang::Bn;
  return text::Lang::En;
}

}  // namespace

void Keyboard(AppState& app, std::string_view id, KeyboardState& kb, text::EditState& target,
              text::LayoutId script_layout, ImVec2 size) {
  ImGui::PushID(id.data(), id.data() + id.size());
  const bool numeric = script_layout == text::LayoutId::Numeric;
  const bool can_switch = script_layout == text::LayoutId::Devanagari ||
                          script_layout == text::LayoutId::Bengali;
  const text::LayoutId lid = kb.latin && can_switch ? text::LayoutId::English : script_layout;
  const text::Layout& layout = text::GetLayout(lid, app.lang == text::Lang::Mr);
  const text::Lang klang = LabelLang(lid, app.lang);

  // The rows as drawn: the layout's, plus caret arrows and the script/ABC switch on the last.
  struct Cell { const text::Key* key; std::string id; Icon icon; float width; std::string label; };
  std::vector<std::vector<Cell>> rows;
  for (size_t r = 0; r < layout.rows.size(); ++r) {
    rows.emplace_back();
    for (size_t c = 0; c < layout.rows[r].size(); ++c) {
      const text::Key& k = layout.rows[r][c];
      Icon icon = k.role == text::KeyRole::Shift ? Icon::Shift
                  : k.role == text::KeyRole::Backspace ? Icon::Backspace : Icon::None;
      std::string label(text::KeyLabel(k, kb.shift));
      if (k.role == text::KeyRole::Space) label = app.T("kb.space");
      if (k.role == text::KeyRole::Enter) label = app.T("kb.done");
      if (label == "\u200D") label = "ZWJ";
      if (label == "\u200C") label = "ZWNJ";
      rows.back().push_back({&k, KeyId(k, r, c), icon, k.width, label});
    }
  }
  if (!numeric) {
    auto& last = rows.back();
    if (can_switch)
      last.insert(last.begin(), {nullptr, "key:abc", Icon::None, 1.5f,
                                 kb.latin ? (script_layout == text::LayoutId::Bengali ? "অ" : "अ")
                                          : "ABC"});
    last.push_back({nullptr, "key:left", Icon::Left, 1.0f, ""});
    last.push_back({nullptr, "key:right", Icon::Right, 1.0f, ""});
  }

  float units = 0;
  for (const auto& row : rows) {
    float u = 0;
    for (const Cell& c : row) u += c.width;
    units = std::max(units, u);
  }
  const float gap = std::floor(app.theme.em * 0.18f);
  const float key_w = std::floor(size.x / units);
  const float key_h = std::floor(size.y / static_cast<float>(rows.size()));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const std::string before = target.text.substr(0, target.sel_begin());
  text::Breaks& br = app.text->breaks;

  for (size_t r = 0; r < rows.size(); ++r) {
    float row_units = 0;
    for (const Cell& c : rows[r]) row_units += c.width;
    float x = origin.x + std::floor((size.x - row_units * key_w) * 0.5f);  // centre short rows
    const float y = origin.y + key_h * static_cast<float>(r);
    for (const Cell& c : rows[r]) {
      const float w = c.width * key_w;
      ImGui::SetCursorScreenPos(ImVec2(x + gap * 0.5f, y + gap * 0.5f));
      const text::Key* k = c.key;
      ButtonOpts o;
      o.style = (k && k->role == text::KeyRole::Insert) ? ButtonStyle::Key : ButtonStyle::KeySpecial;
      o.use_app_lang = false;
      o.lang = (k && k->role == text::KeyRole::Insert) ? klang : app.lang;
      o.text_px = app.theme.key_px();
      o.selected = k && k->role == text::KeyRole::Shift && kb.shift;
      const std::string_view ins = k ? text::KeyText(*k, kb.shift) : std::string_view{};
      if (k && k->role == text::KeyRole::Insert)
        o.enabled = !ins.empty() && text::CanInsertAfter(before, ins);
      const std::string_view label = c.icon == Icon::None ? std::string_view(c.label) : "";
      const Press p = Button(app, c.id, label, ImVec2(w - gap, key_h - gap), o);
      if (c.icon != Icon::None) {
        const ImRect kr(ImVec2(x + gap * 0.5f, y + gap * 0.5f), ImVec2(x + w - gap * 0.5f, y + key_h - gap * 0.5f));
        DrawIcon(ImGui::GetWindowDrawList(), kr, c.icon, app.theme.em * 0.38f, app.theme.text);
      }
      x += w;
      if (p != Press::Tap) continue;
      if (!k) {
        if (c.id == "key:abc") { kb.latin = !kb.latin; kb.shift = false; }
        if (c.id == "key:left") text::EditLeft(target, br, app.lang, false);
        if (c.id == "key:right") text::EditRight(target, br, app.lang, false);
        continue;
      }
      switch (k->role) {
        case text::KeyRole::Shift: kb.shift = !kb.shift; break;
        case text::KeyRole::Backspace: text::EditBackspace(target); break;
        case text::KeyRole::Space: text::EditInsert(target, br, app.lang, " "); break;
        case text::KeyRole::Enter: break;  // the screen decides what "done" does
        case text::KeyRole::Insert:
          text::EditInsert(target, br, app.lang, ins);
          kb.shift = false;  // one-shot shift, as on phone keyboards
          break;
      }
    }
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + size.y));
  ImGui::Dummy(ImVec2(size.x, 0));
  ImGui::PopID();
}

}  // namespace samvad::ui
