// wrap.cpp — see wrap.h.
#include "app/text/wrap.h"

namespace samvad::text {

std::vector<std::pair<size_t, size_t>> WrapLines(std::string_view s, Lang lang, double px, double max_width,
                                                 Shaper& shaper, Breaks& breaks) {
  // Advance of everything before each byte offset.
  std::vector<double> before(s.size() + 1, 0.0);
  {
    std::vector<double> at(s.size() + 1, 0.0);
    for (const Run& run : shaper.ShapeCached(s, lang).runs) {
      const double scale = px / shaper.fonts().at(run.font).upem;
      for (const Glyph& g : run.glyphs) at[g.cluster] += g.ax * scale;
    }
    for (size_t i = 0; i < s.size(); ++i) before[i + 1] = before[i] + at[i];
  }
  const auto width = [&](size_t a, size_t b) {
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\n')) --b;  // trailing spaces hang
    return before[b] - before[a];
  };
  const std::vector<size_t> stops = breaks.LineBreaks(s, lang);
  std::vector<std::pair<size_t, size_t>> lines;
  size_t start = 0, bi = 0;
  while (start < s.size()) {
    size_t best = 0;
    for (size_t k = bi; k < stops.size(); ++k) {
      if (stops[k] <= start) {
        bi = k + 1;
        continue;
      }
      if (width(start, stops[k]) > max_width && best != 0) break;
      best = stops[k];
      if (width(start, stops[k]) > max_width) break;  // one word wider than the line
      if (s[stops[k] - 1] == '\n') break;            // a hard break
    }
    if (best == 0) best = s.size();
    if (width(start, best) > max_width) {
      // Cut the long word at the last grapheme boundary that fits (at least one grapheme).
      size_t fit = 0;
      for (size_t g : breaks.Graphemes(s.substr(0, best), lang)) {
        if (g <= start) continue;
        if (fit != 0 && width(start, g) > max_width) break;
        fit = g;
      }
      best = fit;
    }
    size_t end = best;
    while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\n')) --end;
    lines.emplace_back(start, end);
    start = best;
  }
  return lines;
}

}  // namespace samvad::text
