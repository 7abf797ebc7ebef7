// wrap.h — breaking a paragraph into lines no wider than a width: the one algorithm the screen
// (app/ui TextRenderer) and the printed pages (app/report Typesetter) share, so a label wraps the
// same way on the kiosk and on paper.
#pragma once
#include <string_view>
#include <utility>
#include <vector>

#include "app/text/breaks.h"
#include "app/text/shaper.h"

namespace samvad::text {

// Lines of `s` set at `px` pixels, each at most `max_width` wide where possible: [begin, end)
// byte ranges, trailing spaces dropped. Lines break where ICU allows (never inside a
// syllable), at every '\n', and a word wider than the line is cut at the last grapheme boundary
// that fits (at least one grapheme per line). Widths come from one shaping of the whole
// paragraph, a cluster's advance counted at its first byte; spaces at a line's end hang.
std::vector<std::pair<size_t, size_t>> WrapLines(std::string_view s, Lang lang, double px, double max_width,
                                                 Shaper& shaper, Breaks& breaks);

}  // namespace samvad::text
