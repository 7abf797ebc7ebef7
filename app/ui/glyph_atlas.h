// glyph_atlas.h — rasterised glyphs (by font + glyph index + pixel size) in a region reserved
// inside ImGui's own font texture, so shaped text and ImGui's shapes share one texture and
// draw calls do not multiply (a separate texture turned 2 draw calls into 401 — GUIDE 3).
// Packs with shelves; when full it starts over (generation++), and cached layouts rebuild.
// It does not shape (shaper.h) or lay out text (text_draw.h).
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "app/text/fonts.h"

struct ImFontAtlas;

namespace samvad::ui {

struct GlyphEntry {
  float u0 = 0, v0 = 0, u1 = 0, v1 = 0;
  int16_t left = 0, top = 0;  // bitmap offset from the pen position (top is up from baseline)
  uint16_t w = 0, h = 0;      // 0×0 for blank glyphs (space)
};

class GlyphAtlas {
 public:
  // Before the atlas is built: sets the atlas to 1024 px wide and reserves our glyph region
  // (1022×1000: ImGui pads each rect by a pixel) beside ImGui's own small default font.
  void Reserve(ImFontAtlas* atlas);
  // After it is built (GetTexData… called): finds where the region landed. False when it did
  // not fit (the region must be narrower than the atlas by ImGui's glyph padding).
  bool Locate(ImFontAtlas* atlas);
  // The program's atlas, ImGui's default font (for developer overlays) and our region, built as
  // alpha only and located: CPU work only (~6 ms), so it runs on the start-up thread that
  // loads the fonts, before any ImGui context exists. False when the region did not fit.
  bool Build(ImFontAtlas* atlas);
  // With a GL context, after Build: uploads the atlas as one 8-bit channel that the GPU reads
  // as white + alpha (what ImGui's shader expects of its RGBA atlas), makes it the atlas's
  // texture, and frees the CPU copy. A quarter of the RGBA upload, and no RGBA conversion —
  // together ~30 ms of start-up on llvmpipe (measured). False when GL failed.
  bool CreateTexture(ImFontAtlas* atlas);
  void DestroyTexture();
  // The glyph, rasterising it on first use. Never null.
  const GlyphEntry& Get(const text::FontSet& fonts, int font, uint32_t gid, int px);
  // Sends glyphs rasterised since the last call to the GL texture.
  void Upload();
  uint32_t generation() const { return generation_; }
  size_t glyph_count() const { return entries_.size(); }

 private:
  struct Pending { int x, y, w, h; std::vector<unsigned char> alpha; };
  void Reset();
  int rect_id_ = -1;
  int ox_ = 0, oy_ = 0, w_ = 0, h_ = 0;  // the region inside the texture
  float uv_sx_ = 0, uv_sy_ = 0;
  int shelf_x_ = 0, shelf_y_ = 0, shelf_h_ = 0;
  uint32_t generation_ = 1;
  std::unordered_map<uint64_t, GlyphEntry> entries_;
  std::vector<Pending> pending_;
  int ft_font_ = -1, ft_px_ = 0;  // the size last set on a FreeType face
  unsigned int texture_ = 0;
};

}  // namespace samvad::ui
