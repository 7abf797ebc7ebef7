// text_draw.cpp — see text_draw.h.
#include "app/ui/text_draw.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "app/text/wrap.h"

namespace samvad::ui {
namespace {

constexpr size_t kMaxLayouts = 8192;  // cleared whole past this, like the shaping cache

void MakeKey(std::string& key, std::string_view text, text::Lang lang, int px, int extra) {
  key.resize(12);
  const int head[3] = {static_cast<int>(lang), px, extra};
  std::memcpy(key.data(), head, sizeof head);
  key.append(text);
}

}  // namespace

TextRenderer::TextRenderer(text::Shaper& shaper, text::Breaks& breaks, GlyphAtlas& atlas)
    : shaper_(shaper), breaks_(breaks), atlas_(atlas) {
  const text::FontSet& fonts = shaper.fonts();
  for (int i = 0; i < fonts.size(); ++i) {
    const text::Font& f = fonts.at(i);
    ascent_ = std::max(ascent_, static_cast<float>(f.ascender) / static_cast<float>(f.upem));
    descent_ = std::max(descent_, static_cast<float>(-f.descender) / static_cast<float>(f.upem));
  }
}

const TextLayout& TextRenderer::Layout(std::string_view s, text::Lang lang, float px_f) {
  const int px = static_cast<int>(std::lround(px_f));
  MakeKey(key_, s, lang, px, 0);
  auto it = layouts_.find(key_);
  if (it != layouts_.end() && it->second.generation == atlas_.generation()) return it->second;
  if (it == layouts_.end()) {
    if (layouts_.size() >= kMaxLayouts) layouts_.clear();
    it = layouts_.emplace(key_, TextLayout{}).first;
  }
  TextLayout& out = it->second;
  // Rasterising may fill the atlas and start a new generation; then lay out again once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    out.quads.clear();
    const uint32_t gen = atlas_.generation();
    const text::ShapedText& shaped = shaper_.ShapeCached(s, lang);
    const float baseline = std::round(Ascent(static_cast<float>(px)));
    double pen = 0;
    for (const text::Run& run : shaped.runs) {
      const text::Font& font = shaper_.fonts().at(run.font);
      const double scale = static_cast<double>(px) / font.upem;
      for (const text::Glyph& g : run.glyphs) {
        const GlyphEntry& e = atlas_.Get(shaper_.fonts(), run.font, g.gid, px);
        if (e.w > 0) {
          // Whole pixels: glyphs sample the atlas texel for texel, so text stays sharp.
          const float x = static_cast<float>(std::floor(pen + g.dx * scale + 0.5)) + e.left;
          const float y = baseline - static_cast<float>(std::round(g.dy * scale)) - e.top;
          out.quads.push_back({x, y, x + e.w, y + e.h, e.u0, e.v0, e.u1, e.v1});
        }
        pen += g.ax * scale;
      }
    }
    out.width = static_cast<float>(std::ceil(pen));
    out.generation = gen;
    if (gen == atlas_.generation()) break;
  }
  return out;
}

ImVec2 TextRenderer::Measure(std::string_view s, text::Lang lang, float px) {
  return ImVec2(Layout(s, lang, px).width, LineHeight(px));
}

void TextRenderer::Draw(ImDrawList* dl, ImVec2 p, std::string_view s, text::Lang lang, float px,
                        ImU32 col) {
  const TextLayout& lay = Layout(s, lang, px);
  if (lay.quads.empty()) return;
  const ImVec4 clip = dl->_CmdHeader.ClipRect;
  if (p.x > clip.z || p.y > clip.w || p.x + lay.width < clip.x || p.y + LineHeight(px) < clip.y)
    return;  // wholly clipped: no vertices at all
  p.x = std::floor(p.x);
  p.y = std::floor(p.y);
  const int n = static_cast<int>(lay.quads.size());
  dl->PrimReserve(n * 6, n * 4);
  for (const GlyphQuad& q : lay.quads)
    dl->PrimRectUV(ImVec2(p.x + q.x0, p.y + q.y0), ImVec2(p.x + q.x1, p.y + q.y1),
                   ImVec2(q.u0, q.v0), ImVec2(q.u1, q.v1), col);
}

const std::vector<std::pair<size_t, size_t>>& TextRenderer::Wrap(std::string_view s,
                                                                  text::Lang lang, float px,
                                                                  float max_width) {
  MakeKey(key_, s, lang, static_cast<int>(std::lround(px)), static_cast<int>(max_width));
  if (auto it = wraps_.find(key_); it != wraps_.end()) return it->second;
  if (wraps_.size() >= kMaxLayouts) wraps_.clear();
  std::vector<std::pair<size_t, size_t>>& lines = wraps_[key_];
  lines = text::WrapLines(s, lang, px, max_width, shaper_, breaks_);
  return lines;
}

float TextRenderer::DrawWrapped(ImDrawList* dl, ImVec2 p, std::string_view s, text::Lang lang,
                                float px, float max_width, ImU32 col) {
  const auto lines = Wrap(s, lang, px, max_width);  // a copy: Draw may evict the wrap cache
  const float lh = LineHeight(px);
  for (size_t i = 0; i < lines.size(); ++i)
    Draw(dl, ImVec2(p.x, p.y + lh * static_cast<float>(i)),
         s.substr(lines[i].first, lines[i].second - lines[i].first), lang, px, col);
  return lh * static_cast<float>(std::max<size_t>(lines.size(), 1));
}

float TextRenderer::CaretX(std::string_view s, text::Lang lang, float px, size_t at) {
  double x = 0;
  for (const text::Run& run : shaper_.ShapeCached(s, lang).runs) {
    const double scale = px / shaper_.fonts().at(run.font).upem;
    for (const text::Glyph& g : run.glyphs)
      if (g.cluster < at) x += g.ax * scale;
  }
  return static_cast<float>(x);
}

size_t TextRenderer::HitTest(std::string_view s, text::Lang lang, float px, float x) {
  size_t best = 0;
  float best_d = 1e30f;
  for (size_t stop : breaks_.Graphemes(s, lang)) {
    const float d = std::fabs(CaretX(s, lang, px, stop) - x);
    if (d < best_d) { best_d = d; best = stop; }
  }
  return best;
}

}  // namespace samvad::ui
