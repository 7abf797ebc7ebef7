// fonts.h — the font set: which file serves which script (fonts/fonts.txt), opened once for
// HarfBuzz (shaping, in font units) and FreeType (rasterising by glyph index). It does not
// shape or draw; see shaper.h and app/ui/glyph_atlas.h.
#pragma once
#include <hb.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <string>
#include <vector>

namespace samvad::text {

struct Font {
  std::string path;
  hb_script_t script = HB_SCRIPT_INVALID;
  hb_blob_t* blob = nullptr;  // the mapped file, shared by HarfBuzz and FreeType
  hb_face_t* face = nullptr;
  hb_font_t* font = nullptr;  // scale = units per em, so shaping output is in font units
  FT_Face ft = nullptr;
  int upem = 1000;
  int ascender = 0;   // font units, from the font's horizontal extents
  int descender = 0;  // negative below the baseline
};

class FontSet {
 public:
  FontSet() = default;
  ~FontSet();
  FontSet(const FontSet&) = delete;
  FontSet& operator=(const FontSet&) = delete;

  // Reads the config (see fonts/fonts.txt). Returns false with a reason a person can act on
  // ("font file missing: … — install fonts-noto-core").
  bool Load(const std::string& config_path, std::string* error);

  int size() const { return static_cast<int>(fonts_.size()); }
  const Font& at(int i) const { return fonts_[static_cast<size_t>(i)]; }
  // The font for a script, or the first fallback font when the script has none.
  int ForScript(hb_script_t script) const;
  bool Covers(int font, char32_t cp) const;
  // The first font in fallback order that has `cp`, or -1.
  int FallbackFor(char32_t cp) const;
  FT_Library ft_library() const { return ft_; }

 private:
  FT_Library ft_ = nullptr;
  std::vector<Font> fonts_;
  std::vector<int> fallback_;
};

// The default config path: $SAMVAD_FONTS or <source>/fonts/fonts.txt.
std::string DefaultFontConfig();

}  // namespace samvad::text
