// keyboard.cpp — the on-screen keyboards' tables and rules: InScript Devanagari (Hindi and
// Marathi), InScript Bengali, English QWERTY, the numeric pad; the character classes of the
// Devanagari and Bengali blocks; and the rule that greys out keys that cannot attach.
//
// It is not a shaper, a normaliser or an input method with state: it never rewrites text that is
// already typed, keeps no caret, and knows nothing of ImGui (keyboard_view draws these tables).
//
// Index
//   [SECTION] Key builders
//   [SECTION] Layout tables
//   [SECTION] Character classes
//   [SECTION] Public functions
#include "app/text/keyboard.h"

#include <cassert>
#include <utility>

#include "app/text/utf8.h"
#include "sync/model/digits.h"

namespace samvad::text {
namespace {

//-------------------------------------------------------------------------------------------
// [SECTION] Key builders
//-------------------------------------------------------------------------------------------

// Joiners are invisible, so they are spelled as escapes and labelled by name on their keys.
constexpr const char* kZwj = "\u200D";
constexpr const char* kZwnj = "\u200C";

Key Ins(char32_t qwerty, char32_t qwerty_shift, std::string out, std::string shift_out = {}) {
  Key k;
  k.qwerty = qwerty;
  k.qwerty_shift = qwerty_shift;
  k.out = std::move(out);
  k.shift_out = std::move(shift_out);
  return k;
}

// A number-row key of a script layout: it shows the script's digit but inserts the ASCII one,
// because stored numbers are ASCII (digits.h) and a citizen should not see them change.
Key Digit(char digit, char32_t qwerty_shift, std::string native, std::string shift_out = {}) {
  Key k = Ins(static_cast<char32_t>(digit), qwerty_shift, std::string(1, digit),
              std::move(shift_out));
  k.label = std::move(native);
  return k;
}

Key Labelled(Key k, std::string label, std::string shift_label = {}) {
  k.label = std::move(label);
  k.shift_label = std::move(shift_label);
  return k;
}

// Labels of the non-inserting keys are placeholders in English; the UI relabels them through
// its translation catalog (GUIDE 2.8), so they are never shown as written here.
Key Special(KeyRole role, std::string label, float width, char32_t qwerty = 0) {
  Key k;
  k.role = role;
  k.label = std::move(label);
  k.width = width;
  k.qwerty = qwerty;
  // push_back, not `= " "`: GCC 12 -O2 reports a false -Wrestrict on the latter (GCC bug 105329)
  // and CI builds with -Werror.
  if (role == KeyRole::Space) k.out.push_back(' ');
  return k;
}

Key ShiftKey() { return Special(KeyRole::Shift, "Shift", 1.5f); }
Key BackspaceKey() { return Special(KeyRole::Backspace, "Backspace", 1.5f); }
Key SpaceKey() { return Special(KeyRole::Space, "Space", 6.0f, U' '); }

//-------------------------------------------------------------------------------------------
// [SECTION] Layout tables
//-------------------------------------------------------------------------------------------
// Positions and layers 1-2 follow xkb-data's symbols/in, sections "deva" and "ben_inscript".
// Where xkb has a placeholder or nothing, the InScript standard (IS 13194) decides; each such
// place says so. Nukta letters that Unicode excludes from composition (य़ য় ঢ়) are inserted as
// base + nukta, the form NFC keeps, so typed text and text from peers compare equal.

Layout Devanagari(bool marathi) {
  Layout l{LayoutId::Devanagari, {}};
  l.rows.push_back({
      Ins('`', '~', "ॊ", "ऒ"),
      Digit('1', '!', "१", "ऍ"),
      Digit('2', '@', "२", "ॅ"),
      // xkb leaves ASCII placeholders on shift 3-8 ("needs a macro"); InScript puts the
      // ra forms and the common conjuncts there.
      Digit('3', '#', "३", "्र"),
      Digit('4', '$', "४", "र्"),
      Digit('5', '%', "५", "ज्ञ"),
      Digit('6', '^', "६", "त्र"),
      Digit('7', '&', "७", "क्ष"),
      Digit('8', '*', "८", "श्र"),
      Digit('9', '(', "९", "("),
      Digit('0', ')', "०", ")"),
      Ins('-', '_', "-", "ः"),
      Ins('=', '+', "ृ", "ऋ"),
      BackspaceKey(),
  });
  l.rows.push_back({
      Ins('q', 'Q', "ौ", "औ"), Ins('w', 'W', "ै", "ऐ"), Ins('e', 'E', "ा", "आ"),
      Ins('r', 'R', "ी", "ई"), Ins('t', 'T', "ू", "ऊ"), Ins('y', 'Y', "ब", "भ"),
      Ins('u', 'U', "ह", "ङ"), Ins('i', 'I', "ग", "घ"), Ins('o', 'O', "द", "ध"),
      Ins('p', 'P', "ज", "झ"), Ins('[', '{', "ड", "ढ"), Ins(']', '}', "़", "ञ"),
      Ins('\\', '|', "ॉ", "ऑ"),
  });
  l.rows.push_back({
      Ins('a', 'A', "ो", "ओ"), Ins('s', 'S', "े", "ए"), Ins('d', 'D', "्", "अ"),
      Ins('f', 'F', "ि", "इ"), Ins('g', 'G', "ु", "उ"), Ins('h', 'H', "प", "फ"),
      Ins('j', 'J', "र", "ऱ"), Ins('k', 'K', "क", "ख"), Ins('l', 'L', "त", "थ"),
      Ins(';', ':', "च", "छ"), Ins('\'', '"', "ट", "ठ"),
  });
  l.rows.push_back({
      ShiftKey(),
      Ins('z', 'Z', "ॆ", "ऎ"), Ins('x', 'X', "ं", "ँ"), Ins('c', 'C', "म", "ण"),
      Ins('v', 'V', "न", "ऩ"), Ins('b', 'B', "व", "ऴ"), Ins('n', 'N', "ल", "ळ"),
      Ins('m', 'M', "स", "श"), Ins(',', '<', ",", "ष"), Ins('.', '>', ".", "।"),
      Ins('/', '?', "य", "\u092F\u093C"),  // य़: U+095F is a composition exclusion
  });
  // xkb reaches the joiners through AltGr+Space; a touch screen has no AltGr, so they get
  // keys of their own. Hindi needs ZWNJ too (an explicit halant inside a word).
  std::vector<Key> bottom = {
      Labelled(Ins(0, 0, kZwnj), "ZWNJ"),
      Labelled(Ins(0, 0, kZwj), "ZWJ"),
      SpaceKey(),
  };
  // Marathi writes र्‍य / र्‍ह with the eyelash ra, encoded र ् ZWJ since Unicode 4.0;
  // no InScript position exists for it, so it is on-screen only.
  if (marathi) bottom.push_back(Ins(0, 0, "\u0930\u094D\u200D"));
  l.rows.push_back(std::move(bottom));
  return l;
}

Layout Bengali() {
  Layout l{LayoutId::Bengali, {}};
  l.rows.push_back({
      // xkb ben_inscript puts ZWJ / ZWNJ on the backquote key (Bengali র‍্য needs ZWJ).
      Labelled(Ins('`', '~', kZwj, kZwnj), "ZWJ", "ZWNJ"),
      Digit('1', 0, "১"),
      Digit('2', 0, "২"),
      // xkb has nothing shifted here; InScript has the same ra forms and conjuncts as Devanagari.
      Digit('3', '#', "৩", "্র"),
      Digit('4', '$', "৪", "র্"),
      Digit('5', '%', "৫", "জ্ঞ"),
      Digit('6', '^', "৬", "ত্র"),
      Digit('7', '&', "৭", "ক্ষ"),
      Digit('8', '*', "৮", "শ্র"),
      Digit('9', '(', "৯", "("),
      Digit('0', ')', "০", ")"),
      Ins('-', '_', "-", "ঃ"),
      Ins('=', '+', "ৃ", "ঋ"),
      BackspaceKey(),
  });
  l.rows.push_back({
      Ins('q', 'Q', "ৌ", "ঔ"), Ins('w', 'W', "ৈ", "ঐ"), Ins('e', 'E', "া", "আ"),
      Ins('r', 'R', "ী", "ঈ"), Ins('t', 'T', "ূ", "ঊ"), Ins('y', 'Y', "ব", "ভ"),
      Ins('u', 'U', "হ", "ঙ"), Ins('i', 'I', "গ", "ঘ"), Ins('o', 'O', "দ", "ধ"),
      Ins('p', 'P', "জ", "ঝ"), Ins('[', '{', "ড", "ঢ"), Ins(']', '}', "়", "ঞ"),
      Ins('\\', '|', "\\", "|"),
  });
  l.rows.push_back({
      Ins('a', 'A', "ো", "ও"), Ins('s', 'S', "ে", "এ"), Ins('d', 'D', "্", "অ"),
      Ins('f', 'F', "ি", "ই"), Ins('g', 'G', "ু", "উ"), Ins('h', 'H', "প", "ফ"),
      Ins('j', 'J', "র", "\u09A2\u09BC"),  // ঢ়: U+09DD is a composition exclusion
      Ins('k', 'K', "ক", "খ"), Ins('l', 'L', "ত", "থ"), Ins(';', ':', "চ", "ছ"),
      Ins('\'', '"', "ট", "ঠ"),
  });
  l.rows.push_back({
      ShiftKey(),
      Ins('z', 0, "ৎ"), Ins('x', 'X', "ং", "ঁ"), Ins('c', 'C', "ম", "ণ"),
      Ins('v', 'V', "ন"), Ins('b', 'B', "ব"), Ins('n', 'N', "ল"),
      Ins('m', 'M', "স", "শ"), Ins(',', '<', ",", "ষ"), Ins('.', '>', ".", "।"),
      // Unshifted য় and shifted য, as in xkb. U+09DF is a composition exclusion.
      Ins('/', '?', "\u09AF\u09BC", "য"),
  });
  l.rows.push_back({SpaceKey()});
  return l;
}

Layout English() {
  Layout l{LayoutId::English, {}};
  std::vector<Key> numbers;
  const char* const kShifted = "!@#$%^&*()";
  for (int i = 0; i < 10; ++i) {
    const char d = static_cast<char>('0' + (i + 1) % 10);  // 1..9 then 0, as on the keyboard
    numbers.push_back(Ins(static_cast<char32_t>(d), static_cast<char32_t>(kShifted[i]),
                          std::string(1, d), std::string(1, kShifted[i])));
  }
  numbers.push_back(Ins('-', '_', "-", "_"));
  numbers.push_back(BackspaceKey());
  l.rows.push_back(std::move(numbers));

  const auto letters = [](std::string_view row) {
    std::vector<Key> keys;
    for (const char c : row) {
      const char upper = static_cast<char>(c - 'a' + 'A');
      keys.push_back(Ins(static_cast<char32_t>(c), static_cast<char32_t>(upper),
                         std::string(1, c), std::string(1, upper)));
    }
    return keys;
  };
  l.rows.push_back(letters("qwertyuiop"));
  l.rows.push_back(letters("asdfghjkl"));
  l.rows.back().push_back(Ins('\'', '"', "'", "\""));
  std::vector<Key> bottom = letters("zxcvbnm");
  bottom.insert(bottom.begin(), ShiftKey());
  // < and > have no place in a complaint, so comma and period keep their own text shifted.
  bottom.push_back(Ins(',', 0, ","));
  bottom.push_back(Ins('.', 0, "."));
  bottom.push_back(Ins('/', '?', "/", "?"));
  l.rows.push_back(std::move(bottom));
  l.rows.push_back({SpaceKey()});
  return l;
}

Layout Numeric() {
  Layout l{LayoutId::Numeric, {}};
  const auto digit = [](char d) { return Ins(static_cast<char32_t>(d), 0, std::string(1, d)); };
  l.rows.push_back({digit('1'), digit('2'), digit('3')});
  l.rows.push_back({digit('4'), digit('5'), digit('6')});
  l.rows.push_back({digit('7'), digit('8'), digit('9')});
  l.rows.push_back({Special(KeyRole::Backspace, "Backspace", 1.0f), digit('0'),
                    Special(KeyRole::Enter, "OK", 1.0f)});
  return l;
}

//-------------------------------------------------------------------------------------------
// [SECTION] Character classes
//-------------------------------------------------------------------------------------------

struct ClassRange {
  char32_t first, last;
  CharClass cls;
};

// Only assigned code points matter; gaps inside a range are unassigned in Unicode 15.
constexpr ClassRange kClassRanges[] = {
    // Devanagari U+0900-097F
    {0x0900, 0x0903, CharClass::Modifier},
    {0x0904, 0x0914, CharClass::IndependentVowel},
    {0x0915, 0x0939, CharClass::Consonant},
    {0x093A, 0x093B, CharClass::VowelSign},
    {0x093C, 0x093C, CharClass::Nukta},
    {0x093E, 0x094C, CharClass::VowelSign},
    {0x094D, 0x094D, CharClass::Virama},
    {0x094E, 0x094F, CharClass::VowelSign},
    // Vedic stress marks are on no key, but they are combining: never at the start of text.
    {0x0951, 0x0954, CharClass::Modifier},
    {0x0955, 0x0957, CharClass::VowelSign},
    {0x0958, 0x095F, CharClass::Consonant},
    {0x0960, 0x0961, CharClass::IndependentVowel},
    {0x0962, 0x0963, CharClass::VowelSign},
    {0x0972, 0x0977, CharClass::IndependentVowel},
    {0x0978, 0x097F, CharClass::Consonant},
    // Bengali U+0980-09FF
    {0x0981, 0x0983, CharClass::Modifier},
    {0x0985, 0x0994, CharClass::IndependentVowel},
    {0x0995, 0x09B9, CharClass::Consonant},
    {0x09BC, 0x09BC, CharClass::Nukta},
    {0x09BE, 0x09CC, CharClass::VowelSign},
    {0x09CD, 0x09CD, CharClass::Virama},
    {0x09CE, 0x09CE, CharClass::Consonant},  // khanda ta
    {0x09D7, 0x09D7, CharClass::VowelSign},  // au length mark
    {0x09DC, 0x09DF, CharClass::Consonant},
    {0x09E0, 0x09E1, CharClass::IndependentVowel},
    {0x09E2, 0x09E3, CharClass::VowelSign},
    {0x09F0, 0x09F1, CharClass::Consonant},  // Assamese ra, wa
    {0x09FE, 0x09FE, CharClass::Modifier},   // sandhi mark: combining, on no key
};

CharClass ClassOf(char32_t cp) {
  if (model::DigitValue(cp) >= 0) return CharClass::Digit;
  for (const ClassRange& r : kClassRanges)
    if (cp >= r.first && cp <= r.last) return r.cls;
  return CharClass::Other;
}

// Precomposed letters that already carry a nukta (ऩ ऱ ऴ क़..य़ ড় ঢ় য়): a second nukta is noise.
bool HasNukta(char32_t cp) {
  return cp == 0x0929 || cp == 0x0931 || cp == 0x0934 || (cp >= 0x0958 && cp <= 0x095F) ||
         cp == 0x09DC || cp == 0x09DD || cp == 0x09DF;
}

// Khanda ta is a dead consonant (Indic_Syllabic_Category=Consonant_Dead): it ends a syllable
// and takes no vowel sign, virama or nukta.
constexpr char32_t kKhandaTa = 0x09CE;
constexpr char32_t kZwjCp = 0x200D;

}  // namespace

//-------------------------------------------------------------------------------------------
// [SECTION] Public functions
//-------------------------------------------------------------------------------------------

const Layout& GetLayout(LayoutId id, bool marathi) {
  // Built once on first use and never modified: constant tables, not app state.
  static const Layout kHindi = Devanagari(false);
  static const Layout kMarathi = Devanagari(true);
  static const Layout kBengali = Bengali();
  static const Layout kEnglish = English();
  static const Layout kNumeric = Numeric();
  switch (id) {
    case LayoutId::Devanagari: return marathi ? kMarathi : kHindi;
    case LayoutId::Bengali: return kBengali;
    case LayoutId::English: return kEnglish;
    case LayoutId::Numeric: return kNumeric;
  }
  assert(false && "GetLayout: LayoutId out of range");
  return kEnglish;
}

std::string_view KeyText(const Key& key, bool shifted) {
  if (key.role != KeyRole::Insert) return {};
  return shifted && !key.shift_out.empty() ? key.shift_out : key.out;
}

std::string_view KeyLabel(const Key& key, bool shifted) {
  if (shifted) {
    if (!key.shift_label.empty()) return key.shift_label;
    if (!key.shift_out.empty()) return key.shift_out;
    // No shifted text: the key types the same shifted, so it shows the same.
  }
  return key.label.empty() ? std::string_view(key.out) : std::string_view(key.label);
}

CharClass Classify(std::string_view utf8) {
  if (utf8.empty()) return CharClass::Other;
  size_t i = 0;
  return ClassOf(DecodeUtf8(utf8, i));
}

bool CanInsertAfter(std::string_view before, std::string_view insert) {
  const CharClass what = Classify(insert);
  if (what != CharClass::VowelSign && what != CharClass::Virama && what != CharClass::Nukta &&
      what != CharClass::Modifier)
    return true;
  if (before.empty()) return false;

  size_t at = PrevCodePoint(before, before.size());
  const size_t last_at = at;
  const char32_t last = DecodeUtf8(before, at);
  char32_t prev = 0;
  if (last_at > 0) {
    size_t p = PrevCodePoint(before, last_at);
    prev = DecodeUtf8(before, p);
  }
  const CharClass last_cls = ClassOf(last);
  const CharClass prev_cls = ClassOf(prev);
  const bool live_consonant = last_cls == CharClass::Consonant && last != kKhandaTa;

  switch (what) {
    case CharClass::Modifier:
      return last_cls == CharClass::Consonant || last_cls == CharClass::Nukta ||
             last_cls == CharClass::IndependentVowel || last_cls == CharClass::VowelSign;
    case CharClass::Nukta:
      return live_consonant && !HasNukta(last);
    case CharClass::Virama:
      // Consonant + ZWJ + virama is how Unicode spells Bengali র‍্য (ra with ya-phala).
      if (last == kZwjCp && prev_cls == CharClass::Consonant) return true;
      [[fallthrough]];
    default:  // VowelSign
      return live_consonant || (last_cls == CharClass::Nukta && prev_cls == CharClass::Consonant);
  }
}

std::string TranslatePhysical(LayoutId id, char32_t qwerty_char, bool marathi) {
  if (qwerty_char == 0) return {};  // 0 marks on-screen-only keys, never a keystroke
  for (const std::vector<Key>& row : GetLayout(id, marathi).rows) {
    for (const Key& key : row) {
      if (key.role == KeyRole::Space && key.qwerty == qwerty_char) return key.out;
      if (key.role != KeyRole::Insert) continue;
      if (key.qwerty == qwerty_char) return std::string(KeyText(key, false));
      if (key.qwerty_shift == qwerty_char) return std::string(KeyText(key, true));
    }
  }
  return {};
}

}  // namespace samvad::text
