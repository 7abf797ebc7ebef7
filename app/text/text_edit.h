// text_edit.h — the editing model behind every text field: UTF-8 text, a caret and a selection
// anchor (byte offsets), moved by grapheme cluster so the caret never lands inside a syllable
// (क्षे is one step), while backspace removes one code point (क्ष → क्), as Indic typists
// expect. Digits of any script are stored as ASCII. No drawing; text_field.cpp draws it.
#pragma once
#include <string>
#include <string_view>

#include "app/text/breaks.h"

namespace samvad::text {

struct EditState {
  std::string text;
  size_t caret = 0;
  size_t anchor = 0;       // == caret when nothing is selected
  size_t max_graphemes = 0;  // 0: no limit
  bool digits_only = false;  // the numeric fields: anything but a digit is refused

  bool has_selection() const { return anchor != caret; }
  size_t sel_begin() const { return anchor < caret ? anchor : caret; }
  size_t sel_end() const { return anchor < caret ? caret : anchor; }
};

// Replaces the selection (or inserts at the caret). Digits become ASCII; invalid UTF-8 and
// control characters are dropped; past max_graphemes nothing is inserted. Returns false when
// the insertion was refused (so the UI can say why).
bool EditInsert(EditState& s, Breaks& br, Lang lang, std::string_view utf8);
// Deletes the selection, or the one code point before the caret.
void EditBackspace(EditState& s);
// Moves the caret one grapheme; with `extend`, grows the selection instead of collapsing it.
void EditLeft(EditState& s, Breaks& br, Lang lang, bool extend);
void EditRight(EditState& s, Breaks& br, Lang lang, bool extend);
// Puts the caret at `at` (snapped to a grapheme stop); with `extend`, selects to it.
void EditSetCaret(EditState& s, Breaks& br, Lang lang, size_t at, bool extend);
void EditClear(EditState& s);
size_t CountGraphemes(Breaks& br, Lang lang, std::string_view text);

}  // namespace samvad::text
