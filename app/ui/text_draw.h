// text_draw.h — shaped text on screen: turns Shaper runs into glyph quads in pixels (cached per
// text, language and size), draws them into an ImDrawList, wraps paragraphs at ICU line breaks,
// and maps between byte offsets and caret x for the text field. Every user-language string on
// every screen goes through here: ImGui's own Text/Button/InputText cannot shape (GUIDE 3).
#pragma once
#include <imgui.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/text/breaks.h"
#include "app/text/shaper.h"
#include "app/ui/glyph_atlas.h"

namespace samvad::ui {

struct GlyphQuad {
  float x0, y0, x1, y1, u0, v0, u1, v1;  // pixels from the line box's top-left
};

struct TextLayout {
  std::vector<GlyphQuad> quads;
  float width = 0;
  uint32_t generation = 0;
};

class TextRenderer {
 public:
  TextRenderer(text::Shaper& shaper, text::Breaks& breaks, GlyphAtlas& atlas);

  // Line box metrics for a size: the tallest ascender and deepest descender of every font, so
  // lines in different scripts share one baseline grid.
  float Ascent(float px) const { return ascent_ * px; }
  float LineHeight(float px) const { return (ascent_ + descent_) * px; }

  const TextLayout& Layout(std::string_view text, text::Lang lang, float px);
  ImVec2 Measure(std::string_view text, text::Lang lang, float px);
  void Draw(ImDrawList* dl, ImVec2 top_left, std::string_view text, text::Lang lang, float px,
            ImU32 col);

  // Lines of a paragraph as [begin, end) byte ranges, breaking only where ICU allows (and, for a
  // word wider than the line, at grapheme boundaries — never inside a syllable).
  const std::vector<std::pair<size_t, size_t>>& Wrap(std::string_view text, text::Lang lang,
                                                      float px, float max_width);
  // Draws a wrapped paragraph; returns its height.
  float DrawWrapped(ImDrawList* dl, ImVec2 top_left, std::string_view text, text::Lang lang,
                    float px, float max_width, ImU32 col);

  // The caret's x (pixels from the text's start) at byte offset `at`.
  float CaretX(std::string_view text, text::Lang lang, float px, size_t at);
  // The caret stop nearest to x.
  size_t HitTest(std::string_view text, text::Lang lang, float px, float x);

  text::Shaper& shaper() { return shaper_; }
  text::Breaks& breaks() { return breaks_; }

 private:
  text::Shaper& shaper_;
  text::Breaks& breaks_;
  GlyphAtlas& atlas_;
  float ascent_ = 0, descent_ = 0;  // per pixel of size
  std::unordered_map<std::string, TextLayout> layouts_;
  std::unordered_map<std::string, std::vector<std::pair<size_t, size_t>>> wraps_;
  std::string key_;
};

}  // namespace samvad::ui
