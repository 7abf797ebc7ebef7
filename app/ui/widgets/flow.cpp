// flow.cpp — the pieces every step of the complaint flow shares: header with Back, the bottom
// action button, the notice line, category pictograms and the receipt's QR code.
#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "app/ui/widgets/widgets.h"

namespace samvad::ui {

bool ScreenHeader(AppState& app, std::string_view back_id, std::string_view title) {
  const Theme& t = app.theme;
  const ImVec2 top = ImGui::GetCursorPos();
  const float bw = std::max(t.em * 6, app.R().Measure(app.T("common.back"), app.lang, t.body_px()).x + 2 * t.pad());
  const bool back = Button(app, back_id, app.T("common.back"), ImVec2(bw, t.min_target())) == Press::Tap;
  ImGui::SameLine();
  ImGui::SetCursorPosY(top.y + (t.min_target() - app.R().LineHeight(t.title_px())) * 0.5f);
  Label(app, title, t.title_px(), t.text);
  ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), top.y + t.min_target() + t.pad()));
  return back;
}

Press BottomAction(AppState& app, std::string_view id, std::string_view label, bool enabled, bool submit) {
  const Theme& t = app.theme;
  const ImVec2 ds = ImGui::GetWindowSize();
  const float w = std::max(t.em * 9, app.R().Measure(label, app.lang, t.title_px()).x + 3 * t.pad());
  const float h = std::max(t.min_target(), t.em * 2.6f);
  const ImVec2 keep = ImGui::GetCursorPos();
  ImGui::SetCursorPos(ImVec2(ds.x - w - t.pad() * 2, ds.y - h - t.pad() * 2));
  ButtonOpts o;
  o.style = ButtonStyle::Primary;
  o.enabled = enabled;
  o.submit = submit;
  o.text_px = t.title_px();
  const Press p = Button(app, id, label, ImVec2(w, h), o);
  ImGui::SetCursorPos(keep);
  return p;
}

Press InlineAction(AppState& app, std::string_view id, std::string_view label, ImVec2 size,
                   bool enabled, bool submit) {
  ImGui::SameLine();
  ButtonOpts o;
  o.style = ButtonStyle::Primary;
  o.enabled = enabled;
  o.submit = submit;
  o.text_px = app.theme.title_px() * 0.9f;
  return Button(app, id, label, size, o);
}

text::LayoutId KeyboardFor(text::Lang l) {
  switch (l) {
    case text::Lang::Mr:
    case text::Lang::Hi: return text::LayoutId::Devanagari;
    case text::Lang::Bn: return text::LayoutId::Bengali;
    case text::Lang::En: break;
  }
  return text::LayoutId::English;
}

void Notice(AppState& app) {
  if (app.message_key.empty()) return;
  const Theme& t = app.theme;
  Paragraph(app, app.T(app.message_key), t.body_px(), ImGui::GetContentRegionAvail().x, t.accent);
}

