// shaper.h — text → runs → glyphs. Splits UTF-8 into runs by script and font coverage
// (itemisation), shapes each run with HarfBuzz in the right language, and caches the result.
// Output is in font units, exactly what `hb-shape` prints for the same font, language and
// context; app/ui/text_draw scales it to pixels. It does not rasterise or draw.
#pragma once
#include <hb.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/text/fonts.h"
#include "app/text/lang.h"

namespace samvad::text {

struct Glyph {
  uint32_t gid = 0;
  uint32_t cluster = 0;  // byte offset into the whole input
  int32_t dx = 0, dy = 0, ax = 0, ay = 0;  // font units
};

struct Run {
  int font = 0;
  uint32_t start = 0, end = 0;  // byte offsets, end exclusive
  hb_script_t script = HB_SCRIPT_COMMON;
  hb_language_t language = nullptr;
  std::vector<Glyph> glyphs;
  int32_t advance = 0;  // sum of ax, font units
};

struct ShapedText {
  std::vector<Run> runs;
};

struct RunSpan {
  int font;
  uint32_t start, end;
  hb_script_t script;
};

class Shaper {
 public:
  explicit Shaper(const FontSet& fonts);
  ~Shaper();
  Shaper(const Shaper&) = delete;
  Shaper& operator=(const Shaper&) = delete;

  // Runs of one script and one font. Common and inherited characters (spaces, digits, danda,
  // ZWJ, marks) join the run around them; a character the run's font lacks starts a run in
  // the first fallback font that has it.
  std::vector<RunSpan> Itemize(std::string_view text, Lang lang) const;
  // The HarfBuzz language a run of `script` is shaped with, when the UI speaks `lang`:
  // Devanagari as Marathi or Hindi, Bengali as Bengali, Latin as English.
  static hb_language_t LanguageFor(hb_script_t script, Lang lang);

  ShapedText Shape(std::string_view text, Lang lang);
  // The same, from a cache (text + language → runs). Entries stay valid until the next call
  // that misses and finds the cache over its bound.
  const ShapedText& ShapeCached(std::string_view text, Lang lang);
  // The `--shape-dump` format: per run, "<font path>\t<start> <end>\t<hb-shape JSON>".
  std::string Dump(std::string_view text, Lang lang);

  const FontSet& fonts() const { return fonts_; }
  size_t cache_size() const { return cache_.size(); }

 private:
  const FontSet& fonts_;
  hb_buffer_t* buf_;
  std::unordered_map<std::string, ShapedText> cache_;
  std::string key_;  // reused for lookups, so a cache hit allocates nothing
};

}  // namespace samvad::text
