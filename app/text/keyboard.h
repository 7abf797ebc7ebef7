// keyboard.h — the on-screen keyboards' model: layouts, what each key inserts, and which keys
// may be pressed given the text before the caret. Pure data + logic, no ImGui, no I/O:
// app/ui/widgets/keyboard_view draws it, app/ui/widgets/text_field applies what it returns.
//
// Layouts: InScript Devanagari (Marathi and Hindi; Marathi adds the eyelash ra र्‍ = र ् ZWJ),
// InScript Bengali, English QWERTY, and a numeric pad. InScript keys sit on the QWERTY
// positions of the Government of India standard (IS 13194), as in xkb-data's `in(deva)` and
// `in(ben_inscript)`, so a person who touch-types InScript finds every letter where they expect.
//
// Digits: every digit key inserts an ASCII digit (its label shows the script's digit), and
// NormalizeDigits() in sync/model turns typed Devanagari/Bengali digits into ASCII — stored
// numbers are always ASCII.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace samvad::text {

enum class LayoutId { Devanagari, Bengali, English, Numeric };

enum class KeyRole {
  Insert,     // inserts `out` (or `shift_out` while shifted)
  Shift,      // toggles the shift layer for the next key
  Backspace,  // deletes one code point before the caret (or the selection)
  Space,
  Enter,      // "done" on the numeric pad, newline nowhere (fields are single-paragraph)
};

// What a key's text is, linguistically; decides where it may be inserted.
enum class CharClass {
  Other,          // punctuation, space, Latin letters, joiners, conjunct keys' leading consonant...
  Consonant,
  IndependentVowel,
  VowelSign,      // matra: only right after a consonant (or consonant + nukta)
  Virama,         // halant: only right after a consonant (or consonant + nukta)
  Nukta,          // only right after a consonant
  Modifier,       // anusvara, candrabindu, visarga: after a consonant, vowel or vowel sign
  Digit,
};

struct Key {
  char32_t qwerty = 0;        // the physical key's unshifted ASCII char ('k'); 0: on-screen only
  char32_t qwerty_shift = 0;  // the shifted ASCII char on that key ('K'); 0: none
  std::string out;            // UTF-8 inserted unshifted; may be several code points (क्ष)
  std::string shift_out;      // UTF-8 inserted shifted; empty: same as `out`
  std::string label;          // what the key shows unshifted; empty: `out`
  std::string shift_label;    // what the key shows shifted; empty: `shift_out`
  KeyRole role = KeyRole::Insert;
  float width = 1.0f;         // in key units (1 = a normal key)
};

struct Layout {
  LayoutId id;
  std::vector<std::vector<Key>> rows;  // top row first
};

// The layout for a keyboard; `marathi` adds the Marathi-only keys (eyelash ra) to Devanagari.
const Layout& GetLayout(LayoutId id, bool marathi = false);

// The text a key inserts on the given layer ("" for non-Insert keys).
std::string_view KeyText(const Key& key, bool shifted);
// The label a key shows on the given layer.
std::string_view KeyLabel(const Key& key, bool shifted);

// The class of the first code point of `utf8` that decides placement (see CharClass).
CharClass Classify(std::string_view utf8);

// May `insert` go right after `before` (the text before the caret)? Vowel signs, virama and
// nukta only after a consonant; modifiers after a consonant, vowel or vowel sign. Everything
// else always. This is what greys out keys that could not attach.
bool CanInsertAfter(std::string_view before, std::string_view insert);

// A physical InScript keystroke (the ASCII char the QWERTY key would type, shift already
// applied, e.g. 'k' or 'K') → the UTF-8 it inserts on `id`. Empty when the key has nothing.
std::string TranslatePhysical(LayoutId id, char32_t qwerty_char, bool marathi = false);

}  // namespace samvad::text
