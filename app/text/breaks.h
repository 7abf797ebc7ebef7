// breaks.h — where a caret may stand (grapheme clusters) and where a line may break, from ICU.
// ICU 72 keeps a Devanagari or Bengali syllable (क्षे, র্য) in one grapheme cluster and never
// offers a line break inside one. Offsets are UTF-8 byte offsets. No drawing, no shaping.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "app/text/lang.h"

namespace samvad::text {

class Breaks {
 public:
  Breaks();
  ~Breaks();
  Breaks(const Breaks&) = delete;
  Breaks& operator=(const Breaks&) = delete;

  // Caret stops: 0, every grapheme boundary, and text.size().
  std::vector<size_t> Graphemes(std::string_view text, Lang lang);
  // Offsets where a new line may start (excludes 0; includes text.size()).
  std::vector<size_t> LineBreaks(std::string_view text, Lang lang);
  // The caret stop before / after `at` (clamped to the text).
  size_t PrevGrapheme(std::string_view text, Lang lang, size_t at);
  size_t NextGrapheme(std::string_view text, Lang lang, size_t at);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace samvad::text
