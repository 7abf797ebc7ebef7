// typeset.h — shaped text on a grayscale page, for printed reports: HarfBuzz shaping (the same
// text::Shaper runs the screen draws), placement in whole pixels, FreeType rasterisation by
// glyph index, and line wrapping at ICU's break opportunities. The paper counterpart of
// app/ui/text_draw + glyph_atlas, with no GL and no ImGui. It does not compose pages (page.h).
//
// Thread safety: a Typesetter shapes with a Shaper of its own and rasterises with FreeType faces
// of its own, opened over the font data `fonts` already mapped. FreeType faces are not safe to
// share between threads, HarfBuzz fonts are; so a report can be typeset on a worker thread while
// the UI thread draws with the same FontSet. One Typesetter per job; do not share it.
#pragma once
#include <ft2build.h>
#include FT_FREETYPE_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/text/breaks.h"
#include "app/text/fonts.h"
#include "app/text/lang.h"
#include "app/text/shaper.h"

namespace samvad::report {

// 8-bit grayscale, row-major, no padding: 255 is white paper, 0 black ink.
struct GrayImage {
  int w = 0, h = 0;
  std::vector<std::uint8_t> px;
  GrayImage() = default;
  GrayImage(int width, int height)
      : w(width), h(height), px(static_cast<size_t>(width) * static_cast<size_t>(height), 255) {}
  // Sets [x0, x1) × [y0, y1), clipped to the image.
  void Fill(int x0, int y0, int x1, int y1, std::uint8_t v);
};

// One glyph of a laid-out line: where its origin goes, relative to the line's start on the
// baseline, in whole pixels (x right, y down).
struct PlacedGlyph {
  int font = 0;
  std::uint32_t gid = 0;
  int x = 0, y = 0;
};

struct LineLayout {
  int px = 0;  // the size it was laid out at (pixels per em)
  std::vector<PlacedGlyph> glyphs;
  int width = 0;  // the line's advance, whole pixels rounded up
};

class Typesetter {
 public:
  explicit Typesetter(const text::FontSet& fonts);
  ~Typesetter();
  Typesetter(const Typesetter&) = delete;
  Typesetter& operator=(const Typesetter&) = delete;

  // False when FreeType could not open a face; `error()` says which.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Shapes `text` and places its glyphs: origin x = round(pen + x_offset), y = −round(y_offset),
  // pen advancing by HarfBuzz's x_advance, all scaled from font units to `px` per em. So the
  // glyph ids and offsets are exactly hb-shape's for the same font, language and script.
  LineLayout Layout(std::string_view text, text::Lang lang, int px);
  // Byte ranges of the lines `text` takes at `max_width`: broken where ICU allows, a word wider
  // than the line at grapheme boundaries (never inside a conjunct); trailing spaces dropped.
  std::vector<std::pair<size_t, size_t>> Wrap(std::string_view text, text::Lang lang, int px,
                                              int max_width);
  // `text` whole if it fits `max_width`, else cut at a grapheme boundary with "…" appended.
  std::string Ellipsize(std::string_view text, text::Lang lang, int px, int max_width);
  // Draws `line` in black with grayscale anti-aliasing, its start at `x` on `baseline`. Ink
  // multiplies (overlapping glyphs never lighten each other), clipped to the image.
  void Draw(GrayImage& img, int x, int baseline, const LineLayout& line);

  // The largest ascent and line height over all fonts, so lines of any script share one
  // spacing and a Devanagari line never collides with the Latin one above it.
  int Ascent(int px) const;
  int LineHeight(int px) const;

 private:
  struct Bitmap {
    int left = 0, top = 0, w = 0, h = 0;  // offset from the origin (top is up), size
    std::vector<std::uint8_t> alpha;
  };
  const Bitmap& Glyph(int font, std::uint32_t gid, int px);

  const text::FontSet& fonts_;
  text::Shaper shaper_;
  text::Breaks breaks_;
  FT_Library ft_ = nullptr;
  std::vector<FT_Face> faces_;
  std::vector<int> face_px_;  // the size last set on each face
  std::unordered_map<std::uint64_t, Bitmap> glyphs_;
  double ascent_em_ = 0, descent_em_ = 0;
  std::string error_;
};

}  // namespace samvad::report
