// typeset.cpp — see typeset.h.
#include "app/report/typeset.h"

#include <algorithm>
#include <cmath>

#include "app/text/wrap.h"

namespace samvad::report {

void GrayImage::Fill(int x0, int y0, int x1, int y1, std::uint8_t v) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, w);
  y1 = std::min(y1, h);
  for (int y = y0; y < y1; ++y)
    std::fill_n(px.begin() + static_cast<std::ptrdiff_t>(y) * w + x0, std::max(x1 - x0, 0), v);
}

Typesetter::Typesetter(const text::FontSet& fonts) : fonts_(fonts), shaper_(fonts) {
  if (FT_Init_FreeType(&ft_) != 0) {
    ft_ = nullptr;
    error_ = "FreeType failed to initialise";
    return;
  }
  for (int i = 0; i < fonts.size(); ++i) {
    const text::Font& f = fonts.at(i);
    unsigned int len = 0;
    const char* data = hb_blob_get_data(f.blob, &len);
    FT_Face face = nullptr;
    if (FT_New_Memory_Face(ft_, reinterpret_cast<const FT_Byte*>(data), static_cast<FT_Long>(len),
                           0, &face) != 0) {
      error_ = "FreeType cannot open font: " + f.path;
      return;
    }
    faces_.push_back(face);
    face_px_.push_back(0);
    ascent_em_ = std::max(ascent_em_, static_cast<double>(f.ascender) / f.upem);
    descent_em_ = std::max(descent_em_, static_cast<double>(-f.descender) / f.upem);
  }
}

Typesetter::~Typesetter() {
  for (FT_Face f : faces_) FT_Done_Face(f);
  if (ft_) FT_Done_FreeType(ft_);
}

int Typesetter::Ascent(int px) const { return static_cast<int>(std::ceil(ascent_em_ * px)); }

int Typesetter::LineHeight(int px) const {
  return static_cast<int>(std::ceil((ascent_em_ + descent_em_) * px));
}

LineLayout Typesetter::Layout(std::string_view text, text::Lang lang, int px) {
  LineLayout out;
  out.px = px;
  double pen = 0;
  for (const text::Run& run : shaper_.ShapeCached(text, lang).runs) {
    const double scale = static_cast<double>(px) / fonts_.at(run.font).upem;
    for (const text::Glyph& g : run.glyphs) {
      // Whole pixels, as on screen (text_draw.cpp): glyph bitmaps land texel for texel, sharp.
      out.glyphs.push_back({run.font, g.gid, static_cast<int>(std::floor(pen + g.dx * scale + 0.5)),
                            -static_cast<int>(std::lround(g.dy * scale))});
      pen += g.ax * scale;
    }
  }
  out.width = static_cast<int>(std::ceil(pen));
  return out;
}

const Typesetter::Bitmap& Typesetter::Glyph(int font, std::uint32_t gid, int px) {
  const std::uint64_t key =
      (static_cast<std::uint64_t>(font) << 56) | (static_cast<std::uint64_t>(px) << 32) | gid;
  if (auto it = glyphs_.find(key); it != glyphs_.end()) return it->second;
  Bitmap b;
  FT_Face face = faces_[static_cast<size_t>(font)];
  if (face_px_[static_cast<size_t>(font)] != px) {
    FT_Set_Pixel_Sizes(face, 0, static_cast<FT_UInt>(px));
    face_px_[static_cast<size_t>(font)] = px;
  }
  // As the screen's atlas: light hinting snaps only vertically, so HarfBuzz's horizontal
  // positions stay exact and the page looks like the kiosk.
  if (FT_Load_Glyph(face, gid, FT_LOAD_TARGET_LIGHT) == 0 &&
      FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL) == 0) {
    const FT_Bitmap& bm = face->glyph->bitmap;
    b.left = face->glyph->bitmap_left;
    b.top = face->glyph->bitmap_top;
    b.w = static_cast<int>(bm.width);
    b.h = static_cast<int>(bm.rows);
    b.alpha.resize(static_cast<size_t>(b.w) * static_cast<size_t>(b.h));
    for (int row = 0; row < b.h; ++row)
      std::copy_n(bm.buffer + static_cast<std::ptrdiff_t>(row) * bm.pitch, b.w,
                  b.alpha.begin() + static_cast<std::ptrdiff_t>(row) * b.w);
  }
  return glyphs_.emplace(key, std::move(b)).first->second;
}

void Typesetter::Draw(GrayImage& img, int x, int baseline, const LineLayout& line) {
  for (const PlacedGlyph& g : line.glyphs) {
    const Bitmap& b = Glyph(g.font, g.gid, line.px);
    const int x0 = x + g.x + b.left, y0 = baseline + g.y - b.top;
    for (int row = 0; row < b.h; ++row) {
      const int y = y0 + row;
      if (y < 0 || y >= img.h) continue;
      for (int col = 0; col < b.w; ++col) {
        const int xx = x0 + col;
        if (xx < 0 || xx >= img.w) continue;
        const int a = b.alpha[static_cast<size_t>(row) * static_cast<size_t>(b.w) + static_cast<size_t>(col)];
        std::uint8_t& d = img.px[static_cast<size_t>(y) * static_cast<size_t>(img.w) + static_cast<size_t>(xx)];
        d = static_cast<std::uint8_t>((d * (255 - a) + 127) / 255);
      }
    }
  }
}

std::vector<std::pair<size_t, size_t>> Typesetter::Wrap(std::string_view s, text::Lang lang,
                                                        int px, int max_width) {
  // The screen's algorithm (app/text/wrap.h), so a label wraps alike on the kiosk and on paper.
  return text::WrapLines(s, lang, px, max_width, shaper_, breaks_);
}

std::string Typesetter::Ellipsize(std::string_view text, text::Lang lang, int px, int max_width) {
  if (Layout(text, lang, px).width <= max_width) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  std::string best(kEllipsis);
  for (size_t g : breaks_.Graphemes(text, lang)) {
    if (g == 0) continue;
    std::string_view head = text.substr(0, g);
    while (!head.empty() && head.back() == ' ') head.remove_suffix(1);
    std::string candidate(head);
    candidate += kEllipsis;
    if (Layout(candidate, lang, px).width > max_width) break;
    best = std::move(candidate);
  }
  return best;
}

}  // namespace samvad::report