void CategoryIcon(ImDrawList* dl, const ImRect& r, std::string_view icon, ImU32 col) {
  const ImVec2 c = r.GetCenter();
  const float s = std::min(r.GetWidth(), r.GetHeight()) * 0.5f, w = std::max(2.0f, s * 0.09f);
  const auto P = [&](float x, float y) { return ImVec2(c.x + x * s, c.y + y * s); };
  if (icon == "pothole") {  // a road with a broken hole
    dl->AddLine(P(-1, 0.6f), P(1, 0.6f), col, w);
    for (int k = 0; k < 24; ++k) {  // an ellipse: ImGui 1.86 has no AddEllipse
      const float a = 6.2831853f * static_cast<float>(k) / 24.0f;
      dl->PathLineTo(P(0.6f * std::cos(a), 0.2f + 0.22f * std::sin(a)));
    }
    dl->PathFillConvex(col);
  } else if (icon == "garbage") {  // a bin with a lid
    dl->AddRect(P(-0.45f, -0.35f), P(0.45f, 0.8f), col, s * 0.08f, 0, w);
    dl->AddLine(P(-0.6f, -0.5f), P(0.6f, -0.5f), col, w);
    dl->AddLine(P(-0.15f, -0.65f), P(0.15f, -0.65f), col, w);
    for (float x : {-0.2f, 0.0f, 0.2f}) dl->AddLine(P(x, -0.15f), P(x, 0.6f), col, w * 0.7f);
  } else if (icon == "water") {  // a drop
    dl->PathArcTo(P(0, 0.3f), s * 0.45f, 0.0f - 0.25f, 3.14159f + 0.25f, 24);
    dl->PathLineTo(P(0, -0.8f));
    dl->PathFillConvex(col);
  } else if (icon == "drain") {  // a grating
    dl->AddRect(P(-0.7f, -0.5f), P(0.7f, 0.5f), col, 0, 0, w);
    for (float x : {-0.35f, 0.0f, 0.35f}) dl->AddLine(P(x, -0.5f), P(x, 0.5f), col, w);
  } else if (icon == "light") {  // a street lamp
    dl->AddLine(P(-0.3f, 0.85f), P(-0.3f, -0.6f), col, w);
    dl->AddLine(P(-0.3f, -0.6f), P(0.35f, -0.6f), col, w);
    dl->AddTriangleFilled(P(0.1f, -0.6f), P(0.6f, -0.6f), P(0.35f, -0.25f), col);
  } else if (icon == "tree") {
    dl->AddRectFilled(P(-0.1f, 0.2f), P(0.1f, 0.85f), col);
    dl->AddCircleFilled(P(0, -0.2f), s * 0.5f, col, 24);
  } else if (icon == "mosquito") {
    dl->AddLine(P(-0.6f, 0.1f), P(0.5f, 0.1f), col, w * 1.4f);
    dl->AddLine(P(0.5f, 0.1f), P(0.9f, -0.1f), col, w * 0.7f);
    dl->AddTriangle(P(-0.2f, 0.05f), P(-0.5f, -0.6f), P(0.1f, -0.5f), col, w * 0.8f);
    for (float x : {-0.4f, 0.0f, 0.3f}) dl->AddLine(P(x, 0.1f), P(x - 0.15f, 0.6f), col, w * 0.6f);
  } else if (icon == "animal") {  // a paw print
    dl->AddCircleFilled(P(0, 0.3f), s * 0.3f, col, 20);
    for (float x : {-0.45f, -0.15f, 0.15f, 0.45f})
      dl->AddCircleFilled(P(x, -0.25f - (std::fabs(x) < 0.3f ? 0.15f : 0.0f)), s * 0.13f, col, 12);
  } else if (icon == "encroach") {  // a traffic cone
    dl->AddTriangleFilled(P(0, -0.8f), P(-0.45f, 0.6f), P(0.45f, 0.6f), col);
    dl->AddRectFilled(P(-0.7f, 0.6f), P(0.7f, 0.8f), col);
  } else if (icon == "toilet") {  // a tap over a basin, the common sign for public facilities
    dl->AddCircle(P(-0.35f, -0.45f), s * 0.18f, col, 16, w);
    dl->AddLine(P(-0.35f, -0.25f), P(-0.35f, 0.8f), col, w);
    dl->AddCircle(P(0.35f, -0.45f), s * 0.18f, col, 16, w);
    dl->AddTriangle(P(0.35f, -0.2f), P(0.1f, 0.5f), P(0.6f, 0.5f), col, w);
  } else {
    dl->AddCircle(c, s * 0.6f, col, 24, w);
  }
}

bool QrCode(AppState& app, std::string_view text, float size) {
  const std::string s(text);
  // Level M: survives a smudge on thermal paper; the ticket is short, so the code stays small.
  QRcode* qr = QRcode_encodeString8bit(s.c_str(), 0, QR_ECLEVEL_M);
  if (!qr) return false;
  const int n = qr->width, quiet = 4;
  const float m = std::floor(size / static_cast<float>(n + 2 * quiet));
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float side = m * static_cast<float>(n + 2 * quiet);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + side, p.y + side), IM_COL32_WHITE);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x)
      if (qr->data[y * n + x] & 1) {
        const ImVec2 a(p.x + m * static_cast<float>(x + quiet), p.y + m * static_cast<float>(y + quiet));
        dl->AddRectFilled(a, ImVec2(a.x + m, a.y + m), IM_COL32_BLACK);
      }
  QRcode_free(qr);
  ImGui::Dummy(ImVec2(side, side));
  app.RegisterWidget("receipt.qr", ImRect(p, ImVec2(p.x + side, p.y + side)));
  return true;
}

}  // namespace samvad::ui
