// text_edit.cpp — see text_edit.h.
#include "app/text/text_edit.h"

#include "app/text/utf8.h"
#include "sync/model/digits.h"

namespace samvad::text {

size_t CountGraphemes(Breaks& br, Lang lang, std::string_view text) {
  if (text.empty()) return 0;
  return br.Graphemes(text, lang).size() - 1;  // stops include 0 and the end
}

bool EditInsert(EditState& s, Breaks& br, Lang lang, std::string_view utf8) {
  std::string clean;
  for (size_t i = 0; i < utf8.size();) {
    const size_t start = i;
    const char32_t cp = DecodeUtf8(utf8, i);
    if (cp == 0xFFFD && i - start != 3) continue;   // invalid byte: never stored
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) continue;  // control characters
    clean.append(utf8.substr(start, i - start));
  }
  clean = model::NormalizeDigits(clean);
  if (s.digits_only)
    for (char c : clean)
      if (c < '0' || c > '9') return false;
  if (clean.empty()) return false;
  std::string next = s.text;
  next.replace(s.sel_begin(), s.sel_end() - s.sel_begin(), clean);
  if (s.max_graphemes && CountGraphemes(br, lang, next) > s.max_graphemes) return false;
  s.caret = s.anchor = s.sel_begin() + clean.size();
  s.text = std::move(next);
  return true;
}

void EditBackspace(EditState& s) {
  if (s.has_selection()) {
    s.text.erase(s.sel_begin(), s.sel_end() - s.sel_begin());
    s.caret = s.anchor = s.sel_begin();
    return;
  }
  if (s.caret == 0) return;
  const size_t prev = PrevCodePoint(s.text, s.caret);
  s.text.erase(prev, s.caret - prev);
  s.caret = s.anchor = prev;
}

void EditLeft(EditState& s, Breaks& br, Lang lang, bool extend) {
  if (!extend && s.has_selection()) { s.caret = s.anchor = s.sel_begin(); return; }
  s.caret = br.PrevGrapheme(s.text, lang, s.caret);
  if (!extend) s.anchor = s.caret;
}

void EditRight(EditState& s, Breaks& br, Lang lang, bool extend) {
  if (!extend && s.has_selection()) { s.caret = s.anchor = s.sel_end(); return; }
  s.caret = br.NextGrapheme(s.text, lang, s.caret);
  if (!extend) s.anchor = s.caret;
}

void EditSetCaret(EditState& s, Breaks& br, Lang lang, size_t at, bool extend) {
  size_t snapped = 0;
  for (size_t stop : br.Graphemes(s.text, lang))
    if (stop <= at) snapped = stop;
  s.caret = snapped;
  if (!extend) s.anchor = snapped;
}

void EditClear(EditState& s) {
  // Overwrite before clearing: a citizen's words should not linger in freed heap memory
  // longer than needed (kiosk idle reset relies on this too).
  for (char& c : s.text) c = 0;
  s.text.clear();
  s.caret = s.anchor = 0;
}

}  // namespace samvad::text
